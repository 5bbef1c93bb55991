"""Forms of Mon espace: a message on a request, the answer to a request for more documents, and a
rights request ("Exercer mes droits")."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demandes.models import Organisation, OrganisationMember
from grc.uploads import MultipleUploadField, refusal_notices
from privacy import services as privacy_services
from privacy.models import GdprRequest


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Votre message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    files = MultipleUploadField(
        label=gettext_lazy("Pièces jointes"),
        help_text=gettext_lazy("PDF, image PNG ou JPEG, document bureautique ; 20 Mo au plus par fichier."),
    )


class AnswerForm(forms.Form):
    files = MultipleUploadField(
        label=gettext_lazy("Pièces demandées"),
        help_text=gettext_lazy("PDF, image PNG ou JPEG, document bureautique ; 20 Mo au plus par fichier."),
    )
    message = forms.CharField(
        label=gettext_lazy("Message (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("files") and not (data.get("message") or "").strip():
            # Every file refused: say why each one was, not only that nothing came.
            raise ValidationError(
                refusal_notices(data.get("files")) or _("Joignez les pièces demandées ou écrivez un message.")
            )
        return data


K = GdprRequest.Kind
# Each right in plain words (the radio buttons of "Exercer mes droits").
RIGHTS_CHOICES = [
    (
        K.ACCESS,
        gettext_lazy("Accès : obtenir une copie de toutes les informations que le Département détient sur moi."),
    ),
    (K.RECTIFICATION, gettext_lazy("Rectification : faire corriger ou compléter une information inexacte.")),
    (
        K.ERASURE,
        gettext_lazy(
            "Effacement : demander la suppression d'informations me concernant (pas la suppression de mon compte)."
        ),
    ),
    (
        K.RESTRICTION,
        gettext_lazy("Limitation : faire geler l'utilisation de certaines informations le temps d'une vérification."),
    ),
    (
        K.PORTABILITY,
        gettext_lazy("Portabilité : recevoir les informations que j'ai fournies dans un format réutilisable."),
    ),
    (
        K.OBJECTION,
        gettext_lazy(
            "Opposition : m'opposer à une utilisation de mes informations, pour une raison qui m'est propre."
        ),
    ),
]


class RightsRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Le droit que je souhaite exercer"),
        choices=RIGHTS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choisissez le droit que vous souhaitez exercer.")},
    )
    details = forms.CharField(
        label=gettext_lazy("Précisions"),
        help_text=gettext_lazy(
            "Obligatoire pour la rectification, la limitation et l'opposition : dites quelles informations "
            "corriger (et ce qu'elles devraient être), lesquelles limiter, ou à quoi vous vous opposez et pourquoi. "
            "5 000 caractères au plus."
        ),
        required=False,
        max_length=privacy_services.DETAILS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class OrganisationForm(forms.Form):
    """A structure the account acts for: name, type, SIRET or RNA (checked by ``demandes.organisations``)."""

    name = forms.CharField(label=gettext_lazy("Nom de la structure"), max_length=255)
    kind = forms.ChoiceField(label=gettext_lazy("Type de structure"), choices=Organisation.Kind.choices)
    siret = forms.CharField(
        label=gettext_lazy("SIRET"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("14 chiffres, sur l'avis de situation INSEE ou annuaire-entreprises.data.gouv.fr."),
    )
    rna = forms.CharField(
        label=gettext_lazy("Numéro RNA (associations sans SIRET)"),
        required=False,
        max_length=12,
        help_text=gettext_lazy("La lettre W suivie de 9 caractères, sur le récépissé de la préfecture."),
    )


class MemberForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Adresse électronique de son compte"))
    role = forms.ChoiceField(
        label=gettext_lazy("Rôle"), choices=OrganisationMember.Role.choices, initial=OrganisationMember.Role.MEMBER
    )
