"""The mail suggestions again on the last protocol run's recognised letters (development, not a result).

``bench/mail_accuracy.py`` leaves its database (``grc_bench_mail*``) with the letters the worker
recognised and the people the API created. This script runs today's ``suggest`` on those stored OCR
texts and scores it as the protocol does, in a few seconds instead of the OCR's three quarters of an
hour: the loop for changing the suggestions on the **development** sets. It never replaces
the protocol's figures (a new OCR pass, a new server, a new worker), which are the ones reported.

    .venv/bin/python bench/mail_replay.py --corpus mail_eval --corpus mail_eval2 [--show]
    MAIL_ACCURACY_DATABASE=grc_bench_mail_eval7 .venv/bin/python bench/mail_replay.py --corpus mail_eval7 --retrain
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import mail_accuracy  # noqa: E402


def replay(corpora: list[str], *, show: bool = False, n_letters: int | None = None, retrain: bool = False) -> dict:
    """Scores of ``suggest`` on the stored letters of ``corpora`` (which must be those of the last run, in order).

    ``retrain``: first train the classifier again, by the worker's code, on today's training corpus (a new model
    version in the bench database, the current one from then on), to see what a change of the corpus gives."""
    mail_accuracy._setup()
    if retrain:
        model = mail_accuracy._train()
        print(f"modèle v{model['version']} : {model['examples']} lettres, seuil équipe {model['team_threshold']:.3f}")
    from grc.models import Citizen
    from mail.models import MailItem, MailType

    letters_ = mail_accuracy._letters(corpora, n_letters, 2026)
    mail_ids = list(MailItem.objects.order_by("pk").values_list("pk", flat=True))
    if len(mail_ids) != len(letters_):
        raise RuntimeError(f"{len(mail_ids)} letters stored, {len(letters_)} in {corpora}: not the last run's corpora")
    citizen_ids = []
    for letter in letters_:
        person = Citizen.objects.filter(
            birth_name=letter.last_name, first_names=letter.first_name, birth_date=letter.birth_date
        ).first()
        citizen_ids.append(person.pk if person else None)
    items = MailItem.objects.in_bulk(mail_ids)
    done = {pk: {"status": items[pk].status, "suggestions": _suggest(items[pk])} for pk in mail_ids}
    types = {t.code: t for t in MailType.objects.all()}
    result = {}
    for name in corpora:
        rows = [i for i, letter in enumerate(letters_) if letter.path.parent.parent.name == name]
        pick = [[values[i] for i in rows] for values in (letters_, mail_ids, citizen_ids)]
        result[name] = mail_accuracy._evaluate(done, *pick, types)
        if show:
            _show(name, result[name], done)
    return result


def _suggest(item) -> dict:
    from mail.suggest import suggest

    return suggest(item) if item.status == "recognised" else {}


def _show(name, figures, done) -> None:
    print(f"--- {name}")
    for miss in figures["citizen_misses"]:
        print("  usager manqué", miss["letter"], miss["mail_id"], [c["label"] for c in miss["got"]])
    for wrong in figures["team_preselected_wrong"]:
        print("  équipe à tort", wrong["letter"], wrong["mail_id"], wrong["got"]["label"], wrong["got"]["reasons"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", help="corpus of the last run, in its order")
    parser.add_argument("--show", action="store_true", help="list the misses")
    parser.add_argument("--letters", type=int, help="the sample of each corpus the run took (its --letters)")
    parser.add_argument("--retrain", action="store_true", help="train the classifier again on today's corpus first")
    args = parser.parse_args(argv)
    corpora = args.corpus or ["mail_eval"]
    for name, figures in replay(corpora, show=args.show, n_letters=args.letters, retrain=args.retrain).items():
        print(name, figures["full"], "usager", figures["citizen_top1"], "suggest", figures["suggest_ms"])
        print("   mots-clés", figures["baseline"])


if __name__ == "__main__":
    main()
