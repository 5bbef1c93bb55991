"""The text as the classifier reads it, and its TF-IDF features.

OCR text is folded (lowercase, accents removed, every digit written 0: dates, amounts and file numbers
say little about a letter's kind and much about one person) and cut to its first characters; words
and word pairs and character n-grams inside word boundaries (``char_wb`` 3–5, robust to OCR errors
and spelling mistakes) are weighted by sublinear TF-IDF.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

# A letter's kind is in its first pages: a 50-page scan is read from its first 6,000 characters.
TEXT_LIMIT = 6000
_DIGIT_RE = re.compile(r"\d")
_SPACE_RE = re.compile(r"\s+")
# Words of two letters or more (digits are all 0 by then: numbers are not words).
WORD_PATTERN = r"(?u)\b[a-z][a-z]+\b"


def fold_text(text: str) -> str:
    """Lowercase, accents folded, digits as 0, whitespace collapsed; the first ``TEXT_LIMIT`` characters."""
    text = unicodedata.normalize("NFKD", (text or "")[:TEXT_LIMIT])
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    return _SPACE_RE.sub(" ", _DIGIT_RE.sub("0", text)).strip()


def build_vectorizer() -> FeatureUnion:
    """Word (1–2) and character (char_wb 3–5) TF-IDF on folded text; terms seen in one letter only are left
    out (a surname or a street seen once must not become a feature of the model)."""
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    lowercase=False,
                    token_pattern=WORD_PATTERN,
                    ngram_range=(1, 2),
                    min_df=2,
                    max_df=0.9,
                    sublinear_tf=True,
                    max_features=150_000,
                    dtype=np.float32,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    lowercase=False,
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=2,
                    max_df=0.9,
                    sublinear_tf=True,
                    max_features=200_000,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def forget_discarded_terms(vectorizer: FeatureUnion) -> None:
    """Drop ``stop_words_`` if the installed scikit-learn keeps it: versions before 1.8 kept every term they
    discarded (the rare ones: names, addresses), which the model does not need and must not carry into its
    stored artefact."""
    for _name, part in vectorizer.transformer_list:
        if hasattr(part, "stop_words_"):
            part.stop_words_ = None
