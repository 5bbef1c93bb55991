"""Which team of a programme a letter goes to: the CDAS sector of the citizen's commune, else of the sender's.

Within a programme (``MailType.programme``, a ``Team.Kind``), the team is the one of that kind at the
CDAS serving the commune (``grc.selectors.territory.sector_team``, from the commune → CDAS table the
functional admin keeps). The commune is the identified citizen's (current address: its INSEE code,
else its postcode and city), else the one of the postcode written at the top of the letter.
A programme with one active team (transport, subsidies, mediation) is Département-wide: that team.

One rule, ``programme_team``, says which team a letter of a type goes to from a commune (or none):
the suggestions use it with the commune read from the letter, and the benchmark with the commune the
person really lives in, so its expected team is the product's own rule, not a copy.

When nothing says where the person lives, a programme served by several teams (one per CDAS) falls
back to the type's default team **as a hint only** (``TeamChoice.fallback``): it is never preselected,
since the type's default says nothing of the person's sector (issue 13: it kept the type's confidence
and was preselected wrong on most letters without a commune).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from grc.models import Address, Team
from grc.selectors.territory import commune_for_postcode, commune_get, sector_team

# A citizen identified at least this surely gives the commune; below, the sender's postcode does.
CITIZEN_MIN_SCORE = 0.9


@dataclass(frozen=True)
class Place:
    commune: object  # grc.Commune
    source: str  # "citizen" or "sender"


@dataclass(frozen=True)
class TeamChoice:
    """The team a letter of one type goes to, why, and whether it is only a fallback (never preselected)."""

    team: Team | None
    reason: str
    fallback: bool = False


NO_TEAM = TeamChoice(None, "")


def letter_place(*, citizens: list[dict], postcode: str, city: str) -> Place | None:
    """The commune the letter is routed by: the identified citizen's, else the sender's postcode's."""
    if citizens and citizens[0]["score"] >= CITIZEN_MIN_SCORE:
        address = (
            Address.objects.filter(citizen_id=citizens[0]["id"], end_date__isnull=True)
            .order_by("-start_date", "-id")
            .only("postcode", "city", "insee_code")
            .first()
        )
        if address is not None:
            commune = commune_get(address.insee_code) if address.insee_code else None
            commune = commune or commune_for_postcode(postcode=address.postcode, city=address.city)
            if commune is not None:
                return Place(commune, "citizen")
    if postcode:
        commune = commune_for_postcode(postcode=postcode, city=city)
        if commune is not None:
            return Place(commune, "sender")
    return None


def active_teams_by_kind() -> dict[str, list[Team]]:
    """The active teams of each kind (one query): a kind with one team is Département-wide."""
    rows: dict[str, list[Team]] = {}
    for team in Team.objects.filter(is_active=True).only("pk", "name", "kind", "site_id").order_by("pk"):
        rows.setdefault(team.kind, []).append(team)
    return rows


def programme_team(*, mail_type, place: Place | None, teams_by_kind: dict[str, list[Team]]) -> TeamChoice:
    """The team a letter of ``mail_type`` goes to from ``place`` (the product's one rule, see the module).

    1. the programme's team at the CDAS serving the commune; 2. the programme's only active team
    (Département-wide); 3. the type's default team — a fallback (hint, never preselected) when the
    programme has several teams, since then only the commune says which; 4. no team.
    """
    programme = mail_type.programme
    if programme and place is not None:
        team = sector_team(commune=place.commune, kind=programme)
        if team is not None:
            whose = _("de l'usager") if place.source == "citizen" else _("de l'expéditeur")
            return TeamChoice(
                team, _("Secteur de la commune %(whose)s (%(name)s)") % {"whose": whose, "name": place.commune.name}
            )
    teams = teams_by_kind.get(programme, []) if programme else []
    if len(teams) == 1:
        label = teams[0].get_kind_display()
        return TeamChoice(teams[0], _("Équipe départementale du programme « %(label)s »") % {"label": label})
    team = mail_type.default_team
    if team is None or not team.is_active:
        return NO_TEAM
    if len(teams) > 1:
        unknown = (
            _("commune inconnue")
            if place is None
            else _("pas d'équipe du programme au CDAS de %(name)s") % {"name": place.commune.name}
        )
        reason = _("Équipe par défaut du type « %(type)s », %(why)s : à vérifier") % {
            "type": mail_type.name,
            "why": unknown,
        }
        return TeamChoice(team, reason, fallback=True)
    return TeamChoice(team, _("Équipe par défaut du type « %(type)s »") % {"type": mail_type.name})


class ProgrammeTeams:
    """The team of each type for one letter (``programme_team``, the teams read once for the letter)."""

    def __init__(self, place: Place | None):
        self.place = place
        self._cache: dict[int, TeamChoice] = {}
        self._by_kind: dict[str, list[Team]] | None = None

    def team_for(self, mail_type) -> TeamChoice:
        """The ``TeamChoice`` for a letter of ``mail_type`` (``NO_TEAM`` when nothing says which team)."""
        if mail_type.pk not in self._cache:
            if self._by_kind is None:
                self._by_kind = active_teams_by_kind()
            self._cache[mail_type.pk] = programme_team(
                mail_type=mail_type, place=self.place, teams_by_kind=self._by_kind
            )
        return self._cache[mail_type.pk]
