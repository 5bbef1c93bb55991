from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from . import sql


@dataclass
class ChainReport:
    checked: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(*, batch_size: int = 200_000, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Recompute the access-log hash chain in seq order, batch by batch, inside the database."""
    report = ChainReport()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(seq), 0), count(*) FROM {sql.TABLE}")  # noqa: S608
        max_seq, total = cursor.fetchone()
        if total != max_seq:
            report.problems.append((0, f"{max_seq - total} missing row(s) in the sequence"))
        start_seq, start_hash = 0, "0" * 64
        while start_seq < max_seq:
            end_seq = min(start_seq + batch_size, max_seq)
            cursor.execute(sql.VERIFY, {"start_seq": start_seq, "start_hash": start_hash, "end_seq": end_seq})
            report.problems.extend(cursor.fetchall())
            cursor.execute(f"SELECT hash FROM {sql.TABLE} WHERE seq <= %s ORDER BY seq DESC LIMIT 1", [end_seq])  # noqa: S608
            row = cursor.fetchone()
            start_hash = row[0] if row else start_hash
            report.checked += end_seq - start_seq
            if progress:
                progress(end_seq - start_seq)
            start_seq = end_seq
            if len(report.problems) >= 100:
                break
    return report
