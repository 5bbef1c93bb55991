"""The learned mail classifier: which type (and so which programme) a letter is, from its OCR text.

- ``features``: the text as the model reads it (lowercase, accents folded, digits normalised) and the
  TF-IDF features (words and word pairs, character n-grams 3–5 inside word boundaries).
- ``corpus``: the cold-start letters of ``mail/corpus/train`` (never the evaluation corpus of bench/).
- ``training``: examples (the corpus + the agents' qualification decisions), cross-validated figures,
  the abstention threshold chosen from them, the final calibrated linear model.
- ``store``: the versioned artefact in the private storage (SHA-256 checked before loading) and the
  per-process cache of the current version.
- ``services`` / ``selectors``: asking for a training (the worker runs it), what the admin page shows.
"""
