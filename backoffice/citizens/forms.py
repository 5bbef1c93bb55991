"""Back-office forms of the citizen reference: search, creation and identity changes.

Forms validate input only; writes happen in the services the views call.
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.form_helpers import FRENCH_DATE_FORMATS, AccessibleFormMixin
from grc import nir as nir_rules
from grc.matching.candidates import IdentityQuery
from grc.models import Address, Citizen, ContactPoint
from grc.selectors.communes import commune_resolve
from grc.validators import validate_birth_date, validate_name


class CitizenSearchForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Nom et prénom"),
        required=False,
        max_length=200,
        help_text=_("Nom de naissance ou d'usage, prénoms ; les fautes de frappe sont tolérées."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
    )
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        required=False,
        input_formats=FRENCH_DATE_FORMATS,
        help_text=_("Au format jj/mm/aaaa, par exemple 14/07/1980."),
        error_messages={"invalid": _("Saisissez une date de naissance valide au format jj/mm/aaaa.")},
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "jj/mm/aaaa"}
        ),
    )
    birth_year = forms.IntegerField(
        label=_("Année de naissance"),
        required=False,
        min_value=1900,
        help_text=_(
            "Si la date exacte n'est pas connue, par exemple 1980 : les personnes nées cette année-là "
            "sont classées plus haut."
        ),
        error_messages={
            "invalid": _("Saisissez une année de naissance en chiffres, par exemple 1980."),
            "min_value": _("Saisissez une année de naissance à partir de 1900."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}),
    )

    commune = forms.CharField(
        label=_("Commune"),
        required=False,
        max_length=100,
        help_text=_("Code INSEE, code postal ou nom : les personnes qui y habitent sont classées plus haut."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].widget.attrs.setdefault("aria-describedby", f"id_{name}_help")

    def clean_commune(self):
        """The commune typed, as a ``grc.Commune`` (None when left empty)."""
        text = (self.cleaned_data.get("commune") or "").strip()
        if not text:
            return None
        commune = commune_resolve(text)
        if commune is None:
            raise ValidationError(
                _("Commune inconnue : saisissez un code INSEE, un code postal ou le nom d'une commune."),
                code="unknown_commune",
            )
        return commune

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year is not None and year > timezone.localdate().year:
            raise ValidationError(_("L'année de naissance ne peut pas être dans le futur."), code="future_year")
        return year

    def clean(self):
        data = super().clean()
        if data.get("birth_year") is not None and not (data.get("q") or "").strip() and not data.get("birth_date"):
            self.add_error("q", _("Saisissez aussi un nom : l'année de naissance seule ne suffit pas."))
        return data

    def has_criteria(self) -> bool:
        data = self.cleaned_data
        return bool((data.get("q") or "").strip() or data.get("birth_date"))


# --- citizen creation and identity changes --------------------------------------------------------

_POSTCODE = re.compile(r"^\d{5}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]")
_FRENCH_PHONE = re.compile(r"^0[1-9]\d{8}$")
_INTERNATIONAL_PHONE = re.compile(r"^\+\d{8,15}$")
_FRENCH_MOBILE = re.compile(r"^(0|\+33)[67]")

# Agents may only declare an identity or record that they have seen an identity document; the
# other levels come from the portal (verified e-mail, FranceConnect).
AGENT_ASSURANCE_LEVELS = (Citizen.Assurance.DECLARED, Citizen.Assurance.DOCUMENT_CHECKED)


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _too_long(limit: int) -> str:
    return _("Ce champ ne peut pas dépasser %(limit)s caractères.") % {"limit": limit}


def _char(model, name: str, label, *, required="", help_text="", validators=(), **attrs) -> forms.CharField:
    """A text field as long as the model column; ``required`` is the message shown when it is left empty."""
    limit = _max_length(model, name)
    messages = {"max_length": _too_long(limit)}
    if required:
        messages["required"] = required
    return forms.CharField(
        label=label,
        required=bool(required),
        max_length=limit,
        help_text=help_text,
        error_messages=messages,
        validators=list(validators),
        widget=forms.TextInput(attrs=attrs),
    )


class HelpDescribedFormMixin(AccessibleFormMixin):
    """Also tie help texts to their input on the first, unbound display."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"{self[name].id_for_label}_help")


class CitizenIdentityForm(HelpDescribedFormMixin, forms.Form):
    """The identity fields an agent may type or correct; ``identity()`` returns them for the services."""

    birth_name = _char(
        Citizen,
        "birth_name",
        _("Nom de naissance"),
        validators=[validate_name],
        required=_("Indiquez le nom de naissance."),
        autocomplete="off",
        spellcheck="false",
    )
    usage_name = _char(
        Citizen,
        "usage_name",
        _("Nom d'usage"),
        validators=[validate_name],
        help_text=_("Nom d'époux ou d'épouse, par exemple ; laissez vide s'il est identique."),
        autocomplete="off",
        spellcheck="false",
    )
    first_names = _char(
        Citizen,
        "first_names",
        _("Prénoms"),
        validators=[validate_name],
        required=_("Indiquez au moins un prénom."),
        help_text=_("Tous les prénoms, dans l'ordre de l'état civil."),
        autocomplete="off",
        spellcheck="false",
    )
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        required=False,
        input_formats=FRENCH_DATE_FORMATS,
        help_text=_("Au format jj/mm/aaaa, par exemple 14/07/1980. Laissez vide si elle est inconnue."),
        error_messages={"invalid": _("Saisissez une date de naissance valide au format jj/mm/aaaa.")},
        validators=[validate_birth_date],
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "jj/mm/aaaa"}
        ),
    )
    birth_place = _char(
        Citizen,
        "birth_place",
        _("Lieu de naissance"),
        help_text=_("Commune de naissance."),
        validators=[validate_name],
        autocomplete="off",
    )
    birth_country = _char(
        Citizen, "birth_country", _("Pays de naissance"), validators=[validate_name], autocomplete="off"
    )
    birth_country.initial = "France"
    sex = forms.ChoiceField(label=_("Sexe"), choices=Citizen.Sex.choices, initial=Citizen.Sex.UNKNOWN)
    nir = forms.CharField(
        label=_("NIR (numéro de sécurité sociale)"),
        required=False,
        max_length=30,
        help_text=_("Facultatif : 15 caractères, clé comprise. Les espaces sont acceptés."),
        error_messages={"max_length": _("Le NIR comporte 15 caractères, clé comprise.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    assurance_level = forms.TypedChoiceField(
        label=_("Niveau de garantie de l'identité"),
        coerce=int,
        choices=[(level.value, level.label) for level in AGENT_ASSURANCE_LEVELS],
        initial=Citizen.Assurance.DECLARED,
        help_text=_("« Pièce d'identité vérifiée » seulement si vous avez vu l'original d'une pièce d'identité."),
    )

    identity_fields = (
        "birth_name",
        "usage_name",
        "first_names",
        "birth_date",
        "birth_place",
        "birth_country",
        "sex",
        "nir",
        "assurance_level",
    )

    def clean_birth_name(self):
        return " ".join(self.cleaned_data["birth_name"].split())

    def clean_usage_name(self):
        return " ".join(self.cleaned_data["usage_name"].split())

    def clean_first_names(self):
        return " ".join(self.cleaned_data["first_names"].split())

    def clean_nir(self):
        value = nir_rules.clean(self.cleaned_data["nir"])
        if not value:
            return ""
        if len(value) != 15:
            raise ValidationError(_("Le NIR comporte 15 caractères, clé comprise."), code="length")
        if not nir_rules.is_valid(value):
            raise ValidationError(
                _("Ce NIR n'est pas valide : la clé de contrôle ne correspond pas. Vérifiez la saisie."),
                code="key",
            )
        return value

    def clean(self):
        cleaned = super().clean()
        nir, sex, birth_date = cleaned.get("nir"), cleaned.get("sex"), cleaned.get("birth_date")
        # Permanent NIRs (first digit 1 or 2) encode the sex, year and month of birth: a mismatch is a typo.
        if nir and "nir" not in self.errors and nir[0] in "12":
            month = int(nir[3:5])
            if sex in (Citizen.Sex.MALE, Citizen.Sex.FEMALE) and nir[0] != {"M": "1", "F": "2"}[sex]:
                self.add_error("nir", _("Ce NIR ne correspond pas au sexe indiqué."))
            elif birth_date and nir[1:3] != f"{birth_date.year % 100:02d}":
                self.add_error("nir", _("Ce NIR ne correspond pas à l'année de naissance indiquée."))
            elif birth_date and 1 <= month <= 12 and month != birth_date.month:
                self.add_error("nir", _("Ce NIR ne correspond pas au mois de naissance indiqué."))
        return cleaned

    def identity(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.identity_fields}


class AddressFieldsForm(HelpDescribedFormMixin, forms.Form):
    """A French postal address; optional as a whole, but complete when any part of it is typed."""

    line1 = _char(Address, "line1", _("Adresse"), help_text=_("Numéro et voie."), autocomplete="off")
    line2 = _char(
        Address, "line2", _("Complément d'adresse"), help_text=_("Bâtiment, étage, lieu-dit…"), autocomplete="off"
    )
    postcode = forms.CharField(
        label=_("Code postal"),
        required=False,
        max_length=10,
        help_text=_("5 chiffres, par exemple 35000."),
        error_messages={"max_length": _("Le code postal doit comporter 5 chiffres.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    city = _char(Address, "city", _("Commune"), autocomplete="off")

    address_fields = ("line1", "line2", "postcode", "city")

    def clean_postcode(self):
        postcode = re.sub(r"\s", "", self.cleaned_data["postcode"])
        if postcode and not _POSTCODE.match(postcode):
            raise ValidationError(_("Le code postal doit comporter 5 chiffres."), code="postcode")
        return postcode

    def clean_city(self):
        return " ".join(self.cleaned_data["city"].split())

    def clean(self):
        cleaned = super().clean()
        if any(cleaned.get(name) for name in self.address_fields) or any(
            name in self.errors for name in self.address_fields
        ):
            missing = {
                "line1": _("Indiquez le numéro et la voie pour enregistrer l'adresse."),
                "postcode": _("Indiquez le code postal pour enregistrer l'adresse."),
                "city": _("Indiquez la commune pour enregistrer l'adresse."),
            }
            for name, message in missing.items():
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def address(self) -> dict | None:
        if not self.cleaned_data.get("line1"):
            return None
        return {name: self.cleaned_data[name] for name in self.address_fields}


class AddressAddForm(AddressFieldsForm):
    """A new current address of a citizen; the previous one ends the day this one starts."""

    start_date = forms.DateField(
        label=_("Habite à cette adresse depuis le"),
        input_formats=FRENCH_DATE_FORMATS,
        help_text=_("Au format jj/mm/aaaa. L'adresse actuelle sera close à cette date."),
        error_messages={
            "required": _("Indiquez la date d'emménagement."),
            "invalid": _("Saisissez une date valide au format jj/mm/aaaa."),
        },
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "jj/mm/aaaa"}
        ),
    )

    def __init__(self, *args, current_start: datetime.date | None = None, **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.current_start = current_start
        for name in ("line1", "postcode", "city"):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = {
                "line1": _("Indiquez le numéro et la voie."),
                "postcode": _("Indiquez le code postal."),
                "city": _("Indiquez la commune."),
            }[name]

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if self.current_start and start < self.current_start:
            raise ValidationError(
                _("La date doit être postérieure au début de l'adresse actuelle (%(date)s).")
                % {"date": self.current_start.strftime("%d/%m/%Y")},
                code="before_current",
            )
        if start > timezone.localdate() + datetime.timedelta(days=366):
            raise ValidationError(_("La date ne peut pas être à plus d'un an dans le futur."), code="far_future")
        return start

    def address(self) -> dict | None:
        address = super().address()
        return {**address, "start_date": self.cleaned_data["start_date"]} if address else None


class CitizenCreateForm(CitizenIdentityForm, AddressFieldsForm):
    """Identity, optional current address and contacts of a new citizen.

    ``confirmed`` is set by the confirmation step ("Créer quand même") once the agent has seen the
    likely duplicates.
    """

    phone = forms.CharField(
        label=_("Téléphone"),
        required=False,
        max_length=30,
        help_text=_("10 chiffres, ou au format international (+33…)."),
        error_messages={"max_length": _("Saisissez un numéro de téléphone valide.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        required=False,
        max_length=_max_length(ContactPoint, "value"),
        error_messages={
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
            "max_length": _too_long(_max_length(ContactPoint, "value")),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    field_order = (*CitizenIdentityForm.identity_fields, *AddressFieldsForm.address_fields, "phone", "email")

    def clean_phone(self):
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        phone = _PHONE_SEPARATORS.sub("", typed)
        if phone.startswith("00"):
            phone = "+" + phone[2:]
        if _FRENCH_PHONE.match(phone):
            return " ".join(phone[i : i + 2] for i in range(0, 10, 2))
        if _INTERNATIONAL_PHONE.match(phone):
            return phone
        raise ValidationError(
            _("Saisissez un numéro de téléphone valide : 10 chiffres, ou au format international (+33…)."),
            code="phone",
        )

    def contacts(self) -> list[dict]:
        contacts = []
        if phone := self.cleaned_data.get("phone"):
            kind = ContactPoint.Kind.MOBILE if _FRENCH_MOBILE.match(phone) else ContactPoint.Kind.PHONE
            contacts.append({"kind": kind, "value": phone, "is_primary": True})
        if email := self.cleaned_data.get("email"):
            contacts.append({"kind": ContactPoint.Kind.EMAIL, "value": email, "is_primary": True})
        return contacts

    def identity_query(self) -> IdentityQuery:
        data = self.cleaned_data
        return IdentityQuery(
            birth_name=data["birth_name"],
            usage_name=data["usage_name"],
            first_names=data["first_names"],
            birth_date=data["birth_date"],
            birth_place=data["birth_place"],
            sex=data["sex"] if data["sex"] != Citizen.Sex.UNKNOWN else "",
            nir=data["nir"],
            postcode=data.get("postcode") or "",
            city=data.get("city") or "",
            address=data.get("line1") or "",
        )


class CitizenEditForm(CitizenIdentityForm):
    """The identity of an existing citizen and the reason of the change (kept in the history)."""

    reason = forms.CharField(
        label=_("Motif de la modification"),
        max_length=255,
        help_text=_("Par exemple : mariage déclaré, erreur de saisie, pièce d'identité présentée."),
        error_messages={
            "required": _("Indiquez le motif de la modification."),
            "max_length": _too_long(255),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, citizen: Citizen, **kwargs):
        kwargs.setdefault("initial", {name: getattr(citizen, name) for name in self.identity_fields})
        super().__init__(*args, **kwargs)
        self.citizen = citizen
        field = self.fields["assurance_level"]
        if citizen.assurance_level not in [value for value, label in field.choices]:
            # A level obtained elsewhere (FranceConnect, verified e-mail) stays selectable: keeping it is no claim.
            field.choices = [*field.choices, (citizen.assurance_level, citizen.get_assurance_level_display())]

    def changes(self) -> dict:
        """Only the identity fields whose value differs from the record."""
        return {
            name: value
            for name in self.identity_fields
            if (value := self.cleaned_data[name]) != getattr(self.citizen, name)
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.changes():
            raise ValidationError(_("Aucune modification : l'identité saisie est identique à la fiche."))
        return cleaned
