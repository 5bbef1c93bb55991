"""The cold-start training corpus: French letters in ``mail/corpus/train/<type code>/NNN.txt``.

Each file has a header (``type: <code>``, ``register:``, ``sender_kind:``), a ``---`` line, then the
letter's text. Written for training only; the evaluation corpus (``bench/corpus/mail_eval``) is another
author's and is never read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "train"


@dataclass(frozen=True)
class CorpusLetter:
    type_code: str
    text: str
    path: str


def parse_letter(raw: str) -> tuple[dict[str, str], str]:
    """(header fields, text) of one corpus file; no ``---`` line: no header."""
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        return {}, raw.strip()
    fields = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        if colon:
            fields[key.strip().lower()] = value.strip()
    return fields, body.strip()


def load_corpus(directory: Path | None = None) -> list[CorpusLetter]:
    """Every letter of the training corpus, sorted by path (the type is the header's, else the folder's)."""
    directory = directory or CORPUS_DIR
    letters = []
    for path in sorted(directory.glob("*/*.txt")):
        fields, text = parse_letter(path.read_text(encoding="utf-8"))
        if text:
            letters.append(CorpusLetter(fields.get("type") or path.parent.name, text, str(path)))
    return letters
