"""The household situation given to the rights engine, and the estimate it returns.

Pure Python, no Django model and no OpenFisca import: the portal questionnaire (H21c), the social file
(H21b) and the engine all speak these frozen dataclasses, so a questionnaire or a stored situation can be
built, validated and compared without loading the 120 MB tax-benefit system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

ROLES = ("demandeur", "conjoint", "enfant", "autre")
HOUSING_STATUSES = ("locataire", "proprietaire", "accedant", "heberge_gratuit", "sans_domicile")


def paris_today() -> date:
    """Today in France, where the households live (the server may run in UTC)."""
    return datetime.now(tz=ZoneInfo("Europe/Paris")).date()


_MEMBER_AMOUNTS = (
    ("salary_monthly", "le salaire"),
    ("self_employed_monthly", "le revenu d'activité indépendante"),
    ("unemployment_monthly", "l'allocation chômage"),
    ("pension_monthly", "la pension"),
    ("other_income_monthly", "les autres revenus"),
)


@dataclass(frozen=True)
class Member:
    """One person of the household, with monthly net resources (average of the last 3 or 12 months)."""

    role: str  # "demandeur" | "conjoint" | "enfant" | "autre" (another adult in the home)
    birth_date: date
    salary_monthly: Decimal = Decimal(0)  # net salary per month (average of the last 3/12 months)
    self_employed_monthly: Decimal = Decimal(0)  # self-employed income per month
    unemployment_monthly: Decimal = Decimal(0)  # ARE / chômage net per month
    pension_monthly: Decimal = Decimal(0)  # retirement and invalidity pensions, net per month
    other_income_monthly: Decimal = Decimal(0)  # alimony received, etc.
    disability_rate: int | None = None  # taux d'incapacité reconnu by the MDPH (0..100), None = none
    gir: int | None = None  # GIR 1..6 for the APA (65+), None = not assessed
    student: bool = False


@dataclass(frozen=True)
class Housing:
    """Where the household lives; the commune gives the housing zone of the aides au logement."""

    status: str  # "locataire" | "proprietaire" | "accedant" | "heberge_gratuit" | "sans_domicile"
    rent_monthly: Decimal = Decimal(0)  # rent without charges, or loan repayment for "accedant"
    commune_code: str = ""  # INSEE code (Ille-et-Vilaine: 35xxx) -> housing zone, depcom
    shared: bool = False  # colocation


def _is_amount(value) -> bool:
    """A finite number (Decimal, int or float; not a bool, not a string)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        return False
    return Decimal(value).is_finite()


def _member_errors(member: Member, position: int, today: date) -> list[str]:
    """French messages for one member; `position` is 1-based, as a person would count."""
    errors = []
    who = f"Personne {position}"
    if not isinstance(member, Member):
        return [f"{who} : personne illisible."]
    if not isinstance(member.role, str) or member.role not in ROLES:
        errors.append(f"{who} : rôle inconnu « {member.role} ».")
    if not isinstance(member.birth_date, date) or isinstance(member.birth_date, datetime):
        errors.append(f"{who} : la date de naissance est obligatoire.")
    elif member.birth_date > today:
        errors.append(f"{who} : la date de naissance est dans le futur.")
    elif member.birth_date.year < today.year - 120:
        errors.append(f"{who} : la date de naissance est trop ancienne.")
    for field, label in _MEMBER_AMOUNTS:
        amount = getattr(member, field)
        if not _is_amount(amount):
            errors.append(f"{who} : {label} doit être un montant.")
        elif amount < 0:
            errors.append(f"{who} : {label} ne peut pas être négatif.")
        elif amount > Decimal("1000000"):
            errors.append(f"{who} : {label} est trop élevé (plus d'un million d'euros par mois).")
    rate = member.disability_rate
    if rate is not None and not (isinstance(rate, int) and not isinstance(rate, bool) and 0 <= rate <= 100):
        errors.append(f"{who} : le taux d'incapacité doit être compris entre 0 et 100 %.")
    gir = member.gir
    if gir is not None and not (isinstance(gir, int) and not isinstance(gir, bool) and 1 <= gir <= 6):
        errors.append(f"{who} : le GIR doit être compris entre 1 et 6.")
    return errors


@dataclass(frozen=True)
class Situation:
    """A household: its members (exactly one demandeur, at most one conjoint) and its housing."""

    members: tuple[Member, ...]
    housing: Housing

    def errors(self, *, today: date | None = None) -> list[str]:
        """French messages for every problem; an empty list means the engine can estimate this household.

        Checks: exactly one demandeur, at most one conjoint, known roles and housing status, no negative or
        absurd amount, no birth date in the future, disability rate within 0..100, GIR within 1..6, a rent that
        is not negative.
        """
        today = today or paris_today()
        errors: list[str] = []
        members = tuple(self.members) if isinstance(self.members, (tuple, list)) else ()
        roles = [getattr(m, "role", None) for m in members]
        if roles.count("demandeur") == 0:
            errors.append("Le foyer doit comprendre une personne qui fait la demande (le demandeur).")
        elif roles.count("demandeur") > 1:
            errors.append("Le foyer ne peut comprendre qu'un seul demandeur.")
        if roles.count("conjoint") > 1:
            errors.append("Le foyer ne peut comprendre qu'un seul conjoint.")
        if len(members) > 20:
            errors.append("Le foyer ne peut pas comprendre plus de 20 personnes.")
        for position, member in enumerate(members, start=1):
            errors.extend(_member_errors(member, position, today))
        housing = self.housing
        if not isinstance(housing, Housing):
            return [*errors, "Logement : situation du logement illisible."]
        if housing.status not in HOUSING_STATUSES:
            errors.append(f"Logement : situation inconnue « {housing.status} ».")
        rent = housing.rent_monthly
        if not _is_amount(rent):
            errors.append("Logement : le loyer doit être un montant.")
        elif rent < 0:
            errors.append("Logement : le loyer ne peut pas être négatif.")
        elif rent > Decimal("100000"):
            errors.append("Logement : le loyer est trop élevé.")
        code = housing.commune_code if isinstance(housing.commune_code, str) else "?"
        if code and not (len(code) == 5 and code.isascii() and code[:2].isalnum() and code[2:].isdigit()):
            errors.append(f"Logement : le code commune « {code} » n'est pas un code INSEE.")
        return errors


@dataclass(frozen=True)
class BenefitEstimate:
    """One benefit's estimated monthly amount for the household."""

    code: str  # "rsa" | "prime_activite" | "aides_logement" | "aah" | "aspa" | "css" |
    # "allocations_familiales" | "apa" (+ any added later)
    label: str  # French label
    monthly_amount: Decimal  # >= 0, rounded to the cent; 0 = not eligible by the estimate
    depends_on: tuple[str, ...]  # French, what the amount depends on ("ressources du foyer des 3 derniers mois"…)
    note: str = ""  # French caveat ("CSS : participation de X €/mois" …)
    # Added to the brief's interface (trailing, with a default): True when the model finds a right, i.e.
    # monthly_amount > 0, or for the CSS (coverage of health costs, no cash: amount 0) eligibility with or
    # without participation. The non-recours view should test this rather than monthly_amount > 0.
    eligible: bool = False


@dataclass(frozen=True)
class Estimate:
    """The estimate of one household for one month, with the engine and legislation it reflects."""

    period: str  # "YYYY-MM", the month estimated
    engine: str  # "OpenFisca France 176.1.8 (openfisca-core 44.7.1)"
    legislation: str  # French: what legislation/parameters date the result reflects
    benefits: tuple[BenefitEstimate, ...]

    def total_monthly(self) -> Decimal:
        """Sum of the estimated monthly amounts (a CSS participation is a cost, never counted here)."""
        return sum((b.monthly_amount for b in self.benefits), Decimal(0))
