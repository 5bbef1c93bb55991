"""Request and response shapes of the REST API (django-ninja / pydantic).

Input schemas forbid unknown fields and carry the model's length limits, so bad input is a 422
with a message per field, never a 500. Identity rules (names required, NIR key) are checked by
``grc.services.citizens`` and mapped to the same 422 shape by ``grc.api_errors``.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Path, Schema
from pydantic import ConfigDict, field_validator

from grc import perms
from grc.models import Citizen, ContactPoint
from grc.services.citizens import IDENTITY_FIELDS
from grc.validators import pydantic_check, validate_birth_date, validate_name

Sex = Literal["F", "M", "X"]
ContactKind = Literal["email", "phone", "mobile"]
IdentityField = Literal[IDENTITY_FIELDS]  # the identity fields a merge may take from either record
Side = Literal["source", "target"]

# Through the API an identity is at most "document checked": FranceConnect is only set by FranceConnect.
ASSURANCE_MIN = Citizen.Assurance.DECLARED.value
ASSURANCE_MAX = Citizen.Assurance.DOCUMENT_CHECKED.value


# Largest value of a PostgreSQL bigint (ids): a bigger number sent to a query is a DataError, a 500.
BIGINT_MAX = 2**63 - 1
# Offsets of paged lists: no list is that long, and offset + limit stays far inside a bigint.
OFFSET_MAX = 10**9
# A path id as the schema declares it: a client generating ids from the schema never sends a negative
# (no route, an HTML 404) or a number past bigint (a 500); a bigger one is a 422.
ObjectId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]
TrackingCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,40}$")]
# PostgreSQL text cannot hold NUL, and UTF-8 cannot hold a lone surrogate (JSON's "\\ud800" parses to one):
# either reaching a query is a DataError, a 500.
_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value):
        if isinstance(value, str) and _UNSTORABLE_TEXT.search(value):
            raise ValueError(_("Caractère non autorisé (caractère nul ou encodage invalide)."))
        return value


# The identity rules every way in shares (grc.validators): a 422 on the field, in French.
_check_birth_date = pydantic_check(validate_birth_date)
_check_name = pydantic_check(validate_name)
NAME_FIELDS = ("birth_name", "usage_name", "first_names", "birth_place", "birth_country")


# -- inputs -------------------------------------------------------------------------------------


class AddressIn(InputSchema):
    line1: str = Field(..., min_length=1, max_length=255)
    line2: str = Field("", max_length=255)
    postcode: str = Field(..., min_length=1, max_length=10)
    city: str = Field(..., min_length=1, max_length=150)
    insee_code: str = Field("", max_length=5)
    country: str = Field("France", max_length=100)
    start_date: datetime.date | None = None


class ContactIn(InputSchema):
    kind: ContactKind
    value: str = Field(..., min_length=1, max_length=255)
    is_primary: bool = False


class CitizenCreateIn(InputSchema):
    birth_name: str = Field(..., max_length=150)
    usage_name: str = Field("", max_length=150)
    first_names: str = Field(..., max_length=255)
    birth_date: datetime.date | None = None
    birth_place: str = Field("", max_length=150)
    birth_place_code: str = Field("", max_length=5)
    birth_country: str = Field("France", max_length=100)
    sex: Sex = "X"
    nir: str = Field("", max_length=21, description="15 caractères, clé incluse ; espaces et points tolérés.")
    assurance_level: int = Field(ASSURANCE_MIN, ge=ASSURANCE_MIN, le=ASSURANCE_MAX)
    address: AddressIn | None = None
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)

    check_birth_date = field_validator("birth_date")(_check_birth_date)
    check_names = field_validator(*NAME_FIELDS)(_check_name)


class CitizenUpdateIn(InputSchema):
    """Only the fields sent are changed; ``null`` is accepted for the birth date only."""

    birth_name: str = Field(None, max_length=150)
    usage_name: str = Field(None, max_length=150)
    first_names: str = Field(None, max_length=255)
    birth_date: datetime.date | None = None
    birth_place: str = Field(None, max_length=150)
    birth_place_code: str = Field(None, max_length=5)
    birth_country: str = Field(None, max_length=100)
    sex: Sex = None
    nir: str = Field(None, max_length=21)
    assurance_level: int = Field(None, ge=ASSURANCE_MIN, le=ASSURANCE_MAX)
    reason: str = Field("", max_length=500, description="Motif de la modification (historique).")

    check_birth_date = field_validator("birth_date")(_check_birth_date)
    check_names = field_validator(*NAME_FIELDS)(_check_name)


class IdentityQueryIn(InputSchema):
    """An identity to look for (fields of ``grc.matching.candidates.IdentityQuery``)."""

    birth_name: str = Field("", max_length=150)
    usage_name: str = Field("", max_length=150)
    first_names: str = Field("", max_length=255)
    birth_date: datetime.date | None = None
    birth_place: str = Field("", max_length=150)
    sex: Sex | Literal[""] = ""
    nir: str = Field("", max_length=21)
    postcode: str = Field("", max_length=10)
    city: str = Field("", max_length=150)
    address: str = Field("", max_length=255)
    limit: int = Field(10, ge=1, le=50)


class SearchQuery(InputSchema):
    q: str = Field("", max_length=200, description="Nom et/ou prénoms, fautes tolérées.")
    birth_date: datetime.date | None = None
    birth_year: int | None = Field(
        None,
        ge=1900,
        le=2100,
        description="Année de naissance, quand la date exacte n'est pas connue : les personnes nées cette année-là "
        "sont classées plus haut (ignorée avec birth_date).",
    )
    commune: str = Field(
        "",
        max_length=100,
        description="Commune de résidence (code INSEE, code postal ou nom) : les personnes qui y habitent "
        "sont classées un peu plus haut.",
    )
    limit: int = Field(25, ge=1, le=100)


class MergeIn(InputSchema):
    target_id: int = Field(
        ..., ge=1, le=BIGINT_MAX, description="La fiche conservée ; la fiche de l'URL est fusionnée dans celle-ci."
    )
    reason: str = Field(..., max_length=2000)
    field_choices: dict[IdentityField, Side] = Field(
        default_factory=dict, description="Pour chaque champ d'identité, la valeur retenue : source ou target."
    )
    suspicion_id: int | None = Field(None, ge=1, le=BIGINT_MAX)


class UndoIn(InputSchema):
    reason: str = Field(..., max_length=2000)


# -- outputs ------------------------------------------------------------------------------------


class AddressOut(Schema):
    id: int
    line1: str
    line2: str
    postcode: str
    city: str
    insee_code: str
    country: str
    start_date: datetime.date | None
    end_date: datetime.date | None


class ContactOut(Schema):
    id: int
    kind: str
    value: str
    is_primary: bool
    verified_at: datetime.datetime | None


class CitizenSummaryOut(Schema):
    id: int
    birth_name: str
    usage_name: str
    first_names: str
    birth_date: datetime.date | None
    score: float


class CitizenOut(Schema):
    id: int
    status: str
    merged_into: int | None = Field(None, description="Pour une fiche fusionnée : la fiche qui la remplace.")
    birth_name: str
    usage_name: str
    first_names: str
    birth_date: datetime.date | None
    birth_place: str
    birth_place_code: str
    birth_country: str
    sex: str
    nir: str
    assurance_level: int
    addresses: list[AddressOut] = Field(..., description="Adresses en cours.")
    contacts: list[ContactOut]

    @staticmethod
    def resolve_nir(obj: Citizen, context) -> str:
        # The same rule as the back office (grc.perms.visible_nir): whoever may not edit the identity
        # (mailroom, DPO, their service tokens) gets the last 4 characters only.
        request = (context or {}).get("request")
        return perms.visible_nir(getattr(request, "auth", None), obj)

    @staticmethod
    def resolve_merged_into(obj: Citizen) -> int | None:
        return obj.merged_into_id

    @staticmethod
    def resolve_addresses(obj: Citizen) -> list:
        return [address for address in obj.addresses.all() if address.end_date is None]

    @staticmethod
    def resolve_contacts(obj: Citizen) -> list[ContactPoint]:
        return list(obj.contact_points.all())


class CandidateOut(Schema):
    id: int
    score: float = Field(..., ge=0, le=1)
    reasons: list[str]


class CitizenCreatedOut(CitizenOut):
    duplicates: list[CandidateOut] = Field(..., description="Fiches existantes qui pourraient être la même personne.")


class MatchOut(Schema):
    candidates: list[CandidateOut]


class MergeOut(Schema):
    id: int
    source_id: int
    target_id: int
    merged_at: datetime.datetime
    undone_at: datetime.datetime | None


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[ErrorItem]


class MessageOut(Schema):
    detail: str
