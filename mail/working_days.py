"""Working days and due dates of incoming mail.

A mail type's service level (``MailType.service_level_days``) is counted in **working days**: Monday
to Friday, French public holidays excluded (metropolitan France, from the ``holidays`` package: New
Year, Easter Monday, 1 and 8 May, Ascension, Whit Monday, 14 July, 15 August, 1 and 11 November,
Christmas), from the day the letter was received. Used by the suggestions (the due date shown before
qualifying) and by qualification (the due date recorded when the agent gives none).
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[datetime.date]:
    """French public holidays of ``year`` (metropolitan France)."""
    return frozenset(holidays.country_holidays("FR", years=year))


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """``start`` plus ``days`` working days (Monday–Friday, French public holidays excluded)."""
    current = start
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5 and current not in public_holidays(current.year):
            remaining -= 1
    return current


def due_date_for(mail_type, received: datetime.date) -> datetime.date:
    """The date a reply to a letter of ``mail_type`` received on ``received`` is due."""
    return add_working_days(received, mail_type.service_level_days)
