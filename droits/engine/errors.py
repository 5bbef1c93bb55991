"""The two errors the engine raises; callers show their French message, never a 500."""

from __future__ import annotations


class SituationError(ValueError):
    """The situation cannot be estimated as given; `messages` lists every problem in French."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__(" ".join(self.messages))


class EngineError(RuntimeError):
    """The OpenFisca engine failed (not loaded, bad period, a model error); the message is French and generic.

    The original OpenFisca exception is chained (``__cause__``) for the developer's traceback; it never reaches
    the user, since it may quote input values.
    """
