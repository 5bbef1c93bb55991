"""Opening hours evaluated with the French public holidays: « PH off » closes a place on every day the `holidays`
package lists for France (it was ignored: the parser knows holidays only when given a country)."""

import datetime

import holidays
from django.utils import timezone

from mednum.horaires import open_now, week

HOURS = "Mo-Su 09:00-17:00; PH off"


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_ph_off_closes_on_every_french_public_holiday_and_only_then():
    for year in (2026, 2027):
        french = holidays.country_holidays("FR", years=year)
        assert len(french) == 11
        for day in french:
            assert open_now(HOURS, now=_at(day)).state == "closed", day
        # The days around them stay open: only the holidays close.
        for day in (min(french) + datetime.timedelta(days=1), datetime.date(year, 7, 13)):
            assert open_now(HOURS, now=_at(day)).state == "open", day


def test_next_opening_and_the_week_skip_christmas_and_name_it():
    christmas_eve = _at(datetime.date(2026, 12, 24), 18)
    text = open_now(HOURS, now=christmas_eve).text
    assert text == "Fermé maintenant, ouvre samedi 26 décembre à 9 h."
    days = {d.date: d.hours for d in week(HOURS, now=christmas_eve)}
    assert days[datetime.date(2026, 12, 25)] == "Fermé — Noël"
    assert days[datetime.date(2026, 12, 24)] == "9 h – 17 h"
    # Without « PH » in the hours, a holiday is an ordinary day (nothing said, nothing closed).
    plain = {d.date: d.hours for d in week("Mo-Su 09:00-17:00", now=christmas_eve)}
    assert plain[datetime.date(2026, 12, 25)] == "9 h – 17 h"
