"""Accuracy of the mail suggestions on letters nobody here wrote (a benchmark, not a test).

The evaluation corpus (``bench/corpus/mail_eval``: 140 letters, 14 per mail type, written by another
author, never trained on — ``tests/mail/test_eval_corpus.py`` guards it) is rendered to scans
(``bench/mail_scans.render_scan``: tilt, blur, speckle, JPEG, multi-page PDF) and goes through the
whole application, as the issue's protocol asks:

1. its own database (``grc_bench_mail*`` on the embedded server, migrated, its data rebuilt): the demo
   organisation (CDAS, teams, commune → CDAS sectors), the ten mail types and the demo routing rules;
   the classifier trained by the worker's code on the cold-start corpus (``mail/corpus/train``) only;
2. a live server (``manage.py runserver``) and one real worker (``manage.py db_worker``: real Tesseract);
3. each letter's person created as a citizen through ``POST /api/v1/citizens`` (a real HTTP client,
   ``httpx``), one in three with a homonym born another year in another commune; then the scan posted
   to ``POST /api/v1/mail`` with a mailroom token, and ``GET /api/v1/mail/{id}`` polled until recognised.

The expected team of a letter is the product's own rule (``mail.suggest.territory.programme_team``)
applied to the commune the person was created in. ``var/bench_mail_accuracy/last_run.json`` keeps the
figures and which letters missed (citizen, wrong preselected team), for the diagnosis after measuring.

Figures: team top-1 among letters where a team is preselected, abstention, confidently wrong (a
preselected team that is wrong, share of all letters), citizen top-1, ``suggest`` p50/p95 (in this
process, on the recognised text, model loaded), and the keyword-only baseline (rules only, no
classifier, same OCR text) in the same run. ``--retrain-volume 50000`` times a training on 50,000
letters synthesised by resampling and perturbing the training corpus (for the TIME only: their
accuracy means nothing).

    .venv/bin/python bench/mail_accuracy.py
    .venv/bin/python bench/mail_accuracy.py --letters 40 --retrain-volume 50000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench_mail_accuracy"
_SETUP_DONE = False


def _database_name() -> str:
    name = os.environ.get("MAIL_ACCURACY_DATABASE", "grc_bench_mail")
    if not name.startswith("grc_bench_mail"):
        raise RuntimeError("MAIL_ACCURACY_DATABASE must start with grc_bench_mail")
    return name


def _output_dir() -> Path:
    """Where a run keeps its scans and ``last_run.json``: one folder per bench database, so two runs side by
    side (``MAIL_ACCURACY_DATABASE``) do not share files."""
    name = _database_name()
    return BENCH_DIR if name == "grc_bench_mail" else BENCH_DIR / name


def _setup():
    global _SETUP_DONE
    if _SETUP_DONE:
        return
    # Forced, not defaulted: this bench deletes and rebuilds its data; never the dev database.
    os.environ["EMBEDDED_DATABASE_NAME"] = _database_name()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DSU_DOCUMENTS_ROOT"] = str(_output_dir() / "documents")
    os.environ["SEARCH_AUTO_INDEX"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("grc_bench_mail"):
        raise RuntimeError("bench/mail_accuracy.py must run on its own database (grc_bench_mail)")
    call_command("migrate", verbosity=0, interactive=False)
    _SETUP_DONE = True


def _wipe():
    from demandes.models import Request, RequestEvent
    from dossier_unique.models import SocialFile, TimelineEntry
    from grc.models import Address, Citizen, ContactPoint
    from mail.models import MailBatch, MailEvent, MailItem, MailModelTraining, MailType, RoutingRule

    if SocialFile.objects.exists():
        raise RuntimeError("this bench database holds social files: not this bench's data, nothing deleted")
    MailEvent.objects.all().delete()
    MailItem.objects.all().delete()
    TimelineEntry.objects.all().delete()
    MailBatch.objects.all().delete()
    RoutingRule.objects.all().delete()
    MailType.objects.all().delete()
    MailModelTraining.objects.all().delete()
    RequestEvent.objects.all().delete()
    Request.objects.all().delete()
    Address.objects.all().delete()
    ContactPoint.objects.all().delete()
    Citizen.objects.filter(merged_into__isnull=False).update(merged_into=None)
    Citizen.objects.all().delete()


def _tokens() -> tuple[str, str]:
    """(mailroom token, instructor token): service accounts made by the real management command."""
    import io

    from django.core.management import call_command

    from grc.models import Team

    tokens = []
    for role, team in (("mailroom_agent", "courrier"), ("instructor", "mediation")):
        if not Team.objects.filter(code=team).exists():
            raise RuntimeError(f"team {team} missing: the demo organisation was not seeded")
        out = io.StringIO()
        email = f"{role}.bench@bench.local"
        call_command("create_api_token", email=email, name=f"Bench {role}", team=team, role=role, stdout=out)
        tokens.append(out.getvalue().strip().splitlines()[-1])
    return tokens[0], tokens[1]


def _world() -> dict:
    """The demo organisation (CDAS, teams, sectors), the ten mail types, the demo routing rules."""
    from demo.organisation import seed_organisation
    from demo.records import Counts
    from demo.seeders.mail import MAIL_TYPES, RULES
    from grc.models import Team, User
    from mail.models import MailType, RoutingRule

    actor, _ = User.objects.get_or_create(email="bench.mail@bench.local", defaults={"is_staff": True})
    seed_organisation(actor=actor, counts=Counts())
    teams = {t.code: t for t in Team.objects.all()}
    types = {}
    for code, name, days, programme, team_code, _ack in MAIL_TYPES:
        types[code] = MailType.objects.create(
            code=code, name=name, service_level_days=days, programme=programme, default_team=teams.get(team_code)
        )
    for name, priority, keywords, pattern, sender, type_code, team_code in RULES:
        RoutingRule.objects.create(
            name=name,
            priority=priority,
            keywords=keywords,
            pattern=pattern,
            sender=sender,
            mail_type=types[type_code],
            team=teams.get(team_code) if team_code else None,
        )
    return {"types": types, "actor": actor}


def _train() -> dict:
    """The classifier trained by the worker's code (corpus only: no decision exists yet)."""
    from mail.classifier import store
    from mail.classifier.jobs import run_training
    from mail.models import MailModelTraining

    training = MailModelTraining.objects.create(trigger=MailModelTraining.Trigger.MANUAL)
    start = time.perf_counter()
    if run_training(training.pk) != "done":
        training.refresh_from_db()
        raise RuntimeError(f"training failed: {training.error}")
    training.refresh_from_db()
    store.forget_loaded()
    model = training.model
    return {
        "version": model.version,
        "seconds": round(time.perf_counter() - start, 1),
        "examples": sum(model.examples.values()),
        "per_type": model.examples,
        "threshold": model.threshold,
        "sure": model.sure_threshold,
        "cv": {k: v for k, v in model.evaluation.items() if k not in ("per_type", "timings", "left_out", "routing")},
        "cv_routing": {k: v for k, v in model.evaluation.get("routing", {}).items() if k != "groups"},
        "team_threshold": model.team_threshold,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(processes):
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _wait_for(url: str, client, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            client.get(url, timeout=2)
            return
        except Exception:  # noqa: BLE001 - the server is still starting
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer")


def _citizen_payload(letter, *, birth_date, commune, rng) -> dict:
    return {
        "birth_name": letter.last_name,
        "first_names": letter.first_name,
        "birth_date": birth_date.isoformat(),
        "address": {
            "line1": f"{rng.randint(1, 90)} rue de la Gare",
            "postcode": commune.postcodes[0] if commune.postcodes else letter.postcode,
            "city": commune.name,
            "insee_code": commune.code,
        },
    }


def _create_people(letters_, http, rng) -> list[int]:
    """Each letter's person through the API; one in three also gets a homonym born another year elsewhere."""
    from grc.models import Commune
    from grc.selectors.territory import commune_for_postcode

    communes = list(Commune.objects.defer("boundary").order_by("code"))
    ids = []
    for index, letter in enumerate(letters_):
        commune = commune_for_postcode(postcode=letter.postcode, city=letter.city)
        if commune is None:
            raise RuntimeError(f"{letter.path.name}: no commune for {letter.postcode} {letter.city}")
        payloads = [_citizen_payload(letter, birth_date=letter.birth_date, commune=commune, rng=rng)]
        if index % 3 == 0:
            other = rng.choice([c for c in communes if c.code != commune.code])
            born = letter.birth_date.replace(year=letter.birth_date.year - rng.randint(3, 25))
            # Created before or after the person, at random: candidates tied on the name come out in id
            # order, and a homonym always created second made every tie fall on the right person.
            homonym = _citizen_payload(letter, birth_date=born, commune=other, rng=rng)
            payloads.insert(rng.randint(0, 1), homonym)
        for payload in payloads:
            response = http.post("/api/v1/citizens", json=payload)
            response.raise_for_status()
            if payload["birth_date"] == letter.birth_date.isoformat():
                ids.append(response.json()["id"])
    return ids


def _truth_team(letter, types, teams_by_kind=None):
    """The team the letter should go to: the product's own rule (``programme_team``) from the commune the
    person really lives in (the one the bench created them in), not a copy of it."""
    from grc.selectors.territory import commune_for_postcode
    from mail.suggest.territory import Place, active_teams_by_kind, programme_team

    commune = commune_for_postcode(postcode=letter.postcode, city=letter.city)
    place = Place(commune, "citizen") if commune is not None else None
    choice = programme_team(
        mail_type=types[letter.type], place=place, teams_by_kind=teams_by_kind or active_teams_by_kind()
    )
    if choice.team is None or choice.fallback:
        raise RuntimeError(f"{letter.path.name}: no sector team for {letter.postcode} {letter.city}")
    return choice.team.pk


def _post_letters(letters_, mailroom) -> list[int]:
    from bench.mail_scans import CONTENT_TYPES, render_scan, scan_format

    ids = []
    for index, letter in enumerate(letters_):
        files = render_scan(letter.text, seed=1000 + index)
        if len(files) != 1:
            files = render_scan(letter.text, seed=1000 + index, fmt="pdf")
        data = files[0]
        fmt = scan_format(data)
        upload = {"files": (f"lettre-{index}.{fmt}", data, CONTENT_TYPES[fmt])}
        response = mailroom.post("/api/v1/mail", files=upload)
        response.raise_for_status()
        ids.append(response.json()["results"][0]["id"])
    return ids


def _await(ids, mailroom, timeout: float) -> dict[int, dict]:
    """GET /api/v1/mail/{id} until every letter is recognised (or manual); {id: body}."""
    done: dict[int, dict] = {}
    deadline = time.monotonic() + timeout
    while len(done) < len(ids) and time.monotonic() < deadline:
        for pk in ids:
            if pk in done:
                continue
            body = mailroom.get(f"/api/v1/mail/{pk}").json()
            if body["status"] in ("recognised", "manual"):
                done[pk] = body
        print(f"\r  reconnus : {len(done)}/{len(ids)}", end="", file=sys.stderr, flush=True)
        if len(done) < len(ids):
            time.sleep(3)
    print(file=sys.stderr)
    return done


def _score(rows) -> dict:
    """rows: (suggestions, truth team id). Team top-1 where preselected, abstention, confidently wrong."""
    n = len(rows)
    suggested = [(s, truth) for s, truth in rows if s.get("team") and not s.get("abstained", True)]
    right = sum(1 for s, truth in suggested if s["team"][0]["id"] == truth)
    top1_any = sum(1 for s, truth in rows if s.get("team") and s["team"][0]["id"] == truth)
    return {
        "letters": n,
        "team_top1_where_suggested": round(right / len(suggested), 3) if suggested else None,
        "abstention": round(1 - len(suggested) / n, 3) if n else None,
        "confidently_wrong": round((len(suggested) - right) / n, 3) if n else None,
        "team_top1_all": round(top1_any / n, 3) if n else None,
    }


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _evaluate(done, letters_, mail_ids, citizen_ids, types) -> dict:
    """Scores from the API's answers (full) and, on the same recognised text, the keyword-only baseline."""
    from mail.models import MailItem
    from mail.suggest import suggest
    from mail.suggest.territory import active_teams_by_kind

    items = MailItem.objects.in_bulk(list(done))
    teams_by_kind = active_teams_by_kind()
    if items:
        suggest(next(iter(items.values())))  # the model loaded once, as in the worker: not in the timings
    full, baseline, timings, citizens_right, manual = [], [], [], 0, 0
    # Which letters missed (for the diagnosis after measuring; invented people, stays in this bench's output).
    misses, wrong_teams = [], []
    for letter, pk, citizen_id in zip(letters_, mail_ids, citizen_ids, strict=True):
        body = done.get(pk)
        truth = _truth_team(letter, types, teams_by_kind)
        if body is None or body["status"] != "recognised":
            manual += 1
            full.append(({}, truth))
            baseline.append(({}, truth))
            continue
        suggestions = body["suggestions"]
        full.append((suggestions, truth))
        citizens = suggestions.get("citizen") or []
        citizens_right += bool(citizens) and citizens[0]["id"] == citizen_id
        if not (citizens and citizens[0]["id"] == citizen_id):
            misses.append({"letter": letter.name, "mail_id": pk, "expected": citizen_id, "got": citizens[:2]})
        if not suggestions.get("abstained", True) and suggestions["team"][0]["id"] != truth:
            wrong_teams.append(
                {"letter": letter.name, "mail_id": pk, "expected": truth, "got": suggestions["team"][0]}
            )
        start = time.perf_counter()
        suggest(items[pk])
        timings.append((time.perf_counter() - start) * 1000)
        baseline.append((suggest(items[pk], use_classifier=False), truth))
    return {
        "full": _score(full),
        "baseline": _score(baseline),
        "citizen_top1": round(citizens_right / len(letters_), 3),
        "not_recognised": manual,
        "citizen_misses": misses,
        "team_preselected_wrong": wrong_teams,
        "suggest_ms": {"p50": round(statistics.median(timings), 1), "p95": round(_pct(timings, 0.95), 1)}
        if timings
        else None,
    }


_SWAPS = {"e": "c", "l": "1", "o": "0", "i": "l", "m": "rn", "é": "e", "è": "e", "a": "o", "u": "v", "n": "m"}


def _perturbed(text: str, rng: random.Random) -> str:
    """A letter of the corpus reworded a little: sentences shuffled, words dropped, OCR-like misreadings."""
    sentences = [s for s in text.replace("\n", " ").split(". ") if s]
    rng.shuffle(sentences)
    words = [w for w in ". ".join(sentences).split() if rng.random() > 0.1]
    out = []
    for word in words:
        if rng.random() < 0.05:
            word = "".join(_SWAPS.get(ch, ch) if rng.random() < 0.3 else ch for ch in word)
        out.append(word)
    return " ".join(out)


def retrain_volume(count: int, seed: int = 2026) -> dict:
    """Time one training (cross-validation, thresholds and final fit) on ``count`` synthesised letters."""
    from mail.classifier.corpus import load_corpus
    from mail.classifier.jobs import target_wrong
    from mail.classifier.training import train

    rng = random.Random(seed)
    corpus = load_corpus()
    examples = [(_perturbed(letter.text, rng), letter.type_code) for letter in rng.choices(corpus, k=count)]
    start, cpu = time.perf_counter(), time.process_time()
    from demo.seeders.mail import MAIL_TYPES

    groups = {code: programme for code, _name, _days, programme, _team, _ack in MAIL_TYPES if programme}
    trained = train(
        examples, target_wrong=target_wrong(), groups=groups, progress=lambda p, step: print(f"  {p:3d} % {step}")
    )
    # CPU time too: on a shared machine the wall time says more about the neighbours than about us.
    return {
        "letters": count,
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "timings": trained.timings,
        "load_average": round(os.getloadavg()[0], 1),
    }


def _letters(corpora: list[str], n_letters: int | None, seed: int) -> list:
    """The evaluation letters: each named corpus, or a random sample of ``n_letters`` of each (seeded)."""
    from bench.mail_scans import EVAL_CORPUS, load_eval_corpus

    chosen = []
    for name in corpora:
        letters_ = load_eval_corpus(EVAL_CORPUS.parent / name)
        if n_letters:
            letters_ = random.Random(seed).sample(letters_, min(n_letters, len(letters_)))
        chosen.extend(letters_)
    return chosen


def clean_text(corpora: list[str]) -> dict:
    """The classifier alone on the evaluation letters' clean text (no OCR, no rules, no citizen): team
    (programme) figures at the team threshold ``suggest`` uses (the trained one, capped by
    ``combine.TEAM_THRESHOLD_MAX``). A quick check, not the protocol: ``run`` is."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from bench.mail_scans import EVAL_CORPUS, load_eval_corpus
    from demo.seeders.mail import MAIL_TYPES
    from mail.classifier.corpus import load_corpus
    from mail.classifier.jobs import target_wrong
    from mail.classifier.training import train
    from mail.suggest.combine import TEAM_THRESHOLD_MAX

    groups = {code: programme for code, _name, _days, programme, _team, _ack in MAIL_TYPES if programme}
    trained = train(
        [(letter.text, letter.type_code) for letter in load_corpus()], target_wrong=target_wrong(), groups=groups
    )
    threshold = min(trained.team_threshold, TEAM_THRESHOLD_MAX)
    result = {"cv": {k: v for k, v in trained.evaluation["routing"].items() if k != "groups"}}
    result["team_threshold"] = {"trained": round(trained.team_threshold, 3), "used": round(threshold, 3)}
    for name in corpora:
        letters_ = load_eval_corpus(EVAL_CORPUS.parent / name)
        rows = trained.classifier.predict([letter.text for letter in letters_])
        right = suggested = wrong = top1 = 0
        for letter, row in zip(letters_, rows, strict=True):
            sums: dict[str, float] = {}
            for code, probability in row:
                sums[groups.get(code, code)] = sums.get(groups.get(code, code), 0.0) + probability
            best, score = max(sums.items(), key=lambda pair: pair[1])
            good = best == groups.get(letter.type, letter.type)
            top1 += good
            if score >= threshold:
                suggested += 1
                right += good
                wrong += not good
        n = len(letters_)
        result[name] = {
            "letters": n,
            "team_top1_all": round(top1 / n, 3),
            "abstention": round(1 - suggested / n, 3),
            "team_top1_where_suggested": round(right / suggested, 3) if suggested else None,
            "confidently_wrong": round(wrong / n, 3),
        }
    return result


def run(
    n_letters: int | None = None, *, timeout: float = 3600, seed: int = 2026, corpora: tuple[str, ...] = ("mail_eval",)
) -> dict:
    """The whole protocol (see the module docstring); returns the figures, overall and per corpus."""
    import httpx

    _setup()
    _wipe()
    world = _world()
    mailroom_token, instructor_token = _tokens()
    print("Base prête (organisation de démonstration, secteurs, types, règles) ; entraînement…", file=sys.stderr)
    model = _train()
    letters_ = _letters(list(corpora), n_letters, seed)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    processes = [_start(["runserver", f"127.0.0.1:{port}", "--noreload"]), _start(["db_worker", "--no-reload"])]
    try:
        with (
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {instructor_token}"}, timeout=60) as staff,
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {mailroom_token}"}, timeout=60) as mailroom,
        ):
            _wait_for(f"{base}/api/v1/openapi.json", staff)
            citizen_ids = _create_people(letters_, staff, random.Random(seed))
            print(f"{len(citizen_ids)} usagers créés par l'API ; envoi des numérisations…", file=sys.stderr)
            start = time.perf_counter()
            mail_ids = _post_letters(letters_, mailroom)
            done = _await(mail_ids, mailroom, timeout)
            elapsed = time.perf_counter() - start
    finally:
        _stop(processes)
    result = {"model": model, "letters": len(letters_), "ocr_and_suggest_s": round(elapsed, 1)}
    result["corpora"] = {}
    for name in corpora:
        rows = [i for i, letter in enumerate(letters_) if letter.path.parent.parent.name == name]
        pick = [[values[i] for i in rows] for values in (letters_, mail_ids, citizen_ids)]
        result["corpora"][name] = {"letters": len(rows), **_evaluate(done, *pick, world["types"])}
    return {**result, **_evaluate(done, letters_, mail_ids, citizen_ids, world["types"])}


def print_figures(result: dict) -> None:
    model = result["model"]
    print(f"Modèle v{model['version']} : {model['examples']} lettres du corpus d'entraînement, {model['seconds']} s")
    print(f"  validation croisée (type) : {model['cv']}  seuils {model['threshold']} / {model['sure']}")
    print(f"  validation croisée (équipe) : {model['cv_routing']}")
    print(f"Corpus d'évaluation : {result['letters']} lettres ({result['not_recognised']} non reconnues)")
    print(f"  reconnaissance + suggestions par le worker : {result['ocr_and_suggest_s']} s")
    for name, figures in result.get("corpora", {}).items():
        if len(result.get("corpora", {})) > 1:
            print(f"--- {name} ({figures['letters']} lettres)")
            _print_table(figures)
    print(f"--- ensemble ({result['letters']} lettres)")
    _print_table(result)


def _print_table(result: dict) -> None:
    print(f"{'':28}{'complet':>12}{'mots-clés seuls':>18}")
    for key, label in (
        ("team_top1_where_suggested", "équipe top-1 (présélect.)"),
        ("abstention", "abstention"),
        ("confidently_wrong", "présélectionné à tort"),
        ("team_top1_all", "équipe top-1 (toutes)"),
    ):
        print(f"  {label:26}{result['full'][key]!s:>12}{result['baseline'][key]!s:>18}")
    full, base = result["full"]["team_top1_all"], result["baseline"]["team_top1_all"]
    if full and base:
        print(f"  ratio équipe top-1 (toutes) complet / mots-clés : {full / base:.2f}")
    print(f"  usager top-1 : {result['citizen_top1']}")
    print(f"  suggest : {result['suggest_ms']} ms")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=None, help="lettres du corpus d'évaluation (toutes par défaut)")
    parser.add_argument("--timeout", type=float, default=3600, help="attente maximale de la reconnaissance (s)")
    parser.add_argument("--retrain-volume", type=int, default=0, help="chronométrer un entraînement sur N lettres")
    parser.add_argument("--no-eval", action="store_true", help="seulement --retrain-volume")
    parser.add_argument(
        "--corpus",
        action="append",
        choices=sorted(path.name for path in (ROOT / "bench" / "corpus").glob("mail_eval*") if path.is_dir()),
        help="corpus d'évaluation (répétable ; mail_eval par défaut)",
    )
    parser.add_argument("--clean-text", action="store_true", help="le classifieur seul sur le texte propre")
    args = parser.parse_args(argv)
    if args.clean_text:
        print(clean_text(args.corpus or ["mail_eval", "mail_eval2"]))
        return
    if not args.no_eval:
        result = run(args.letters, timeout=args.timeout, corpora=tuple(args.corpus or ["mail_eval"]))
        print_figures(result)
        output = _output_dir()
        output.mkdir(parents=True, exist_ok=True)
        (output / "last_run.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        print(f"Détail (lettres manquées, équipes présélectionnées à tort) : {output / 'last_run.json'}")
    if args.retrain_volume:
        import django  # the training is pure: Django only for the settings, no database

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        django.setup()
        result = retrain_volume(args.retrain_volume)
        print(
            f"Réentraînement sur {result['letters']} lettres synthétisées (rééchantillonnage perturbé du corpus, "
            f"pour la durée seulement) : {result['seconds']} s ({result['cpu_seconds']} s de processeur, "
            f"charge {result['load_average']}) {result['timings']}"
        )


if __name__ == "__main__":
    main()
