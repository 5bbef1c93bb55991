"""Accuracy of the mail suggestions (citizen, team, type) against a keyword-only baseline (a benchmark).

Runs in its own database (``grc_bench_mail`` on the embedded server, migrated if needed) and rebuilds
its data on each run: citizens with near-homonyms, CDAS and Département teams, mail types, the
routing rules a functional admin would write (one per kind of letter and CDAS: keywords + a postcode
pattern), past decisions (already qualified letters the learned model reads) and requests quoted by
tracking code. Then ``n_letters`` letters of the eleven kinds of ``tests/mail/letters.py`` (their text
goes straight to ``suggest``: OCR is measured elsewhere) are scored twice, clean and with OCR-like
noise, by:

- **full**: ``mail.suggest.suggest`` (identifiers, identity matching, rules, past decisions);
- **baseline**: the same rules only (no matching, no learning) for type and team, and for the
  citizen a naive exact lookup of the signature's family name + first name (first row).

A third scenario (``generic_*``) replaces the territorial rules by the rules a hurried admin writes:
one per kind, keywords only, every CDAS kind pointing at the Rennes team; there only the past
decisions (and a quoted request) can find the writer's CDAS.

Ground truth: the team depends on the kind **and** the writer's CDAS (RSA, PMI, ASE, APA/PCH, ASP) or
is Département-wide (transport, subsidies, complaints → mediation); a supporting document quoting a
request goes to the team instructing that request; changes of situation go to the writer's ASP team.

    .venv/bin/python bench/mail_accuracy.py --letters 240
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import zlib
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_SETUP_DONE = False


def _database_name() -> str:
    name = os.environ.get("MAIL_ACCURACY_DATABASE", "grc_bench_mail")
    if not name.startswith("grc_bench_mail"):
        raise RuntimeError("MAIL_ACCURACY_DATABASE must start with grc_bench_mail")
    return name


def _setup():
    global _SETUP_DONE
    if _SETUP_DONE:
        return
    # Forced, not defaulted: this bench deletes and rebuilds its data; never the dev database.
    # MAIL_ACCURACY_DATABASE (a grc_bench_mail* name) runs it apart while bench/mail.py uses grc_bench_mail.
    os.environ["EMBEDDED_DATABASE_NAME"] = _database_name()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django
    from django.conf import settings

    if not settings.configured or not django.apps.apps.ready:
        django.setup()
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("grc_bench_mail"):
        raise RuntimeError("bench/mail_accuracy.py must run on its own database (grc_bench_mail)")
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    _SETUP_DONE = True


# CDAS of the bench and the cities (tests/mail/letters.CITIES) each one covers.
CDAS = {
    "rennes": ("CDAS Rennes Centre", ["35000", "35170", "35510", "35740", "35230", "35580", "35160"]),
    "vitre": ("CDAS Vitré", ["35500", "35300", "35370"]),
    "saint-malo": ("CDAS Saint-Malo", ["35400", "35800", "35120", "35600"]),
}
CDAS_KINDS = {"rsa": "RSA", "pmi": "PMI", "ase": "ASE", "apa_pch": "APA / PCH", "asp": "Action sociale de proximité"}
# Letter kind → (team slot, type name, service level). Slots "cdas:<kind>" depend on the writer's CDAS.
KIND_ROUTES = {
    "rsa": ("cdas:rsa", "Revenu de solidarité active", 10),
    "apa": ("cdas:apa_pch", "APA", 20),
    "pch": ("cdas:apa_pch", "PCH / handicap", 20),
    "transport": ("dept:transport", "Transport scolaire adapté", 15),
    "pmi": ("cdas:pmi", "PMI", 10),
    "ase": ("cdas:ase", "Aide sociale à l'enfance", 5),
    "fsl": ("cdas:asp", "Fonds de solidarité logement", 10),
    "reclamation": ("dept:mediation", "Réclamation", 30),
    "justificatif": ("request-or:asp", "Pièce justificative", 10),
    "adresse": ("cdas:asp", "Changement de situation", 15),
    "subvention": ("dept:subventions", "Subvention association", 30),
}
DEPT_TEAMS = {"transport": "Transport scolaire adapté", "mediation": "Médiation", "subventions": "Subventions"}
PRIORITY = {"justificatif": 150, "adresse": 140}  # generic words: examined last


def _cdas_of(postcode: str) -> str:
    for code, (_, postcodes) in CDAS.items():
        if postcode in postcodes:
            return code
    return "rennes"


def _noisy(text: str, rng: random.Random, rate: float = 0.03) -> str:
    """OCR-like damage: confusable letters, lost accents, a dropped or doubled character."""
    swaps = {"e": "c", "l": "1", "o": "0", "i": "l", "m": "rn", "é": "e", "è": "e", "a": "o", "u": "v", "n": "m"}
    out = []
    for ch in text:
        r = rng.random()
        if ch in swaps and r < rate:
            out.append(swaps[ch])
        elif ch.isalpha() and r < rate * 0.2:
            continue
        else:
            out.append(ch)
    return "".join(out)


def _wipe():
    from demandes.models import Request, RequestEvent
    from dossier_unique.models import SocialFile, TeamGroup, TimelineEntry
    from grc.models import Address, Citizen, Membership, Site, Team, Territory
    from mail.models import MailBatch, MailEvent, MailItem, MailType, RoutingRule

    MailEvent.objects.all().delete()
    MailItem.objects.all().delete()
    TimelineEntry.objects.all().delete()
    MailBatch.objects.all().delete()
    RoutingRule.objects.all().delete()
    MailType.objects.all().delete()
    RequestEvent.objects.all().delete()
    Request.objects.all().delete()
    Address.objects.all().delete()
    if SocialFile.objects.exists():
        raise RuntimeError("grc_bench_mail holds social files: not this bench's data, nothing deleted")
    Citizen.objects.filter(merged_into__isnull=False).update(merged_into=None)
    Citizen.objects.all().delete()
    Membership.objects.all().delete()
    TeamGroup.objects.all().delete()
    Team.objects.all().delete()
    Site.objects.all().delete()
    Territory.objects.all().delete()


def _people(rng, count):
    from tests.mail import letters

    people = []
    seen = set()
    while len(people) < count:
        first = rng.choice(letters.FIRST_NAMES)
        last = rng.choice(letters.LAST_NAMES)
        birth = datetime.date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28))
        if (first, last, birth) in seen:
            continue
        seen.add((first, last, birth))
        postcode, city = rng.choice(letters.CITIES)
        street = f"{rng.randint(1, 120)} {rng.choice(letters.STREETS)}"
        people.append(
            {"first": first, "last": last, "birth": birth, "postcode": postcode, "city": city, "street": street}
        )
    return people


def _near_homonyms(rng, person):
    """A homonym (other birth date), a twin (same date, other first name), a one-letter variant."""
    from tests.mail import letters

    other_first = rng.choice([f for f in letters.FIRST_NAMES if f != person["first"]])
    b = person["birth"]
    last = person["last"]
    typo = last[:-1] + ("E" if last[-1] != "E" else "A")

    def elsewhere():
        postcode, city = rng.choice(letters.CITIES)
        return {"postcode": postcode, "city": city, "street": f"{rng.randint(1, 120)} {rng.choice(letters.STREETS)}"}

    # The homonym and the look-alike live elsewhere; the twin at the same address.
    return [
        {**person, "birth": b.replace(year=b.year - rng.randint(3, 30)), **elsewhere()},
        {**person, "first": other_first},
        {**person, "last": typo, "birth": b.replace(day=min(28, b.day % 28 + 1)), **elsewhere()},
    ]


def _create_citizen(person, actor):
    from grc.matching.names import normalised_fields
    from grc.models import Address, Citizen

    citizen = Citizen(
        birth_name=person["last"],
        first_names=person["first"],
        birth_date=person["birth"],
        birth_place="Rennes",
        **normalised_fields(birth_name=person["last"], usage_name="", first_names=person["first"]),
    )
    citizen.save()
    Address.objects.create(
        citizen=citizen, line1=person["street"], postcode=person["postcode"], city=person["city"], insee_code=""
    )
    return citizen


def _world(rng, actor, *, n_people):
    from grc.models import Site, Team, Territory
    from mail.models import MailType, RoutingRule
    from tests.mail import letters

    territory = Territory.objects.create(name="Bench", code="bench")
    teams = {}
    for code, (name, _) in CDAS.items():
        site = Site.objects.create(name=name, kind=Site.Kind.CDAS, territory=territory)
        for kind, label in CDAS_KINDS.items():
            teams[f"cdas:{kind}:{code}"] = Team.objects.create(
                name=f"{label} — {name}", code=f"{kind}-{code}", kind=Team.Kind.OTHER, site=site, territory=territory
            )
    for key, name in DEPT_TEAMS.items():
        teams[f"dept:{key}"] = Team.objects.create(name=name, code=f"dept-{key}", kind=Team.Kind.OTHER)
    types = {}
    for kind, (_slot, type_name, days) in KIND_ROUTES.items():
        types[kind] = MailType.objects.create(name=type_name, code=kind, service_level_days=days)
    rules = []
    for kind, (slot, _, _) in KIND_ROUTES.items():
        keywords = "\n".join(letters.LETTER_KINDS[kind].keywords)
        priority = PRIORITY.get(kind, 100)
        if slot.startswith("dept:"):
            rules.append(
                RoutingRule(name=kind, keywords=keywords, priority=priority, mail_type=types[kind], team=teams[slot])
            )
            continue
        team_kind = slot.split(":")[1]
        for code, (_, postcodes) in CDAS.items():
            rules.append(
                RoutingRule(
                    name=f"{kind} {code}",
                    keywords=keywords,
                    pattern=r"\b(" + "|".join(postcodes) + r")\b",
                    priority=priority,
                    mail_type=types[kind],
                    team=teams[f"cdas:{team_kind}:{code}"],
                )
            )
    RoutingRule.objects.bulk_create(rules)
    generic = []
    for kind, (slot, _, _) in KIND_ROUTES.items():
        team = teams[slot] if slot.startswith("dept:") else teams[f"cdas:{slot.split(':')[1]}:rennes"]
        generic.append(
            RoutingRule(
                name=f"{kind} (générique)",
                keywords="\n".join(letters.LETTER_KINDS[kind].keywords),
                priority=PRIORITY.get(kind, 100),
                mail_type=types[kind],
                team=team,
            )
        )
    teams["_generic_rules"] = generic

    people = _people(rng, n_people)
    citizens = []
    for index, person in enumerate(people):
        # Near-homonyms of a third of the people: the matching must tell them apart. Half of them are
        # created before the real writer, so a tie is not won by the lower id.
        others = _near_homonyms(rng, person) if index < n_people // 3 else []
        if index % 2 == 0:
            for other in others:
                _create_citizen(other, actor)
            others = []
        citizens.append((person, _create_citizen(person, actor)))
        for other in others:
            _create_citizen(other, actor)
    return teams, types, citizens


def _truth_team(kind, person, teams, request_team=None):
    slot = KIND_ROUTES[kind][0]
    cdas = _cdas_of(person["postcode"])
    if slot.startswith("dept:"):
        return teams[slot]
    if slot.startswith("request-or:"):
        return request_team or teams[f"cdas:{slot.split(':')[1]}:{cdas}"]
    return teams[f"{slot}:{cdas}"]


def _letter_text(rng, kind, person, seed, *, tracking_code="", with_birth=True, nir=""):
    from tests.mail import letters

    letter = letters.make_letter(
        seed,
        kind=kind,
        first_name=person["first"],
        last_name=person["last"].upper(),  # letters write the family name in capitals
        street=person["street"],
        postcode=person["postcode"],
        city=person["city"],
        birth_date=person["birth"] if with_birth else None,
        tracking_code=tracking_code,
        nir=nir,
    )
    return letter.text


def _make_request(citizen, team, actor, rng):
    from django.utils import timezone

    from demandes.models import Request

    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    code = "D-2026-" + "".join(rng.choice(alphabet) for _ in range(6))
    return Request.objects.create(
        tracking_code=code,
        procedure_title="Demande",
        citizen=citizen,
        channel=Request.Channel.WEB,
        status=Request.Status.IN_REVIEW,
        submitted_at=timezone.now(),
        team=team,
    )


def _sample(rng, n, teams, citizens, actor, seed_base, *, with_requests):
    """``n`` letters: (text, kind, citizen, team, type); a quarter of supporting documents quote a request."""
    from grc import nir as nir_lib

    kinds = sorted(KIND_ROUTES)
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        person, citizen = rng.choice(citizens)
        tracking = ""
        request_team = None
        if with_requests and kind in ("justificatif", "rsa", "apa", "pch") and rng.random() < 0.5:
            cdas = _cdas_of(person["postcode"])
            request_team = teams[f"cdas:{rng.choice(['rsa', 'apa_pch', 'asp'])}:{cdas}"]
            if kind != "justificatif":
                request_team = _truth_team(kind, person, teams)
            tracking = _make_request(citizen, request_team, actor, rng).tracking_code
        nir = ""
        if rng.random() < 0.15:
            first13 = f"{rng.choice('12')}{person['birth']:%y%m}35238{rng.randint(1, 999):03d}"
            nir = f"{first13}{nir_lib.key(first13):02d}"
            citizen.nir = nir
            citizen.save(update_fields=["nir"])
        text = _letter_text(
            rng, kind, person, seed_base + i, tracking_code=tracking, with_birth=rng.random() < 0.75, nir=nir
        )
        out.append((text, kind, citizen, _truth_team(kind, person, teams, request_team)))
    return out


def _history(samples, types, actor):
    """Past decisions: the training letters stored as qualified items."""
    from django.utils import timezone

    from mail.models import MailItem

    now = timezone.now()
    rows = []
    for i, (text, kind, citizen, team) in enumerate(samples):
        rows.append(
            MailItem(
                registration_number=f"2025-C-{i + 1:06d}",
                year=2025,
                number=i + 1,
                original=f"mail/bench/{i:064d}",
                original_name="bench.pdf",
                content_type="application/pdf",
                size=1,
                sha256=f"{i:064d}",
                page_count=1,
                uploaded_by=actor,
                status=MailItem.Status.ROUTED,
                ocr_text=text,
                citizen=citizen,
                mail_type=types[kind],
                team=team,
                qualified_by=actor,
                qualified_at=now,
            )
        )
    MailItem.objects.bulk_create(rows)


def _baseline_citizen(text):
    """Naive: the first line's first word as first name, the rest as family name, exact (case ignored)."""
    from grc.models import Citizen

    words = text.splitlines()[0].split()
    if len(words) < 2:
        return None
    first, last = words[0], " ".join(words[1:])
    row = Citizen.objects.filter(birth_name__iexact=last, first_names__iexact=first).order_by("pk").first()
    return row.pk if row else None


def _p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(n_letters: int = 240, *, n_people: int = 300, n_history: int = 330, seed: int = 2026) -> dict:
    """Build the data, score ``n_letters`` letters (clean and noisy) with and without the full pipeline."""
    _setup()
    from django.db import transaction

    from grc.models import User
    from mail import suggest as suggest_mod
    from mail.models import RoutingRule
    from mail.suggest.history import History

    rng = random.Random(seed)
    with transaction.atomic():
        _wipe()
        actor = User.objects.filter(email="bench.mail@bench.local").first() or User.objects.create_user(
            email="bench.mail@bench.local", password=None, is_staff=True
        )
        teams, types, citizens = _world(rng, actor, n_people=n_people)
        past = _sample(rng, n_history, teams, citizens, actor, 10_000, with_requests=False)
        _history(past, types, actor)
        letters_ = _sample(rng, n_letters, teams, citizens, actor, 50_000, with_requests=True)
    territorial = list(RoutingRule.objects.filter(is_active=True).order_by("priority", "name"))
    generic = teams.pop("_generic_rules")
    history = History().load()
    type_ids = {kind: t.pk for kind, t in types.items()}

    results = {}
    scenarios = [
        ("clean", "full", territorial),
        ("clean", "baseline", territorial),
        ("noisy", "full", territorial),
        ("noisy", "baseline", territorial),
        ("generic_clean", "full", generic),
        ("generic_clean", "baseline", generic),
    ]
    for variant, mode, rules in scenarios:
        hits = {"citizen": 0, "team": 0, "mail_type": 0}
        timings = []
        by_kind_team: dict[str, list[int]] = {}
        for text, kind, citizen, team in letters_:
            if variant.endswith("noisy"):
                text = _noisy(text, random.Random(zlib.crc32(text.encode())))
            item = SimpleNamespace(ocr_text=text, pk=None, received_at=None, sender="")
            start = time.perf_counter()
            if mode == "full":
                result = suggest_mod.suggest(item, rules=rules, history=history)
                found_citizen = result["citizen"][0]["id"] if result["citizen"] else None
            else:
                result = suggest_mod.suggest(item, rules=rules, use_history=False, use_matching=False)
                found_citizen = _baseline_citizen(text)
            timings.append((time.perf_counter() - start) * 1000)
            hits["citizen"] += found_citizen == citizen.pk
            team_ok = bool(result["team"]) and result["team"][0]["id"] == team.pk
            hits["team"] += team_ok
            hits["mail_type"] += bool(result["mail_type"]) and result["mail_type"][0]["id"] == type_ids[kind]
            by_kind_team.setdefault(kind, []).append(int(team_ok))
        n = len(letters_)
        results[f"{variant}_{mode}"] = {
            "citizen_top1": round(hits["citizen"] / n, 3),
            "team_top1": round(hits["team"] / n, 3),
            "type_top1": round(hits["mail_type"] / n, 3),
            "suggest_ms_p50": round(statistics.median(timings), 1),
            "suggest_ms_p95": round(_p(timings, 0.95), 1),
            "team_top1_by_kind": {k: round(sum(v) / len(v), 2) for k, v in sorted(by_kind_team.items())},
        }
    from grc.models import Citizen

    return {
        "letters": len(letters_),
        "kinds": len(KIND_ROUTES),
        "citizens": Citizen.objects.count(),
        "past_decisions": n_history,
        "rules": len(territorial),
        "generic_rules": len(generic),
        **results,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=240)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--history", type=int, default=330)
    args = parser.parse_args(argv)
    result = run(args.letters, n_people=args.people, n_history=args.history)
    print(f"Mail suggestions: {result['letters']} letters of {result['kinds']} kinds, {result['citizens']} citizens")
    print(
        f"  ({result['past_decisions']} past decisions; {result['rules']} territorial rules"
        " (keywords + CDAS postcodes),"
        f" or {result['generic_rules']} generic rules (keywords only, CDAS teams of Rennes) for generic_*)"
    )
    print(f"{'':24}{'citizen':>9}{'team':>8}{'type':>8}{'p50 ms':>9}{'p95 ms':>9}")
    for key in (
        "clean_full",
        "clean_baseline",
        "noisy_full",
        "noisy_baseline",
        "generic_clean_full",
        "generic_clean_baseline",
    ):
        r = result[key]
        print(
            f"{key:24}{r['citizen_top1']:>9.1%}{r['team_top1']:>8.1%}{r['type_top1']:>8.1%}"
            f"{r['suggest_ms_p50']:>9}{r['suggest_ms_p95']:>9}"
        )
    for key in ("clean_full", "clean_baseline", "generic_clean_full", "generic_clean_baseline"):
        print(f"team top-1 by kind ({key}): {result[key]['team_top1_by_kind']}")
    return result


if __name__ == "__main__":
    main()
