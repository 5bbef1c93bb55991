"""Working days and due dates of incoming mail.

A mail type's service level (``MailType.service_level_days``) is counted in **working days**: Monday
to Friday, French public holidays (metropolitan France) excluded, from the day the letter was
received. Used by the suggestions (the due date shown before qualifying) and by qualification (the
due date recorded when the agent gives none).
"""

from __future__ import annotations

import datetime


def _easter(year: int) -> datetime.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def public_holidays(year: int) -> set[datetime.date]:
    """French public holidays (metropolitan France)."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    days = {datetime.date(year, m, d) for m, d in fixed}
    days |= {easter + datetime.timedelta(days=n) for n in (1, 39, 50)}  # Monday, Ascension, Whit Monday
    return days


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """``start`` plus ``days`` working days (Monday–Friday, French public holidays excluded)."""
    current = start
    holidays = public_holidays(start.year) | public_holidays(start.year + 1)
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current


def due_date_for(mail_type, received: datetime.date) -> datetime.date:
    """The date a reply to a letter of ``mail_type`` received on ``received`` is due."""
    return add_working_days(received, mail_type.service_level_days)
