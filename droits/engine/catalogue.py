"""The catalogue of the benefits the engine estimates, and how a person applies for each.

Used by the portal ("Estimer mes droits") and the social file to label a result and link to the right
service: the national one (caf.fr, msa.fr, ameli.fr, service-public.fr) or the Département's own procedure
on this portal when there is one (``portal_procedure_slug``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Benefit:
    """One benefit of the catalogue; `covered` is False when OpenFisca France cannot estimate it here."""

    code: str
    label: str
    depends_on: tuple[str, ...]
    national_url: str
    portal_procedure_slug: str | None
    covered: bool
    coverage_note: str


RESOURCES_3_MONTHS = "ressources du foyer des 3 derniers mois"
HOUSEHOLD = "composition du foyer (couple, enfants à charge)"

BENEFITS: tuple[Benefit, ...] = (
    Benefit(
        code="rsa",
        label="Revenu de solidarité active (RSA)",
        depends_on=(RESOURCES_3_MONTHS, HOUSEHOLD, "âge (25 ans et plus, sauf parent)", "logement (forfait logement)"),
        national_url="https://www.service-public.fr/particuliers/vosdroits/F19778",
        # The Département instructs the RSA with the CAF or the MSA: its own procedure on this portal.
        portal_procedure_slug="demande-rsa",
        covered=True,
        coverage_note="Montant calculé par OpenFisca France (caf.fr ou msa.fr pour la demande).",
    ),
    Benefit(
        code="prime_activite",
        label="Prime d'activité",
        depends_on=(RESOURCES_3_MONTHS, "revenus d'activité", HOUSEHOLD, "logement (forfait logement)"),
        national_url="https://www.service-public.fr/particuliers/vosdroits/F2882",
        portal_procedure_slug=None,
        covered=True,
        coverage_note="Montant calculé par OpenFisca France (caf.fr ou msa.fr pour la demande).",
    ),
    Benefit(
        code="aides_logement",
        label="Aide au logement (APL, ALS ou ALF)",
        depends_on=(
            "ressources annuelles du foyer (année N-2)",
            "loyer ou mensualité d'emprunt",
            "zone de logement (commune)",
            HOUSEHOLD,
        ),
        national_url="https://www.service-public.fr/particuliers/vosdroits/F12006",
        portal_procedure_slug=None,
        covered=True,
        coverage_note="Locataires et accédants ; les ressources des 12 mois glissants sont estimées à partir des "
        "revenus mensuels actuels.",
    ),
    Benefit(
        code="aah",
        label="Allocation aux adultes handicapés (AAH)",
        depends_on=("taux d'incapacité reconnu par la MDPH", "ressources du foyer", "âge"),
        national_url="https://www.service-public.fr/particuliers/vosdroits/F12242",
        portal_procedure_slug=None,
        covered=True,
        coverage_note="Suppose la reconnaissance du taux par la CDAPH (demande à la MDPH) ; entre 50 et 79 %, "
        "la restriction substantielle et durable d'accès à l'emploi n'est pas évaluée.",
    ),
    Benefit(
        code="aspa",
        label="Allocation de solidarité aux personnes âgées (ASPA)",
        depends_on=("âge (65 ans, ou âge légal en cas d'inaptitude)", "ressources du foyer", "couple"),
        national_url="https://www.service-public.fr/particuliers/vosdroits/F16871",
        portal_procedure_slug=None,
        covered=True,
        coverage_note="Montant calculé par OpenFisca France (demande à la caisse de retraite).",
    ),
    Benefit(
        code="css",
        label="Complémentaire santé solidaire (CSS)",
        depends_on=("ressources du foyer des 12 derniers mois", HOUSEHOLD, "âge des membres (participation)"),
        national_url="https://www.service-public.fr/particuliers/vosdroits/F10027",
        portal_procedure_slug=None,
        covered=True,
        coverage_note="Prise en charge des frais de santé, pas une allocation : le montant est 0 et l'éligibilité "
        "est indiquée, avec la participation mensuelle éventuelle (demande sur ameli.fr).",
    ),
    Benefit(
        code="allocations_familiales",
        label="Allocations familiales",
        depends_on=("nombre et âge des enfants à charge", "ressources du foyer (année N-2)"),
        national_url="https://www.service-public.fr/particuliers/vosdroits/F13213",
        portal_procedure_slug=None,
        covered=True,
        coverage_note="À partir de 2 enfants à charge (caf.fr ou msa.fr).",
    ),
    Benefit(
        code="apa",
        label="Allocation personnalisée d'autonomie (APA) à domicile",
        depends_on=("âge (60 ans et plus)", "degré de perte d'autonomie (GIR 1 à 4)", "ressources", "plan d'aide"),
        national_url="https://www.service-public.fr/particuliers/vosdroits/F10009",
        portal_procedure_slug=None,
        covered=True,
        coverage_note="Versée par le Département. Le montant réel dépend du plan d'aide fixé par l'équipe "
        "médico-sociale : l'estimation prend le plafond du plan d'aide du GIR, c'est donc un maximum.",
    ),
)

BENEFITS_BY_CODE = {benefit.code: benefit for benefit in BENEFITS}
