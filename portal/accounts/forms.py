"""Forms of the citizen account pages. Errors in French next to their field; nothing here writes."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grc.models import Citizen
from grc.validators import validate_birth_date, validate_name
from portal.accounts.services import password_reset_schedule

User = get_user_model()
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]


class BirthDateField(forms.DateField):
    default_validators = [validate_birth_date]

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"))
        kwargs.setdefault("error_messages", {"invalid": _("Saisissez une date valide, par exemple 14/05/1980.")})
        super().__init__(**kwargs)


class IdentityFields(forms.Form):
    birth_name = forms.CharField(
        label=_("Nom de naissance"),
        validators=[validate_name],
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": _("Indiquez votre nom de naissance.")},
    )
    usage_name = forms.CharField(
        label=_("Nom d'usage"),
        validators=[validate_name],
        max_length=150,
        required=False,
        help_text=_("Par exemple le nom d'époux ou d'épouse, s'il est différent du nom de naissance."),
    )
    first_names = forms.CharField(
        label=_("Prénoms"),
        validators=[validate_name],
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        help_text=_("Tous vos prénoms, dans l'ordre de l'état civil, séparés par des virgules."),
        error_messages={"required": _("Indiquez au moins un prénom.")},
    )
    birth_date = BirthDateField(
        label=_("Date de naissance"), error_messages={"required": _("Indiquez votre date de naissance.")}
    )
    birth_place = forms.CharField(
        label=_("Commune de naissance"),
        validators=[validate_name],
        max_length=150,
        required=False,
        help_text=_("Facultatif. Elle aide à retrouver votre dossier sans confusion avec un homonyme."),
    )
    sex = forms.ChoiceField(
        label=_("Sexe"),
        required=False,
        choices=[("", _("Non renseigné")), (Citizen.Sex.FEMALE, _("Féminin")), (Citizen.Sex.MALE, _("Masculin"))],
    )

    def clean_birth_name(self):
        value = self.cleaned_data["birth_name"].strip()
        if not any(c.isalpha() for c in value):
            raise ValidationError(_("Le nom doit comporter des lettres."), code="no_letters")
        return value

    def clean_first_names(self):
        value = self.cleaned_data["first_names"].strip()
        if not any(c.isalpha() for c in value):
            raise ValidationError(_("Les prénoms doivent comporter des lettres."), code="no_letters")
        return value

    def identity(self) -> dict:
        data = self.cleaned_data
        return {
            "birth_name": data["birth_name"],
            "usage_name": data.get("usage_name", "").strip(),
            "first_names": data["first_names"],
            "birth_date": data["birth_date"],
            "birth_place": data.get("birth_place", "").strip(),
            "sex": data.get("sex") or Citizen.Sex.UNKNOWN,
        }


class SignupForm(IdentityFields):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
        },
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 12 caractères, pas uniquement des chiffres, ni un mot de passe trop courant."),
        error_messages={"required": _("Choisissez un mot de passe.")},
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Saisissez à nouveau le mot de passe.")},
    )
    terms = forms.BooleanField(
        label=_("J'accepte les conditions d'utilisation du portail et la politique de protection des données."),
        error_messages={"required": _("Vous devez accepter les conditions d'utilisation pour créer un compte.")},
    )

    field_order = [
        "email",
        "password1",
        "password2",
        "birth_name",
        "usage_name",
        "first_names",
        "birth_date",
        "birth_place",
        "sex",
        "terms",
    ]

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            candidate = User(
                email=cleaned.get("email") or "",
                first_name=cleaned.get("first_names") or "",
                last_name=cleaned.get("birth_name") or "",
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
        },
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, domain_override=None, use_https=False, request=None, **kwargs):
        """Queue the reset e-mail of each matching account for the worker (``emails.password_reset_send``
        makes, counts per recipient and sends it): done here, a known address answered slower than an
        unknown one. Django's template options are the view's defaults, the ones the worker uses."""
        domain = domain_override or get_current_site(request).domain
        for user in self.get_users(self.cleaned_data["email"]):
            password_reset_schedule(user=user, domain=domain, use_https=use_https)

    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
        },
    )


class SetPasswordForm(auth_forms.SetPasswordForm):
    error_messages = {"password_mismatch": _("Les deux mots de passe ne sont pas identiques.")}


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code à usage unique"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=_("Le code à 6 chiffres affiché par votre application d'authentification."),
        error_messages={"required": _("Saisissez le code affiché par votre application.")},
    )

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "")


class PasswordConfirmForm(forms.Form):
    """Re-typing the password before a sensitive change (TOTP removal, deletion request)."""

    password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Saisissez votre mot de passe.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            # An account opened through FranceConnect has no password: a confirmation box instead.
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Mot de passe incorrect."), code="wrong_password")
        return password


class DeletionRequestForm(PasswordConfirmForm):
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("Je comprends que mon compte sera désactivé immédiatement."),
        error_messages={"required": _("Cochez la case pour confirmer la suppression de votre compte.")},
    )

    field_order = ["reason", "password", "confirm"]
