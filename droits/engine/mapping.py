"""Situation -> the entities of one OpenFisca simulation (individus, familles, foyers fiscaux, ménages).

Many households go into ONE input: each Situation gives one ménage, the famille and foyer fiscal of its
demandeur (demandeur, conjoint, enfants), and one famille and foyer fiscal of their own for each other adult
of the home ("autre"), whose rights are not estimated but who count in the home (ménage).

Resources: the member's monthly figures are taken as stable over the whole look-back the rules use and given
to OpenFisca as one multi-month period from January of year N-LOOKBACK_YEARS to the estimated month, which
OpenFisca divides evenly over the months. So the RSA and the prime d'activité see them over the last 3 months,
the aides au logement over their rolling 12 months (M-13..M-2, rule since 2021) and the CSS over the last 12
months, and the N-2 figures (allocations familiales, self-employed income) are the same monthly amounts.
Taxable amounts (used by the aides au logement and the allocations familiales) and gross ones (ASPA) are
approximated by the net amounts given. docs/droits.md explains each choice.
"""

from __future__ import annotations

from datetime import date

HOUSING_STATUS = {
    "locataire": "locataire_vide",
    "proprietaire": "proprietaire",
    "accedant": "primo_accedant",
    "heberge_gratuit": "loge_gratuitement",
    "sans_domicile": "sans_domicile",
}

# Our monthly field -> the OpenFisca monthly variables it feeds: the net amount, and the taxable and gross
# amounts some rules read (aides au logement: taxable; ASPA: gross), approximated by the net one. For the
# pensions of the people the ASPA concerns the approximation is close: small pensions are exempt from CSG.
MONTHLY_RESOURCES = {
    "salary_monthly": ("salaire_net", "salaire_imposable", "salaire_de_base"),
    "unemployment_monthly": ("chomage_net", "chomage_imposable"),
    "pension_monthly": ("retraite_nette", "retraite_imposable", "retraite_brute"),
    "other_income_monthly": ("pensions_alimentaires_percues",),
}

# A plan d'aide far above any GIR ceiling: OpenFisca caps it to the ceiling of the person's GIR, so the APA
# computed is the maximum the Département can grant for that GIR and resources (the real plan is set later by
# the medico-social team). Not an amount of ours: the ceiling comes from the model's parameters.
APA_UNCAPPED_PLAN = 1_000_000.0


# Benefits the household is taken NOT to have received before the month estimated (a first claim: the situation
# has no field for benefits received, and the non-recours question is precisely "what if they applied now").
# Given as zero inputs for the past months, they also stop OpenFisca from recomputing each benefit month after
# month over the look-back of the others (the RSA of M-3 needs the aide au logement of M-3, which needs...),
# which is what made one household cost seconds.
PAST_BENEFITS_FAMILLE = ("rsa", "ppa", "aide_logement", "aide_logement_montant", "af", "aspa")
PAST_BENEFITS_INDIVIDU = ("asi", "ass", "caah", "mva")

# Resources the situation has no field for (sick pay, capital income, savings, apprenticeship…): OpenFisca takes
# them as 0 by default, through formulas that only add up other defaults. Given as 0 they are the same values,
# but OpenFisca stops recomputing them for each month of each look-back (they were a third of the formula runs).
ZERO_INDIVIDU = (
    "pensions_invalidite",
    "hsup",
    "revenus_capital",
    "revenus_locatifs",
    "indemnites_journalieres",
    "indemnites_journalieres_imposables",
    "allocation_securisation_professionnelle",
    "gains_exceptionnels",
    "prestation_compensatoire",
    "rsa_base_ressources_patrimoine_individu",
    "indemnites_chomage_partiel",
    "revenus_stage_formation_pro",
    "bourse_recherche",
    "rpns_auto_entrepreneur_benefice",
    "indemnites_stage",
    "pensions_alimentaires_versees_individu",
    "dedommagement_victime_amiante",
    "prime_forfaitaire_mensuelle_reprise_activite",
    "remuneration_apprenti",
    "indemnites_volontariat",
)
ZERO_FOYER_FISCAL = (
    "revenus_capitaux_prelevement_liberatoire",
    "revenus_capitaux_prelevement_forfaitaire_unique_ir",
    "revenus_capitaux_prelevement_bareme",
    "rente_viagere_titre_onereux",
)


# How far back the resources are given: the rules look back at most at N-2 (allocations familiales), but a
# benefit of a past month looks back again from there (the N-2 of a rolling year…); five years covers every
# request the model makes for the benefits estimated, so nothing falls back on a formula with empty inputs.
LOOKBACK_YEARS = 5


def month_start(period: str) -> date:
    """The first day of the month of a 'YYYY-MM' period."""
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _activity(member, day: date) -> str:
    if member.salary_monthly > 0 or member.self_employed_monthly > 0:
        return "actif"
    if member.student:
        return "etudiant"
    if member.unemployment_monthly > 0:
        return "chomeur"
    if member.pension_monthly > 0 and age_on(member.birth_date, day) >= 55:
        return "retraite"
    return "inactif"


def _individual(member, period: str, lookback: str, years: tuple[str, ...]) -> dict:
    """One individu's input: birth date, activity, disability, GIR and resources over the look-back."""
    day = month_start(period)
    months = int(lookback.rsplit(":", 1)[1])
    person = {
        "date_naissance": {"ETERNITY": member.birth_date.isoformat()},
        "activite": {lookback: _activity(member, day)},
        "etudiant": {lookback: bool(member.student)},
    }
    # Every resource is given, zeros included: a missing one would be computed by its formula (gross wage,
    # unemployment insurance rules…) month after month over five years, the bulk of the cost of an estimate.
    for field, variables in MONTHLY_RESOURCES.items():
        amount = float(getattr(member, field))
        for variable in variables:
            person[variable] = {lookback: round(amount * months, 2)}
    if member.self_employed_monthly:
        person["rpns_autres_revenus"] = {year: float(member.self_employed_monthly) * 12 for year in years}
    if member.disability_rate is not None:
        person["taux_incapacite"] = {lookback: member.disability_rate / 100}
        person["handicap"] = {lookback: member.disability_rate >= 50}
        # Between 50 and 79 %, the AAH also needs the CDAPH to find a lasting restriction of access to work; the
        # estimate assumes it (the portal and the catalogue say so) rather than hide a possible right.
        person["aah_restriction_substantielle_durable_acces_emploi"] = {lookback: member.disability_rate >= 50}
    past = past_period(period)
    for variable in PAST_BENEFITS_INDIVIDU:
        person[variable] = {past: 0.0}
    for variable in ZERO_INDIVIDU:
        person[variable] = {lookback: 0.0}
    if member.gir is not None:
        person["gir"] = {lookback: f"gir_{member.gir}"}
        person["dependance_plan_aide_domicile"] = {period: APA_UNCAPPED_PLAN}
    return person


def lookback_period(period: str) -> tuple[str, tuple[str, ...]]:
    """The multi-month period from January N-LOOKBACK_YEARS to the month estimated, and those years."""
    start = month_start(period)
    months = 12 * LOOKBACK_YEARS + start.month
    years = tuple(str(start.year - offset) for offset in range(LOOKBACK_YEARS, -1, -1))
    return f"month:{start.year - LOOKBACK_YEARS}-01:{months}", years


def past_period(period: str) -> str:
    """The months of the look-back before the month estimated (January N-2 to M-1), for the zero past benefits."""
    start = month_start(period)
    return f"month:{start.year - LOOKBACK_YEARS}-01:{12 * LOOKBACK_YEARS - 1 + start.month}"


def build_input(situations, period: str) -> tuple[dict, list[int]]:
    """The SimulationBuilder input for all ``situations``, and the index of each one's famille in it."""
    lookback, years = lookback_period(period)
    entities = {"individus": {}, "familles": {}, "foyers_fiscaux": {}, "menages": {}}
    famille_index = []
    for number, situation in enumerate(situations):
        ids = {"demandeur": [], "conjoint": [], "enfant": [], "autre": []}
        for position, member in enumerate(situation.members):
            person_id = f"s{number}_{position}"
            entities["individus"][person_id] = _individual(member, period, lookback, years)
            ids[member.role].append(person_id)
        adults = ids["demandeur"] + ids["conjoint"]
        famille_index.append(len(entities["familles"]))
        entities["familles"][f"f{number}"] = {"parents": adults, "enfants": ids["enfant"], **past_benefits(period)}
        entities["foyers_fiscaux"][f"ff{number}"] = {
            "declarants": adults,
            "personnes_a_charge": ids["enfant"],
            **zero_foyer_fiscal(lookback),
        }
        for other in ids["autre"]:
            entities["familles"][f"f{number}_{other}"] = {"parents": [other], **past_benefits(period)}
            entities["foyers_fiscaux"][f"ff{number}_{other}"] = {"declarants": [other], **zero_foyer_fiscal(lookback)}
        entities["menages"][f"m{number}"] = _menage(situation.housing, ids, lookback)
    return entities, famille_index


def zero_foyer_fiscal(lookback: str) -> dict:
    return {variable: {lookback: 0.0} for variable in ZERO_FOYER_FISCAL}


def past_benefits(period: str) -> dict:
    past = past_period(period)
    return {variable: {past: 0.0} for variable in PAST_BENEFITS_FAMILLE}


def _menage(housing, ids: dict, lookback: str) -> dict:
    """The home, the same over the whole look-back (so a past month's rule sees the same home)."""
    months = int(lookback.rsplit(":", 1)[1])
    menage = {
        "personne_de_reference": ids["demandeur"],
        "conjoint": ids["conjoint"],
        "enfants": ids["enfant"],
        "autres": ids["autre"],
        "statut_occupation_logement": {lookback: HOUSING_STATUS[housing.status]},
        "coloc": {lookback: bool(housing.shared)},
    }
    if housing.rent_monthly and housing.status in ("locataire", "accedant"):
        menage["loyer"] = {lookback: float(housing.rent_monthly) * months}
    if housing.commune_code:
        menage["depcom"] = {lookback: housing.commune_code}
    return menage
