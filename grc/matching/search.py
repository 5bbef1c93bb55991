"""The back office's citizen search (the "Usagers" page and ``GET /api/v1/citizens``), best first.

The search itself is ``grc.matching.find.citizen_find``; ``search_variants`` gives the folded forms of a
typed name that the global search uses to score the names shown on files, notes, requests and letters.
"""

from __future__ import annotations

from dataclasses import dataclass

from grc.matching.find import citizen_find
from grc.matching.names import PARTICLES, fold, name_keys
from grc.models import Citizen


@dataclass
class SearchHit:
    citizen: Citizen
    score: float


def search_variants(text: str) -> list[str]:
    """Folded free text without particles, plus glued forms for names written with or without them."""
    folded = fold(text)
    if not folded:
        return []
    words = folded.split()
    base = " ".join(w for w in words if w not in PARTICLES) or folded
    variants = [base]
    if any(w in PARTICLES for w in words):
        variants.append(" ".join(_glued_query_words(words)))
    for word in base.split():
        keys = name_keys(word) - {word}
        if keys:
            shortest = min(keys, key=len)
            variants.append(base.replace(word, shortest, 1))
    return list(dict.fromkeys(variants))[:3]


def _glued_query_words(words: list[str]) -> list[str]:
    out, pending = [], ""
    for word in words:
        if word in PARTICLES:
            pending += word
        else:
            out.append(pending + word)
            pending = ""
    return out + ([pending] if pending else [])


def search_citizens(
    *,
    query: str = "",
    birth_date=None,
    birth_year: int | None = None,
    commune=None,
    limit: int = 25,
    include_merged: bool = False,
) -> list[SearchHit]:
    """Back-office search: free text ("dupond jean": typos, accents, particles, birth or usage name,
    names written as heard: "lefevre marivonne", first name first) and/or a birth date, best first.

    The engine is ``grc.matching.find.citizen_find`` (the one used everywhere a person is looked up);
    this adds the citizens themselves, with their addresses prefetched.
    """
    found = citizen_find(
        query=query,
        birth_date=birth_date,
        birth_year=birth_year,
        commune=commune,
        limit=limit,
        include_merged=include_merged,
    )
    citizens = Citizen.objects.prefetch_related("addresses").in_bulk([f.citizen_id for f in found])
    return [SearchHit(citizen=citizens[f.citizen_id], score=f.score) for f in found if f.citizen_id in citizens]
