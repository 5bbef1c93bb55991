"""The staff login form (email, service accounts refused) and the second-factor code form."""

from django import forms
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy


class LoginForm(auth_views.AuthenticationForm):
    username = forms.EmailField(
        label=gettext_lazy("Adresse électronique"), widget=forms.EmailInput(attrs={"autofocus": True})
    )
    error_messages = {
        "invalid_login": gettext_lazy("Adresse électronique ou mot de passe incorrect."),
        "inactive": gettext_lazy("Ce compte est désactivé."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_service_account:
            raise forms.ValidationError(self.error_messages["inactive"], code="inactive")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code à usage unique"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=gettext_lazy("Le code à 6 chiffres de votre application, ou un code de secours."),
    )
