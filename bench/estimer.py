"""The portal's « Estimer mes droits » result page once the engine is warm (issue 21: a full estimate p95 ≤ 1 s).

A benchmark, not a test. Runs against its own database (``grc_bench`` on the embedded server, shared with the
other benches; the 332 communes come with the migrations). Through ``django.test.Client`` (every middleware, the
session in the database, as a browser's request would go), for ``--households`` varied households (alone or in
couple, 0 to 4 children, salaries from 0 to 2.5 SMIC, unemployment, pensions, a disability rate, tenants, owners,
hosted, in five communes): the five step POSTs, then ``GET /estimer-mes-droits/resultat/`` timed.

Baseline in the same run, interleaved household by household (a burst of load hits both series alike; which of
the two runs first alternates, as the second run of a household may find warmer caches):
``droits.engine.estimate`` called directly on the same ``Situation`` — the engine alone, without the page, the
session, the form checks, the catalogue links and the places nearby. The ratio says what the portal adds.
The first result page (the engine's load in this process) is printed apart.

    .venv/bin/python bench/estimer.py                    # 60 households
    .venv/bin/python bench/estimer.py --households 200
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench never writes into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench"
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DROITS_WARM_UP", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.common import describe  # noqa: E402
from droits.engine import estimate, load_count  # noqa: E402
from portal.droits import selectors  # noqa: E402
from portal.droits.flow import SESSION_KEY, situation_of  # noqa: E402

COMMUNES = ["35238", "35288", "35360", "35047", "35115"]  # Rennes, Saint-Malo, Vitré, Bruz, Fougères
TARGET_MS = 1000.0


def household(rng: random.Random) -> list[dict]:
    """The five steps' answers of one varied household."""
    couple = rng.random() < 0.45
    age = rng.randint(19, 82)
    children = [rng.randint(0, 17) for _ in range(rng.choice([0, 0, 1, 2, 2, 3, 4]))] if age < 60 else []
    foyer = {
        "couple": "couple" if couple else "seul",
        "age": str(age),
        "age_conjoint": str(max(18, age + rng.randint(-5, 5))) if couple else "",
        "ages_enfants": ", ".join(map(str, children)),
        "ages_autres": "",
    }
    adults = ["demandeur", *(["conjoint"] if couple else [])]
    situation, resources = {}, {}
    for key in adults:
        retired = age >= 63
        activity = "retraite" if retired else rng.choice(["salarie", "salarie", "chomeur", "inactif", "independant"])
        situation[f"{key}_activite"] = activity
        situation[f"{key}_taux"] = rng.choice(["", "", "", "", "50", "80"])
        salary = rng.choice([0, 700, 1100, 1400, 1800, 2600])
        resources[f"{key}_salaire"] = str(salary) if activity == "salarie" else ""
        resources[f"{key}_chomage"] = str(rng.randint(600, 1300)) if activity == "chomeur" else ""
        resources[f"{key}_pension"] = str(rng.randint(300, 1600)) if retired else ""
        resources[f"{key}_independant"] = str(rng.randint(0, 1500)) if activity == "independant" else ""
    status = rng.choice(["locataire", "locataire", "locataire", "proprietaire", "accedant", "heberge_gratuit"])
    logement = {
        "statut": status,
        "loyer": str(rng.randint(300, 900)) if status in ("locataire", "accedant") else "",
        "commune": rng.choice(COMMUNES),
    }
    return [foyer, situation, resources, logement, {}]


def fill(client: Client, answers: list[dict]) -> None:
    for number, data in enumerate(answers, start=1):
        response = client.post(reverse("estimer:step", kwargs={"number": number}), {**data, "action": "next"})
        assert response.status_code == 302, (number, data, response.status_code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=60)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # django.test.Client's host
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    rng = random.Random(21)
    client = Client()
    result_url = reverse("estimer:result")

    fill(client, household(rng))
    started = time.perf_counter()
    assert client.get(result_url).status_code == 200
    print(f"  first result page (loads the engine in this process)  {(time.perf_counter() - started):8.2f} s")
    assert load_count() == 1

    pages, engine_alone, steps = [], [], []
    communes = selectors.commune_choices()
    for number in range(args.households):
        answers = household(rng)
        started = time.perf_counter()
        fill(client, answers)
        steps.append((time.perf_counter() - started) * 1000 / 5)
        situation, _received = situation_of(client.session[SESSION_KEY]["answers"], communes=communes)

        def engine(situation=situation):
            started = time.perf_counter()
            estimate(situation=situation)
            engine_alone.append((time.perf_counter() - started) * 1000)

        if number % 2:  # the second of two runs of the same household may find warmer caches: alternate the order
            engine()
        started = time.perf_counter()
        response = client.get(result_url)
        pages.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and b"OpenFisca France" in response.content, response.status_code
        if not number % 2:
            engine()
    assert load_count() == 1, "the engine was loaded again"

    print(f"« Estimer mes droits », {args.households} varied households, engine warm:")
    describe("one step POST (form check, session write)", steps)
    page = describe("result page GET (full estimate, links, places nearby)", pages)
    base = describe("baseline: droits.engine.estimate alone, same household", engine_alone)
    print(f"  ratio result page / engine alone (p95): {page / base:.2f}")
    print(f"  target p95 ≤ {TARGET_MS:.0f} ms: {'met' if page <= TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
