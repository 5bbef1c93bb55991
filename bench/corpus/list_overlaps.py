"""The eight-word runs the evaluation sets share with the training corpus, and the held-out set with the
development sets, that no list of ``tests/mail/test_eval_corpus.py`` covers yet: what a new set or new training
letters bring (issue 13). Read them before listing them: stock formulas are listed, a copied sentence is not.

    .venv/bin/python bench/corpus/list_overlaps.py            # print them, in the lists' formats
    .venv/bin/python bench/corpus/list_overlaps.py --append   # add them to the lists

Runs of a development set against the training corpus go to ``train_cards_known_overlaps.txt`` (lines prefixed
with the set); the held-out set's, against the corpus and the development sets, to ``eval<N>_known_overlaps.txt``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def uncovered() -> tuple[list[str], list[str]]:
    """(development-set lines for the training list, held-out lines for its own list)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from bench.mail_scans import load_eval_corpus
    from tests.mail import test_eval_corpus as guard

    known = guard._known_overlaps()
    training = guard._training_shingles()
    earlier = {
        shingle: f"{name}/{letter.name}"
        for name in guard.DEVELOPMENT_CORPORA
        for letter in load_eval_corpus(guard.EVAL_CORPORA[name][0])
        for shingle in guard._shingles(letter.text)
    }
    development, held_out = [], set()
    for name, (folder, _fewest) in sorted(guard.EVAL_CORPORA.items()):
        sources = (training, earlier) if name == guard.HELD_OUT else (training,)
        for letter in load_eval_corpus(folder):
            for shingle in sorted(guard._shingles(letter.text)):
                words = " ".join(shingle)
                if (name, letter.name, words) in known:
                    continue
                for source in sources:
                    if shingle in source:
                        line = f"{letter.name} ~ {source[shingle]}: {words}"
                        if name == guard.HELD_OUT:
                            held_out.add(line)
                        else:
                            development.append(f"{name}/{line}")
                        break
    return development, sorted(held_out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--append", action="store_true", help="add the runs to the lists (tests/mail/*.txt)")
    args = parser.parse_args(argv)
    from tests.mail import test_eval_corpus as guard

    development, held_out = uncovered()
    targets = (
        (guard.KNOWN_TRAINING_OVERLAPS, development),
        (guard.KNOWN_HELD_OUT_OVERLAPS[guard.HELD_OUT], held_out),
    )
    for path, lines in targets:
        print(f"# {path.relative_to(ROOT)}: {len(lines)}")
        if args.append and lines:
            with path.open("a", encoding="utf-8") as handle:
                handle.write("".join(f"{line}\n" for line in lines))
        else:
            print("\n".join(lines))


if __name__ == "__main__":
    main()
