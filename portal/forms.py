"""Forms of the portal: the procedure form builder (with file fields) and the catalogue search."""

from __future__ import annotations

import datetime
import decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.contrib.forms.forms import BaseForm, FormBuilder
from wagtail.contrib.forms.utils import get_field_clean_name

from grc import uploads
from portal import geo

# What a file input offers in the browser's picker, per extension (the server checks the content).
_ACCEPT = {
    "pdf": ".pdf,application/pdf",
    "jpg": ".jpg,image/jpeg",
    "jpeg": ".jpeg,image/jpeg",
    "png": ".png,image/png",
    "docx": ".docx",
    "xlsx": ".xlsx",
    "odt": ".odt",
    "ods": ".ods",
}
MB = 1024 * 1024
# Clean names of the location fields the map picker fills (labels « Latitude du point… », « Commune »).
LATITUDE = "latitude"
LONGITUDE = "longitude"
COMMUNE = "commune"


class ProcedureFileField(forms.FileField):
    """A file field with its own accepted extensions and size limit, checked on the file's content."""

    def __init__(self, *, extensions: list[str], max_bytes: int, **kwargs):
        self.extensions = [ext for ext in extensions if ext in _ACCEPT] or ["pdf"]
        self.max_bytes = max_bytes
        # The file already kept on the draft for this field (its original name), if any.
        self.existing_name = ""
        kwargs.setdefault("allow_empty_file", True)  # the gate says it in its own words
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ",".join(_ACCEPT[ext] for ext in self.extensions)

    @property
    def max_mb(self) -> int:
        return self.max_bytes // MB

    def formats_label(self) -> str:
        return ", ".join(ext.upper() for ext in self.extensions)

    def validate(self, value):
        if not value and self.existing_name:
            return
        super().validate(value)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            # This field's formats and size, within the document policy; the content decides.
            uploads.check(upload, uploads.document_policy(extensions=self.extensions, max_bytes=self.max_bytes))
        return upload


def answer_matches(value, expected: str) -> bool:
    """Whether an answer (as typed: text, "on", a list of choices) equals a condition's expected value."""
    expected = expected.strip().casefold()
    if isinstance(value, list | tuple):
        return any(str(item).strip().casefold() == expected for item in value)
    if value is True or value == "on":
        return expected in {"oui", "on", "true", "1"}
    if value in (None, False, ""):
        return expected in {"", "non", "false", "0"} and value is not None
    return str(value).strip().casefold() == expected


class ProcedureForm(BaseForm):
    """The form of a procedure page, bound to the draft's kept files (``existing_files``: name → filename).

    Built by ``ProcedureFormBuilder``, which gives the class ``field_meta``: per field name, its step
    (number, title) and its condition (another field's name and the answer that shows it). A field
    whose condition is not met is neither required nor kept in the answers.
    """

    error_css_class = "field-error"
    field_meta: dict = {}

    def __init__(self, *args, existing_files: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, filename in (existing_files or {}).items():
            field = self.fields.get(name)
            if isinstance(field, ProcedureFileField):
                field.existing_name = filename
        self.skipped = set()
        for name, meta in self.field_meta.items():
            condition = meta.get("condition")
            if not condition or name not in self.fields or condition[0] not in self.fields:
                continue
            # For the browser script (portal-form.js): which answer shows this field.
            self.fields[name].widget.attrs.update(
                {"data-condition-field": condition[0], "data-condition-value": condition[1]}
            )
            if self.is_bound and not answer_matches(self._typed(condition[0]), condition[1]):
                self.skipped.add(name)
                self.fields[name].required = False

    def _typed(self, name: str):
        field = self.fields[name]
        return field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))

    def steps(self) -> list[tuple[int, str, list]]:
        """(number, title, bound fields) of each step, in order: one step when the procedure has no steps."""
        grouped: dict[int, list] = {}
        titles: dict[int, str] = {}
        for bound in self.visible_fields():
            meta = self.field_meta.get(bound.name, {})
            number = meta.get("step", 1)
            grouped.setdefault(number, []).append(bound)
            if meta.get("step_title") and number not in titles:
                titles[number] = meta["step_title"]
        return [(number, titles.get(number, ""), grouped[number]) for number in sorted(grouped)]

    def location_fields(self) -> dict | None:
        """The point of a location (fields named « Latitude… » and « Longitude… », and « Commune » when
        there is one), with their input ids for the map picker; None when the form has none."""
        lat = next((n for n in self.fields if n.startswith(LATITUDE)), None)
        lon = next((n for n in self.fields if n.startswith(LONGITUDE)), None)
        if lat is None or lon is None:
            return None
        commune = COMMUNE if COMMUNE in self.fields else None
        return {
            "lat": lat,
            "lon": lon,
            "commune": commune,
            "lat_id": self[lat].auto_id,
            "lon_id": self[lon].auto_id,
            "commune_id": self[commune].auto_id if commune else "",
        }

    def clean(self):
        data = super().clean()
        location = self.location_fields()
        if location is not None:
            self._check_location(data, location)
        return data

    def _check_location(self, data: dict, location: dict) -> None:
        """The point must be in Ille-et-Vilaine, and in the commune typed when there is one."""
        lat, lon, commune = location["lat"], location["lon"], location["commune"]
        if lat in self.errors or lon in self.errors:
            return
        latitude, longitude = data.get(lat), data.get(lon)
        typed = (data.get(commune) or "").strip() if commune else ""
        code = geo.commune_named(typed) if typed else None
        if typed and code is None:
            self.add_error(commune, _("« %(name)s » n'est pas une commune d'Ille-et-Vilaine.") % {"name": typed})
        if latitude is None and longitude is None:
            return
        if latitude is None or longitude is None:
            self.add_error(lat if latitude is None else lon, _("Indiquez la latitude et la longitude du point."))
            return
        latitude, longitude = float(latitude), float(longitude)
        if not geo.in_departement(latitude=latitude, longitude=longitude):
            self.add_error(lat, _("Le point choisi est en dehors de l'Ille-et-Vilaine."))
        elif code and not geo.point_in_commune(latitude=latitude, longitude=longitude, code=code):
            found = geo.commune_at(latitude=latitude, longitude=longitude)
            message = _("Le point choisi n'est pas sur la commune de %(name)s") % {"name": typed}
            self.add_error(lat, message + (_(" (il est à %(found)s).") % {"found": found} if found else "."))

    def file_fields(self) -> list[str]:
        return [name for name, field in self.fields.items() if isinstance(field, ProcedureFileField)]

    def raw_answers(self) -> dict:
        """What the citizen typed, as typed, valid or not (for a draft: nothing is lost)."""
        answers = {}
        for name, field in self.fields.items():
            if isinstance(field, ProcedureFileField):
                continue
            answers[name] = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        return answers

    def valid_uploads(self) -> dict:
        """The uploaded files that passed their field's checks (kept on the draft even if other fields fail)."""
        uploads = {}
        for name in self.file_fields():
            upload = self.files.get(self.add_prefix(name))
            if upload and name not in self.errors:
                uploads[name] = upload
        return uploads

    def clean_answers(self) -> dict:
        """The cleaned answers as JSON values (files excluded: they are attachments)."""
        return {
            name: to_json(value)
            for name, value in self.cleaned_data.items()
            if not isinstance(self.fields[name], ProcedureFileField) and name not in self.skipped
        }


def to_json(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    return value


class ProcedureFormBuilder(FormBuilder):
    """Wagtail's form builder plus a ``file`` field type (per-field formats and size limit)."""

    def create_file_field(self, field, options):
        options.pop("initial", None)
        return ProcedureFileField(
            extensions=field.extensions, max_bytes=max(1, field.max_size_mb or 1) * MB, **options
        )

    def create_date_field(self, field, options):
        options.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        return forms.DateField(**options)

    def create_email_field(self, field, options):
        options.setdefault("widget", forms.EmailInput(attrs={"autocomplete": "email"}))
        return forms.EmailField(**options)

    def create_singleline_field(self, field, options):
        options["max_length"] = 255
        return forms.CharField(**options)

    def create_multiline_field(self, field, options):
        options.setdefault("widget", forms.Textarea(attrs={"rows": 5}))
        options["max_length"] = 10000
        return forms.CharField(**options)

    def get_field_options(self, field):
        options = super().get_field_options(field)
        options["error_messages"] = {"required": _("Ce champ est obligatoire.")}
        return options

    def get_form_class(self):
        meta = {}
        for field in self.fields:
            entry = {"step": getattr(field, "step", 1) or 1, "step_title": getattr(field, "step_title", "")}
            if getattr(field, "condition_field", ""):
                entry["condition"] = (get_field_clean_name(field.condition_field), field.condition_value)
            meta[field.clean_name] = entry
        return type("ProcedureWagtailForm", (ProcedureForm,), {**self.formfields, "field_meta": meta})


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Rechercher une démarche"), required=False, max_length=200)
