"""A commune from what a user types in a search form: its INSEE code, a postcode, or its name.

The citizen finder (``grc.matching.find``) ranks those living in the commune asked for a little higher;
the back office's "Usagers" form and ``GET /api/v1/citizens`` take the commune as typed, and say so in
French when it is not one of the territory's.
"""

from __future__ import annotations

import re

from grc.models import Commune
from grc.selectors.territory import commune_for_postcode, commune_get

_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def commune_resolve(text: str) -> Commune | None:
    """The territory's commune ``text`` denotes (None when none): an INSEE code ("35238"), else a postcode
    ("35000", when it is one commune's), else a name, case, accents, hyphens and "St"/"Ste" ignored
    ("saint malo", "St-Malo" → Saint-Malo)."""
    text = (text or "").strip()
    if not text:
        return None
    if _CODE.match(text.upper()):
        return commune_get(text.upper()) or (commune_for_postcode(postcode=text) if text.isdigit() else None)
    return commune_for_postcode(postcode="", city=text)
