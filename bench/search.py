"""Search at scale: reindex throughput and query latency for a social worker (a benchmark, not a test).

Runs against its own database (``grc_bench`` on the embedded server, which already holds the
1,000,000 citizens of ``bench/identity.py`` and the 300,000 social files of ``bench/dossier.py``).
Loads, unless already there (never drops or empties an existing table):

- ``--requests`` requests (1,000,000): a procedure title, realistic form answers (a free-text
  reason of a few sentences), a tracking code ``D-YYYY-XXXXXX``, a team among all teams;
- ``--mail`` mail items (500,000): a registration number ``YYYY-C-NNNNNN``, an OCR text of a few
  hundred words (a letter from the citizen: name, address, reasons, amounts, dates), a team;

with PostgreSQL COPY, ids reserved from the tables' sequences. Then:

- ``search_reindex`` of every kind (documents/s), unless the index already holds as many documents
  as the database (``--reindex`` forces it);
- p50/p95 of typical queries through ``search.service.search_for`` as ``ts.vitre`` (a social worker
  of the Vitré CDAS: the permission filter is on): a misspelled name, a name + birth date, a phrase
  from a letter, a tracking code, a registration number;
- the baseline: a naive ``icontains`` over the same tables (citizen names, request answers, mail OCR
  text), in the same run, and the ratio.

    .venv/bin/python bench/search.py                          # load, index, time
    .venv/bin/python bench/search.py --load-only              # just the data
    .venv/bin/python bench/search.py --queries 100 --skip-index
    .venv/bin/python bench/search.py --skip-index --no-baseline   # only our queries, quicker
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench must never load millions of rows into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from demandes.models import Request  # noqa: E402
from grc.models import Team, User  # noqa: E402
from mail.models import MailItem  # noqa: E402

BENCH_USER = "ts.vitre@demo.grc.local"
MAILROOM_USER = "courrier@demo.grc.local"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I

PROCEDURES = [
    "Demande d'aide financière",
    "Aide au transport scolaire adapté",
    "Demande d'allocation personnalisée d'autonomie (APA) à domicile",
    "Fonds de solidarité logement — accès",
    "Fonds de solidarité logement — maintien (impayés d'énergie)",
    "Demande de prestation de compensation du handicap",
    "Consultation de protection maternelle et infantile",
    "Demande d'aide ménagère",
    "Contrat jeune majeur",
    "Demande de subvention (FAPA)",
    "Inscription à un atelier numérique",
    "Demande de rendez-vous avec un travailleur social",
]
REASONS = [
    "Je suis en difficulté pour payer mon loyer depuis la perte de mon emploi.",
    "Ma facture d'électricité est impayée et je crains une coupure de courant.",
    "Mon fils est scolarisé en ULIS et a besoin d'un transport adapté le matin.",
    "Ma mère âgée de quatre-vingt-sept ans ne peut plus faire ses courses seule.",
    "Nous attendons un enfant pour le mois de mars et souhaitons un suivi à domicile.",
    "Le propriétaire demande un dépôt de garantie que je ne peux pas avancer.",
    "Suite à une séparation, je me retrouve seule avec deux enfants à charge.",
    "Mon véhicule est en panne et je ne peux plus me rendre au travail.",
    "J'ai reçu un avis d'expulsion et je souhaite être accompagné.",
    "Je souhaite apprendre à utiliser les démarches en ligne de la caisse d'allocations familiales.",
    "Mon état de santé ne me permet plus de travailler à temps plein.",
    "Je demande une aide pour l'achat d'un fauteuil roulant électrique.",
    "Notre association organise des ateliers de cuisine pour les familles du quartier.",
    "Je sors d'un contrat jeune majeur et n'ai pas encore de logement stable.",
]
LETTER_SENTENCES = [
    "Je vous écris au sujet de ma situation qui s'est beaucoup dégradée ces derniers mois.",
    "Depuis la perte de mon emploi en {month}, je n'arrive plus à faire face à mes charges.",
    "Mon loyer s'élève à {amount} euros par mois et je n'ai pas pu le régler en totalité.",
    "J'ai reçu un courrier de mon fournisseur d'énergie m'annonçant une coupure d'électricité.",
    "Le bailleur social m'a adressé une mise en demeure pour un impayé de loyer de {amount} euros.",
    "Je perçois le revenu de solidarité active depuis {month} et mes ressources sont très faibles.",
    "Ma fille de {age} ans est suivie par le service de protection maternelle et infantile.",
    "Mon médecin traitant m'a conseillé de demander une aide à domicile pour les gestes du quotidien.",
    "Vous trouverez ci-joint la copie de mon avis d'imposition et mes trois derniers bulletins de salaire.",
    "Je vous remercie de bien vouloir étudier ma demande dans les meilleurs délais.",
    "La commission de surendettement a déclaré mon dossier recevable le {date}.",
    "Mon conjoint est hospitalisé depuis le {date} et je dois m'occuper seule de nos enfants.",
    "L'assistante sociale du centre départemental m'a conseillé de vous écrire directement.",
    "Je sollicite une aide financière exceptionnelle pour régler ma facture de chauffage.",
    "Notre logement est humide et le propriétaire refuse de faire les travaux nécessaires.",
    "Je souhaiterais obtenir un rendez-vous avec un travailleur social de mon secteur.",
    "Mon dossier de prestation de compensation du handicap est en cours à la maison départementale.",
    "Je conteste la décision de suspension de mes droits notifiée le {date}.",
    "Je vous prie de trouver ci-joint le justificatif de domicile demandé.",
    "Mon père, âgé de {age2} ans, vit seul et ne peut plus se déplacer sans aide.",
    "Le transport scolaire de mon fils n'a pas été organisé depuis la rentrée de septembre.",
    "J'ai déposé une demande de logement social il y a plus de deux ans sans réponse.",
    "La caisse d'allocations familiales a recalculé mes droits et me réclame un trop-perçu de {amount} euros.",
    "Je suis actuellement hébergée chez une amie avec mes deux enfants.",
    "Je reste à votre disposition pour tout renseignement complémentaire au {phone}.",
    "Je n'ai plus de mutuelle depuis le mois de {month} et mes soins ne sont plus remboursés.",
    "Mon contrat de travail à durée déterminée se termine le {date} sans perspective de renouvellement.",
    "Je souhaite être accompagné dans mes démarches de recherche d'emploi et de formation.",
]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre"]
CITIES = [
    ("35500", "Vitré"),
    ("35000", "Rennes"),
    ("35400", "Saint-Malo"),
    ("35300", "Fougères"),
    ("35600", "Redon"),
    ("35170", "Bruz"),
    ("35510", "Cesson-Sévigné"),
    ("35220", "Châteaubourg"),
    ("35580", "Guichen"),
    ("35160", "Montfort-sur-Meu"),
]
STREETS = ["rue de la Gare", "avenue Jean Jaurès", "place du Marché", "rue des Écoles", "allée des Tilleuls"]


def _esc(value) -> str:
    """One COPY text field."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _reserve_ids(cursor, model, count: int) -> int:
    table = model._meta.db_table
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, count],
    )
    return cursor.fetchone()[0] - count + 1


class _Copier:
    """COPY rows into a model's table; columns not given get the field's default ('' / null / default())."""

    def __init__(self, cursor, model, given: tuple[str, ...]):
        self.cursor, self.table = cursor, model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.given = given
        self.fixed = {}
        for f in self.fields:
            if f.column in given:
                continue
            if f.has_default():
                default = f.get_default()
                self.fixed[f.column] = json.dumps(default) if isinstance(default, (dict, list)) else default
            elif f.null:
                self.fixed[f.column] = None
            else:
                self.fixed[f.column] = ""
        self.buffer, self.rows = io.StringIO(), 0

    def add(self, **values) -> None:
        self.buffer.write("\t".join(_esc(values[c] if c in values else self.fixed[c]) for c in self.columns) + "\n")
        self.rows += 1
        if self.rows % 50_000 == 0:
            self.flush()

    def flush(self) -> None:
        with self.cursor.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
            copy.write(self.buffer.getvalue())
        self.buffer = io.StringIO()


def tracking_code(year: int, n: int) -> str:
    """A unique code per n: n times an odd multiplier modulo 32**6 is a permutation."""
    value = (n * 918_273_645 + 12_345) % (32**6)
    chars = []
    for _ in range(6):
        value, digit = divmod(value, 32)
        chars.append(CODE_ALPHABET[digit])
    return f"D-{year}-{''.join(chars)}"


def _citizens(cursor, limit: int, rng) -> list[tuple[int, str, str, str]]:
    cursor.execute(
        "SELECT id, birth_name, usage_name, first_names FROM grc_citizen WHERE status = 'active' ORDER BY id LIMIT %s",
        [limit],
    )
    return cursor.fetchall()


def load_requests(count: int, seed_value: int) -> float:
    existing = Request.objects.count()
    if existing >= count:
        print(f"{existing:,} requests already in grc_bench")
        return 0.0
    count -= existing
    started = time.perf_counter()
    rng = random.Random(seed_value)
    team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    statuses = ["submitted", "in_review", "awaiting_citizen", "accepted", "refused", "closed"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        citizens = _citizens(cursor, 1_000_000, rng)
        first = _reserve_ids(cursor, Request, count)
        copier = _Copier(cursor, Request, ())
        for i in range(count):
            pk = first + i
            citizen = citizens[rng.randrange(len(citizens))]
            submitted = now - datetime.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
            status = rng.choice(statuses)
            channel = rng.choice(["web", "web", "web", "mail", "phone"])
            postcode, city = rng.choice(CITIES)
            answers = {
                "motif": " ".join(rng.sample(REASONS, 2)),
                "commune": city,
                "code_postal": postcode,
                "ressources_mensuelles": str(rng.randint(300, 2500)),
                "personnes_au_foyer": str(rng.randint(1, 6)),
            }
            copier.add(
                id=pk,
                tracking_code=tracking_code(submitted.year, pk),
                procedure_title=rng.choice(PROCEDURES),
                citizen_id=citizen[0],
                channel=channel,
                status=status,
                team_id=team_ids[pk % len(team_ids)],
                answers=json.dumps(answers, ensure_ascii=False),
                submitted_at=submitted.isoformat(),
                decided_at=(submitted + datetime.timedelta(days=20)).isoformat() if status in statuses[3:] else None,
                typed_by="citizen" if channel == "web" else "agent",
                created_at=submitted.isoformat(),
                updated_at=submitted.isoformat(),
            )
            if (i + 1) % 200_000 == 0:
                print(f"  {i + 1:,}/{count:,} requests ({time.perf_counter() - started:.0f} s)", flush=True)
        copier.flush()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Request._meta.db_table}")
    seconds = time.perf_counter() - started
    print(f"loaded {count:,} requests in {seconds:.0f} s", flush=True)
    return seconds


def letter(rng, citizen, postcode, city) -> str:
    _, birth_name, usage_name, first_names = citizen
    name = f"{first_names.split(',')[0]} {(usage_name or birth_name).upper()}"
    street = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
    day = datetime.date(2026, 1, 1) - datetime.timedelta(days=rng.randint(0, 700))
    values = {
        "month": rng.choice(MONTHS),
        "amount": rng.randint(80, 2400),
        "age": rng.randint(1, 6),
        "age2": rng.randint(70, 95),
        "date": day.strftime("%d/%m/%Y"),
        "phone": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
    }
    lines = [
        name,
        street,
        f"{postcode} {city}",
        "",
        f"{city}, le {day.strftime('%d/%m/%Y')}",
        "",
        "Objet : demande d'aide",
        "",
        "Madame, Monsieur,",
        "",
    ]
    for _ in range(rng.randint(4, 6)):
        lines.append(" ".join(s.format(**values) for s in rng.sample(LETTER_SENTENCES, rng.randint(3, 5))))
        lines.append("")
    lines.append("Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.")
    lines.append(name)
    return "\n".join(lines)


def load_mail(count: int, seed_value: int) -> float:
    existing = MailItem.objects.count()
    if existing >= count:
        print(f"{existing:,} mail items already in grc_bench")
        return 0.0
    count -= existing
    started = time.perf_counter()
    rng = random.Random(seed_value + 1)
    team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    uploader = User.objects.filter(email=MAILROOM_USER).values_list("pk", flat=True).first() or (
        User.objects.filter(is_staff=True).order_by("pk").values_list("pk", flat=True).first()
    )
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(f"SELECT year, coalesce(max(number), 0) FROM {MailItem._meta.db_table} GROUP BY year")  # noqa: S608
        last_number = dict(cursor.fetchall())
        citizens = _citizens(cursor, 1_000_000, rng)
        first = _reserve_ids(cursor, MailItem, count)
        copier = _Copier(cursor, MailItem, ())
        for i in range(count):
            pk = first + i
            received = now - datetime.timedelta(seconds=int((count - i) / count * 2 * 365 * 86400))
            year = received.year
            number = last_number.get(year, 0) + 1
            last_number[year] = number
            registration = f"{year}-C-{number:06d}"
            sha = hashlib.sha256(f"bench-mail-{pk}".encode()).hexdigest()
            citizen = citizens[rng.randrange(len(citizens))]
            postcode, city = rng.choice(CITIES)
            text = letter(rng, citizen, postcode, city)
            linked = rng.random() < 0.85
            copier.add(
                id=pk,
                registration_number=registration,
                year=year,
                number=number,
                original=f"mail/{sha[:2]}/{sha}",
                original_name=f"scan-{pk}.pdf",
                content_type="application/pdf",
                size=rng.randint(40_000, 900_000),
                sha256=sha,
                page_count=rng.randint(1, 3),
                received_at=received.isoformat(),
                uploaded_by_id=uploader,
                status=rng.choice(["routed", "routed", "handled", "qualified"]),
                ocr_text=text,
                ocr_confidence=round(rng.uniform(70, 96), 1),
                ocr_attempts=1,
                recognised_at=received.isoformat(),
                sender=text.split("\n", 1)[0],
                citizen_id=citizen[0] if linked else None,
                team_id=team_ids[pk % len(team_ids)],
                qualified_at=received.isoformat(),
                routed_at=received.isoformat(),
            )
            if (i + 1) % 100_000 == 0:
                print(f"  {i + 1:,}/{count:,} mail items ({time.perf_counter() - started:.0f} s)", flush=True)
        copier.flush()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {MailItem._meta.db_table}")
    seconds = time.perf_counter() - started
    print(f"loaded {count:,} mail items in {seconds:.0f} s", flush=True)
    return seconds


# --- measurement ---------------------------------------------------------------------------------


def _pcts(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def _time(fn, queries, warm: int = 3) -> list[float]:
    for q in queries[:warm]:
        fn(q)
    samples = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _typo(rng, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("drop", "swap", "double"))
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


PHRASES = [
    "coupure d'électricité",
    "impayé de loyer",
    "commission de surendettement",
    "mise en demeure",
    "trop-perçu",
    "transport scolaire",
    "logement social",
    "aide à domicile",
    "fauteuil roulant électrique",
    "avis d'expulsion",
]


def build_queries(rng, n: int, user) -> dict[str, list]:
    """Typical inputs drawn from the data: (query text, expected citizen id or None)."""
    from grc.models import Citizen, Membership

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM grc_citizen")
        top = cursor.fetchone()[0]
    picks = []
    while len(picks) < n:
        c = (
            Citizen.objects.filter(pk__gte=rng.randint(1, top), status="active")
            .order_by("pk")
            .values("pk", "birth_name", "usage_name", "first_names", "birth_date")
            .first()
        )
        if c:
            picks.append(c)
    teams = list(Membership.objects.filter(user=user).values_list("team_id", flat=True))
    own_codes = list(
        Request.objects.filter(team_id__in=teams).order_by("?").values_list("tracking_code", flat=True)[: n // 2]
    )
    any_codes = list(Request.objects.order_by("?").values_list("tracking_code", flat=True)[: n - len(own_codes)])
    mail_numbers = list(MailItem.objects.order_by("?").values_list("registration_number", flat=True)[:n])
    misspelled, dated = [], []
    for c in picks:
        family = (c["usage_name"] or c["birth_name"]).split()[-1]
        first = c["first_names"].split(",")[0].split()[0]
        misspelled.append((f"{_typo(rng, family)} {first}", c["pk"]))
        dated.append((f"{c['birth_name']} {first} {c['birth_date']:%d/%m/%Y}" if c["birth_date"] else family, c["pk"]))
    return {
        "misspelled name": misspelled,
        "name + birth date": dated,
        "phrase from a letter": [(rng.choice(PHRASES), None) for _ in range(n)],
        "tracking code": [(code, None) for code in own_codes + any_codes],
        "registration number": [(number, None) for number in mail_numbers],
    }


def naive(kind: str, user):
    """The baseline: icontains over the same tables, with the same permission rules, first page + count."""
    from django.db.models import Q

    from demandes import perms as request_perms
    from dossier_unique import perms as file_perms
    from grc.models import Citizen

    teams = list(file_perms.current_team_ids(user).values_list("team_id", flat=True))

    def run(q):
        text = q[0]
        if kind in ("misspelled name", "name + birth date"):
            words = [w for w in text.split() if "/" not in w]
            qs = Citizen.objects.filter(status="active")
            for w in words:
                qs = qs.filter(Q(birth_name__icontains=w) | Q(usage_name__icontains=w) | Q(first_names__icontains=w))
        elif kind == "phrase from a letter":
            qs = MailItem.objects.filter(ocr_text__icontains=text, team_id__in=teams)
        elif kind == "tracking code":
            qs = Request.objects.filter(request_perms.visible_requests_q(user), tracking_code__icontains=text)
        else:
            qs = MailItem.objects.filter(registration_number__icontains=text, team_id__in=teams)
        list(qs.values_list("pk", flat=True)[:20])
        qs.count()

    return run


def reindex_figures() -> list[str]:
    from search.models import ReindexCheckpoint

    lines = []
    for c in ReindexCheckpoint.objects.order_by("kind"):
        end = c.finished_at or c.updated_at
        seconds = max((end - c.started_at).total_seconds(), 1e-9)
        state = "done" if c.finished_at else "in progress"
        lines.append(f"  reindex {c.kind:8s} {c.done:>10,} documents, {c.done / seconds:7.0f} documents/s ({state})")
    return lines


def run(args) -> None:
    from django.core.management import call_command

    from search import registry
    from search.backends import get_backend
    from search.service import search_for

    call_command("migrate", "grc_search", verbosity=0)
    backend = get_backend()
    if not args.skip_index:
        missing = [k for k in registry.kinds() if backend.count(k) < registry.database_count(k)]
        if missing or args.reindex:
            call_command("search_reindex", kind=None if args.reindex else missing, batch=5000)
    user = User.objects.get(email=BENCH_USER)
    rng = random.Random(args.seed)
    queries = build_queries(rng, args.queries, user)
    print()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('search_document'))")
        size = cursor.fetchone()[0]
    print(
        f"machine: {os.cpu_count()} CPU (shared with other sessions), PostgreSQL {connection.pg_version // 10000} "
        f"embedded; index: {backend.name}, {backend.count():,} documents ({size})"
    )
    for kind in registry.kinds():
        print(f"  {kind:8s} database {registry.database_count(kind):>10,}  index {backend.count(kind):>10,}")
    for line in reindex_figures():
        print(line)
    print(f"user {BENCH_USER}: principals {len(__import__('search.scope').scope.scope_for(user).principals)}")
    for label, items in queries.items():
        found_first, found_top5 = 0, 0

        def ours(q):
            return search_for(user=user, q=q[0], log=False)

        samples = _time(ours, items)
        for q in items:
            if q[1] is None:
                continue
            ids = [h.object_id for h in ours(q).hits if h.kind == "citizen"]
            found_first += bool(ids) and ids[0] == q[1]
            found_top5 += q[1] in ids[:5]
        base = [] if args.no_baseline else _time(naive(label, user), items[: max(5, len(items) // 4)], warm=1)
        p50, p95 = _pcts(samples)
        b50, b95 = _pcts(base) if base else (float("nan"), float("nan"))
        recall = f"  first {found_first}/{len(items)}, top5 {found_top5}/{len(items)}" if items[0][1] else ""
        print(
            f"{label:22s} n={len(samples):3d} p50={p50:7.1f} ms p95={p95:7.1f} ms | icontains n={len(base):3d} "
            f"p50={b50:8.1f} ms p95={b95:8.1f} ms | ratio p50 {b50 / p50:6.1f}x{recall}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--mail", type=int, default=500_000)
    parser.add_argument("--queries", type=int, default=60, help="samples per query type")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--reindex", action="store_true")
    parser.add_argument("--no-baseline", action="store_true", help="skip the icontains baseline (timed queries only)")
    args = parser.parse_args()
    settings.DEBUG = False
    load_requests(args.requests, args.seed)
    load_mail(args.mail, args.seed)
    if args.load_only:
        return
    run(args)


if __name__ == "__main__":
    main()
