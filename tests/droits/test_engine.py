"""The rights engine against the official amounts of June 2025 (issue 21, item 5), batch = one by one, bad input.

Expected amounts are the PUBLISHED scales of the period, quoted with their source, never figures produced by our
code. The period is fixed (2025-06) so the expectations do not move with the calendar: OpenFisca France keeps
every past scale. The tax-benefit system loads once per test process (the engine caches it); the reference
households are estimated once each, one by one, in a module fixture, and the batch test compares them with
one vectorised simulation of the same households.
"""

from datetime import date
from decimal import Decimal

import pytest
from openfisca_core.simulation_builder import SimulationBuilder

from droits.engine import (
    BENEFITS,
    EngineError,
    Housing,
    Member,
    Situation,
    SituationError,
    engine_info,
    estimate,
    estimate_many,
    load_count,
    warm_up_worker,
)
from droits.engine.columns import build_simulation
from droits.engine.compute import read_values
from droits.engine.mapping import build_input
from droits.engine.runtime import get_tax_benefit_system

PERIOD = "2025-06"
D = Decimal
OWNER = Housing(status="proprietaire")


def _alone(member, housing=None):
    return Situation(members=(member,), housing=housing or Housing(status="heberge_gratuit"))


ADULT = date(1985, 3, 1)
REFERENCE = {
    "rsa_sans_domicile": _alone(Member("demandeur", ADULT), Housing(status="sans_domicile")),
    "rsa_heberge": _alone(Member("demandeur", ADULT)),
    "ppa_demi_smic": _alone(Member("demandeur", ADULT, salary_monthly=D("720"))),
    "ppa_2500": _alone(Member("demandeur", ADULT, salary_monthly=D("2500"))),
    "af_couple_2_enfants": Situation(
        members=(
            Member("demandeur", ADULT, salary_monthly=D(2000)),
            Member("conjoint", date(1986, 5, 1), salary_monthly=D(2000)),
            Member("enfant", date(2015, 1, 10)),
            Member("enfant", date(2018, 6, 1)),
        ),
        housing=Housing(status="proprietaire", commune_code="35238"),
    ),
    "aah_80": _alone(Member("demandeur", date(1980, 3, 1), disability_rate=80)),
    "aah_40": _alone(Member("demandeur", date(1980, 3, 1), disability_rate=40)),
    "aspa_70_pension_300": _alone(
        Member("demandeur", date(1955, 3, 1), pension_monthly=D(300)), Housing("proprietaire")
    ),
    "aspa_70_pension_1200": _alone(
        Member("demandeur", date(1955, 3, 1), pension_monthly=D(1200)), Housing("proprietaire")
    ),
    "locataire_rennes": _alone(
        Member("demandeur", date(1990, 3, 1), salary_monthly=D(1000)),
        Housing(status="locataire", rent_monthly=D(450), commune_code="35238"),
    ),
    "proprietaire_rennes": _alone(
        Member("demandeur", date(1990, 3, 1), salary_monthly=D(1000)),
        Housing(status="proprietaire", commune_code="35238"),
    ),
    "apa_gir_2": _alone(
        Member("demandeur", date(1940, 3, 1), pension_monthly=D(1200), gir=2), Housing("proprietaire")
    ),
    "apa_gir_5": _alone(
        Member("demandeur", date(1940, 3, 1), pension_monthly=D(1200), gir=5), Housing("proprietaire")
    ),
}
# More shapes for the batch comparison: single parent, other adult in the home, student, self-employed, couple
# of retirees, jobseeker, large family tenant in a small commune, colocation, accédant.
VARIED = [
    Situation(
        members=(Member("demandeur", date(1992, 1, 1), salary_monthly=D(900)), Member("enfant", date(2023, 2, 1))),
        housing=Housing(status="locataire", rent_monthly=D(520), commune_code="35238"),
    ),
    Situation(
        members=(
            Member("demandeur", date(1970, 1, 1), unemployment_monthly=D(1100)),
            Member("autre", date(2001, 1, 1), salary_monthly=D(600)),
        ),
        housing=Housing(status="locataire", rent_monthly=D(600), commune_code="35047"),
    ),
    _alone(
        Member("demandeur", date(2004, 9, 1), salary_monthly=D(950), student=True),
        Housing("locataire", D(380), "35238", True),
    ),
    _alone(Member("demandeur", date(1978, 1, 1), self_employed_monthly=D(700)), Housing("accedant", D(500), "35288")),
    Situation(
        members=(Member("demandeur", date(1950, 1, 1), pension_monthly=D(700)), Member("conjoint", date(1952, 1, 1))),
        housing=Housing(status="proprietaire", commune_code="35288"),
    ),
    Situation(
        members=(
            Member("demandeur", date(1984, 1, 1), salary_monthly=D(1500)),
            Member("conjoint", date(1986, 1, 1), other_income_monthly=D(200)),
            Member("enfant", date(2010, 1, 1)),
            Member("enfant", date(2013, 1, 1)),
            Member("enfant", date(2016, 1, 1)),
        ),
        housing=Housing(status="locataire", rent_monthly=D(700), commune_code="35001"),
    ),
    _alone(
        Member("demandeur", date(1965, 1, 1), disability_rate=60, pension_monthly=D(400)),
        Housing("locataire", D(400), "35238"),
    ),
]


@pytest.fixture(scope="module")
def one_by_one():
    """Each reference household estimated on its own (the way the portal estimates one person)."""
    return {name: estimate(situation=situation, period=PERIOD) for name, situation in REFERENCE.items()}


def amounts(result):
    return {benefit.code: benefit.monthly_amount for benefit in result.benefits}


def by_code(result, code):
    return next(benefit for benefit in result.benefits if benefit.code == code)


def test_rsa_single_person_without_resources_is_the_published_montant_forfaitaire(one_by_one):
    # RSA, montant forfaitaire d'une personne seule au 1er avril 2025 : 646,52 € (revalorisation de 1,7 %,
    # décret n° 2025-... / caf.fr "Le RSA augmente au 1er avril 2025"). Without a home, no forfait logement.
    assert amounts(one_by_one["rsa_sans_domicile"])["rsa"] == D("646.52")
    # Housed free of charge: minus the forfait logement of one person, 12 % of the montant forfaitaire
    # (article R262-10 CASF): 646,52 − 77,58 = 568,94 €.
    assert amounts(one_by_one["rsa_heberge"])["rsa"] == D("568.94")
    # No resources: the complémentaire santé solidaire without participation (plafond CSS gratuite).
    css = by_code(one_by_one["rsa_heberge"], "css")
    assert css.eligible and css.monthly_amount == 0 and "sans participation" in css.note


def test_prime_activite_for_half_a_smic_and_not_for_a_full_salary(one_by_one):
    # SMIC net mensuel 2025 ≈ 1 426 € (35 h): half of it opens the prime d'activité, not the RSA socle.
    half = amounts(one_by_one["ppa_demi_smic"])
    assert half["prime_activite"] > D(100) and half["rsa"] == 0
    # 2 500 € net a month is above the prime's point of exit for a single person (≈ 1,5 SMIC).
    assert amounts(one_by_one["ppa_2500"])["prime_activite"] == 0


def test_allocations_familiales_for_two_children_are_32_percent_of_the_bmaf(one_by_one):
    # Allocations familiales, 2 enfants, première tranche de ressources : 32 % de la BMAF ; BMAF au 1er avril
    # 2025 : 474,37 € (instruction interministérielle n° DSS/2A/2C/2025/32 du 7 mars 2025) → 151,80 € (caf.fr).
    result = amounts(one_by_one["af_couple_2_enfants"])
    assert result["allocations_familiales"] == D("151.80")
    # 4 000 € net for four: no RSA, no prime d'activité.
    assert result["rsa"] == 0 and result["prime_activite"] == 0


def test_aah_full_rate_at_80_percent_and_none_at_40(one_by_one):
    # AAH à taux plein au 1er avril 2025 : 1 033,32 € (décret n° 2025-297 du 29 mars 2025, art. 1).
    result = amounts(one_by_one["aah_80"])
    assert result["aah"] == D("1033.32")
    # The AAH counts in the RSA's resources: above the RSA, it leaves none.
    assert result["rsa"] == 0
    assert amounts(one_by_one["aah_40"])["aah"] == 0


def test_aspa_tops_a_small_pension_up_to_the_published_maximum(one_by_one):
    # ASPA personne seule au 1er janvier 2025 : 12 411,44 €/an, soit 1 034,29 €/mois (service-public.fr F16871
    # shows 1 034,28 €, the same yearly amount rounded down); differential: minus the 300 € pension.
    assert abs(amounts(one_by_one["aspa_70_pension_300"])["aspa"] - D("734.28")) <= D("0.01")
    # A 1 200 € pension is above the ceiling: no ASPA.
    assert amounts(one_by_one["aspa_70_pension_1200"])["aspa"] == 0


def test_a_tenant_in_rennes_gets_an_aide_au_logement_in_zone_2(one_by_one):
    # Rennes (INSEE 35238) is in zone 2 of the aides au logement (arrêté du 17 mars 1978, agglomerations of
    # more than 100,000 inhabitants); an owner with the same income gets none.
    tenant = by_code(one_by_one["locataire_rennes"], "aides_logement")
    assert tenant.monthly_amount > 0 and tenant.eligible
    assert "zone 2" in tenant.note
    assert amounts(one_by_one["proprietaire_rennes"])["aides_logement"] == 0
    # 1,000 € net alone: the CSS with a participation, 14 € a month from 30 to 49 years old (ameli.fr, barème de
    # la participation financière : 8 € avant 30 ans, 14 € de 30 à 49 ans, 21 €, 25 €, 30 € à 70 ans et plus).
    css = by_code(one_by_one["locataire_rennes"], "css")
    assert css.eligible and css.monthly_amount == 0 and "participation de 14,00 €/mois" in css.note


def test_apa_at_home_for_gir_2_is_the_ceiling_of_the_plan_and_nothing_for_gir_5(one_by_one):
    # Plafond du plan d'aide APA à domicile, GIR 2 : 1,306 × MTP (article R232-10 CASF, annexe 2-3) ; MTP au
    # 1er avril 2025 : 1 288,13 € (circulaire Cnav 2025/12 du 3 avril 2025) → 1 682,30 €. Resources under
    # 0,725 MTP: no participation, so the estimate is the whole ceiling.
    apa = by_code(one_by_one["apa_gir_2"], "apa")
    assert apa.monthly_amount == D("1682.30") and "maximal" in apa.note
    assert amounts(one_by_one["apa_gir_5"])["apa"] == 0


def test_every_result_says_its_period_engine_and_legislation(one_by_one):
    result = one_by_one["rsa_heberge"]
    assert result.period == PERIOD
    assert result.engine == "OpenFisca France 176.1.8 (openfisca-core 44.7.1)"
    assert "barèmes connus au 01/04/2025" in result.legislation and "RSA : 01/04/2025" in result.legislation
    assert [b.code for b in result.benefits] == [b.code for b in BENEFITS]
    assert result.total_monthly() == sum(b.monthly_amount for b in result.benefits)


def test_one_vectorised_batch_gives_the_same_results_as_one_by_one(one_by_one):
    names = list(REFERENCE)
    batch = estimate_many(situations=[*REFERENCE.values(), *VARIED], period=PERIOD)
    assert len(batch) == len(names) + len(VARIED)
    for name, result in zip(names, batch, strict=False):
        assert result == one_by_one[name], name
    # The varied shapes (an "autre" adult has a famille of their own in the simulation): same results alone.
    for situation, result in zip(VARIED, batch[len(names) :], strict=True):
        assert estimate(situation=situation, period=PERIOD) == result
    assert any(amounts(result)["aides_logement"] > 0 for result in batch[len(names) :])


def test_the_column_built_simulation_equals_openfiscas_own_builder():
    # Our arrays (droits/engine/columns.py) against SimulationBuilder.build_from_entities on the same input: the
    # speed-up must not change a single value.
    situations = [*REFERENCE.values(), *VARIED]
    tbs = get_tax_benefit_system()
    ours_input, index = build_input(situations, PERIOD)
    theirs_input, _ = build_input(situations, PERIOD)
    ours = read_values(build_simulation(tbs, ours_input), index, PERIOD)
    theirs = read_values(SimulationBuilder().build_from_entities(tbs, theirs_input), index, PERIOD)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert list(ours[name]) == list(theirs[name]), name


def test_the_engine_is_loaded_once_per_process(one_by_one):
    estimate(situation=REFERENCE["rsa_heberge"], period=PERIOD)
    assert load_count() == 1
    info = engine_info()
    assert info["loaded"] and info["loads"] == 1
    assert info["openfisca_france"] == "176.1.8" and info["openfisca_core"] == "44.7.1"
    assert info["load_seconds"] > 0 and info["rss_delta_mb"] > 10


def test_situation_errors_are_french_and_complete():
    today = date(2026, 1, 15)
    good = Member("demandeur", ADULT)
    assert Situation(members=(good,), housing=Housing("locataire")).errors(today=today) == []
    bad = Situation(
        members=(
            Member("conjoint", date(2027, 1, 1), salary_monthly=D(-5)),
            Member("conjoint", ADULT, disability_rate=120, gir=7),
            Member("cousin", ADULT, pension_monthly=D("NaN")),
        ),
        housing=Housing("chateau", rent_monthly=D(-1), commune_code="Rennes"),
    )
    assert bad.errors(today=today) == [
        "Le foyer doit comprendre une personne qui fait la demande (le demandeur).",
        "Le foyer ne peut comprendre qu'un seul conjoint.",
        "Personne 1 : la date de naissance est dans le futur.",
        "Personne 1 : le salaire ne peut pas être négatif.",
        "Personne 2 : le taux d'incapacité doit être compris entre 0 et 100 %.",
        "Personne 2 : le GIR doit être compris entre 1 et 6.",
        "Personne 3 : rôle inconnu « cousin ».",
        "Personne 3 : la pension doit être un montant.",
        "Logement : situation inconnue « chateau ».",
        "Logement : le loyer ne peut pas être négatif.",
        "Logement : le code commune « Rennes » n'est pas un code INSEE.",
    ]
    two = Situation(members=(good, good), housing=Housing("locataire"))
    assert two.errors(today=today) == ["Le foyer ne peut comprendre qu'un seul demandeur."]


@pytest.mark.parametrize(
    "situation",
    [
        Situation(members=(), housing=Housing("locataire")),
        Situation(members=None, housing=None),
        Situation(members=({"role": "demandeur"},), housing=Housing("locataire")),
        Situation(members=(Member("demandeur", "1980-01-01"),), housing=Housing("locataire", rent_monthly="450")),
        Situation(members=(Member("demandeur", ADULT, salary_monthly=float("inf")),), housing=Housing("locataire")),
        Situation(members=(Member("demandeur", ADULT, gir=True),), housing=Housing(status=None, commune_code=35238)),
        "not a situation",
    ],
)
def test_bad_input_raises_a_french_situation_error_never_a_crash(situation):
    with pytest.raises(SituationError) as raised:
        estimate(situation=situation, period=PERIOD)
    assert raised.value.messages and all(isinstance(message, str) for message in raised.value.messages)
    with pytest.raises(SituationError):
        estimate_many(situations=[REFERENCE["rsa_heberge"], situation], period=PERIOD)


def test_batch_errors_name_the_household_and_bad_periods_are_refused():
    wrong = Situation(members=(Member("enfant", ADULT),), housing=Housing("locataire"))
    with pytest.raises(SituationError) as raised:
        estimate_many(situations=[REFERENCE["rsa_heberge"], wrong], period=PERIOD)
    assert raised.value.messages == [
        "Foyer 2 : Le foyer doit comprendre une personne qui fait la demande (le demandeur)."
    ]
    for period in ("2025-13", "1999-01", "2025/06", "9999-01", "", "2025-06; DROP"):
        with pytest.raises(SituationError, match="Mois à estimer invalide"):
            estimate(situation=REFERENCE["rsa_heberge"], period=period)
    assert estimate_many(situations=[], period=PERIOD) == []


def test_an_openfisca_failure_becomes_a_french_engine_error(monkeypatch):
    def broken(self, tax_benefit_system):
        raise ValueError("inputs of individu s0_0 rejected")  # as OpenFisca words it, with input values

    monkeypatch.setattr(SimulationBuilder, "build", broken)
    with pytest.raises(EngineError) as raised:
        estimate(situation=REFERENCE["rsa_heberge"], period=PERIOD)
    assert str(raised.value) == "Le calcul des droits a échoué pour cette situation."
    assert isinstance(raised.value.__cause__, ValueError)


def test_the_worker_loads_the_engine_at_start_only_when_asked(settings):
    assert warm_up_worker(argv=["manage.py", "runserver"]) is None
    settings.DROITS_WARM_UP = False
    assert warm_up_worker(argv=["manage.py", "db_worker"]) is None
    settings.DROITS_WARM_UP = True
    info = warm_up_worker(argv=["manage.py", "db_worker", "--no-reload"])
    assert info["loaded"] and info["loads"] == 1
