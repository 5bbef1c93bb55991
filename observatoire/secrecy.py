"""Statistical secrecy: a count under 5 is never shown, nor derivable from the totals shown beside it.

The rule (docs/observatoire.md, "Secret statistique"), applied to every table, chart, export and open-data
figure, to a *line*: the cells of one breakdown and the total they add up to.

1. Primary: a cell of 1 to 4 is shown "< 5". Zero is shown (an absence is not a person).
2. Secondary: when exactly one cell of a line is primary-secret, the smallest other non-zero cell is hidden too
   (shown "secret"), otherwise the total minus the shown cells gives it.
3. Total: the total is shown only if, knowing it and the shown cells, every primary-secret cell can still be
   any of 1, 2, 3, 4 (each secret cell is bounded by [1, 4] if primary, [5, ∞) if secondary; the attacker knows
   the hidden cells add up to total − shown). Otherwise the total itself is "secret". A total under 5 is
   primary-secret like any cell.
4. Rates and percentiles: a rate is shown only when its numerator, the rest of its denominator and the
   denominator are each 0 or at least 5; a median or 90th percentile only over 5 decisions or more.

The same line is protected once and reused everywhere (a chart draws the protected values, never the raw ones).
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 5
PRIMARY_MAX = THRESHOLD - 1


@dataclass(frozen=True)
class Cell:
    """A protected figure: ``value`` is None when secret; ``label`` is what a reader sees."""

    value: int | None
    suppressed: str = ""  # "" shown, "primary" (< 5), "secondary" (hidden to protect another cell)

    @property
    def label(self) -> str:
        if self.suppressed == "primary":
            return "< 5"
        if self.suppressed:
            return "secret"
        return f"{self.value:,}".replace(",", "\u202f")

    @property
    def is_secret(self) -> bool:
        return bool(self.suppressed)


def is_primary(n: int) -> bool:
    return 0 < n <= PRIMARY_MAX


def protect_line(
    values: list[int], *, total_public: bool = False, forced: frozenset[int] = frozenset()
) -> tuple[list[Cell], Cell, bool]:
    """Protect one line: its cells in order, their total, and whether the protection holds (rules 1 to 3).

    ``total_public``: the total is shown elsewhere anyway (a block's grand total, an EPCI's figure on the map):
    instead of hiding it, more cells are hidden (smallest first) until no secret cell can be derived; the third
    value is False when even that cannot protect them, and the caller must then hide the total everywhere.
    ``forced``: indexes to hide whatever their value (a cell hidden to protect another line)."""
    secret = ["primary" if is_primary(v) else ("secondary" if i in forced else "") for i, v in enumerate(values)]
    if sum(1 for kind in secret if kind) == 1:
        _hide_smallest(values, secret)
    total = sum(values)
    if is_primary(total):
        return _cells(values, secret), Cell(None, "primary"), not total_public
    while not _total_keeps_secrets(values, secret):
        if not total_public:
            return _cells(values, secret), Cell(None, "secondary"), True
        if not _hide_smallest(values, secret):
            return _cells(values, secret), Cell(total), False
    return _cells(values, secret), Cell(total), True


def _hide_smallest(values: list[int], secret: list[str]) -> bool:
    shown = [i for i, v in enumerate(values) if v > 0 and not secret[i]]
    if not shown:
        return False
    secret[min(shown, key=lambda i: (values[i], i))] = "secondary"
    return True


def _cells(values: list[int], secret: list[str]) -> list[Cell]:
    return [Cell(None if kind else v, kind) for v, kind in zip(values, secret, strict=True)]


def _total_keeps_secrets(values: list[int], secret: list[str]) -> bool:
    """Whether each primary-secret cell still has its whole range [1, 4] once the total is known."""
    hidden = [i for i, kind in enumerate(secret) if kind]
    if not hidden:
        return True
    mass = sum(values[i] for i in hidden)
    bounds = {i: (1, PRIMARY_MAX) if secret[i] == "primary" else (THRESHOLD, None) for i in hidden}
    for i in hidden:
        if secret[i] != "primary":
            continue
        others = [bounds[j] for j in hidden if j != i]
        others_min = sum(lo for lo, _hi in others)
        others_max = None if any(hi is None for _lo, hi in others) else sum(hi for _lo, hi in others)
        low = 1 if others_max is None else max(1, mass - others_max)
        high = min(PRIMARY_MAX, mass - others_min)
        if (low, high) != (1, PRIMARY_MAX):
            return False
    return True


def protect_rate(numerator: int, denominator: int) -> float | None:
    """The rate in percent, or None when it would reveal a count under 5 (rule 4)."""
    if denominator < THRESHOLD or is_primary(numerator) or is_primary(denominator - numerator):
        return None
    return round(100 * numerator / denominator, 1)


def percentile(histogram: list[tuple[int, int]], fraction: float) -> int | None:
    """The ``fraction`` percentile (0.5 median, 0.9) of a histogram ``[(value, count), …]``: the smallest value
    whose cumulative count reaches ``fraction`` of the total. None under 5 observations (rule 4)."""
    total = sum(count for _value, count in histogram)
    if total < THRESHOLD:
        return None
    needed, seen = fraction * total, 0
    for value, count in sorted(histogram):
        seen += count
        if seen >= needed:
            return value
    return None


def protect_measure(lines: dict[str, list[int]]) -> tuple[dict[str, list[Cell]], Cell]:
    """Protect several breakdowns of one measure (by procedure, by channel, by month…): they share one total,
    shown in each, so it is shown only if every breakdown can be protected with it; otherwise it is hidden in
    all of them (and each breakdown protected without a total)."""
    public = {key: protect_line(values, total_public=True) for key, values in lines.items()}
    if public and all(ok for _cells, _total, ok in public.values()):
        return {key: cells for key, (cells, _total, _ok) in public.items()}, next(iter(public.values()))[1]
    hidden = {key: protect_line(values)[0] for key, values in lines.items()}
    total = sum(next(iter(lines.values()), []))
    return hidden, Cell(0) if total == 0 else Cell(None, "primary" if is_primary(total) else "secondary")


def protect_map(
    communes: list[int], groups: list[list[int]], *, total_public: bool
) -> tuple[list[Cell], list[Cell], bool]:
    """Protect a two-level territory breakdown: ``communes`` (every cell, the unknown commune included, adding
    up to the measure's total) and ``groups`` (the indexes of the communes of each EPCI; an EPCI's figure is
    the total of its communes). Iterates until stable: an EPCI shown must protect its communes as a total does,
    else the EPCI is hidden; both lines must protect the measure's total when ``total_public``. Returns the
    commune cells, the EPCI cells, and whether the measure's total can still be shown."""
    hidden_c: set[int] = set()
    hidden_e: set[int] = set()
    group_values = [sum(communes[i] for i in group) for group in groups]
    while True:
        before = (len(hidden_c), len(hidden_e), total_public)
        commune_cells, _total, ok_c = protect_line(communes, total_public=total_public, forced=frozenset(hidden_c))
        epci_cells, _total, ok_e = protect_line(group_values, total_public=total_public, forced=frozenset(hidden_e))
        if total_public and not (ok_c and ok_e):
            total_public = False
            continue
        hidden_c |= {i for i, cell in enumerate(commune_cells) if cell.is_secret}
        hidden_e |= {i for i, cell in enumerate(epci_cells) if cell.is_secret}
        for g, group in enumerate(groups):
            if g in hidden_e:
                continue
            forced = frozenset(k for k, i in enumerate(group) if i in hidden_c)
            cells, _total, ok = protect_line([communes[i] for i in group], total_public=True, forced=forced)
            if not ok:
                hidden_e.add(g)
            hidden_c |= {group[k] for k, cell in enumerate(cells) if cell.is_secret}
        if (len(hidden_c), len(hidden_e), total_public) == before:
            return commune_cells, epci_cells, total_public
