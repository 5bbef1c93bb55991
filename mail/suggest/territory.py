"""Which team of a programme a letter goes to: the CDAS sector of the citizen's commune, else of the sender's.

Within a programme (``MailType.programme``, a ``Team.Kind``), the team is the one of that kind at the
CDAS serving the commune (``grc.selectors.territory.sector_team``, from the commune → CDAS table the
functional admin keeps). The commune is the identified citizen's (current address: its INSEE code,
else its postcode and city), else the one of the postcode written at the top of the letter.
A programme with no team at the CDAS (transport, subsidies, mediation) is Département-wide: its one
active team, else the type's default team.
"""

from __future__ import annotations

from dataclasses import dataclass

from grc.models import Address, Team
from grc.selectors.territory import commune_for_postcode, commune_get, sector_team

# A citizen identified at least this surely gives the commune; below, the sender's postcode does.
CITIZEN_MIN_SCORE = 0.9


@dataclass(frozen=True)
class Place:
    commune: object  # grc.Commune
    source: str  # "citizen" or "sender"


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


class ProgrammeTeams:
    """The team of each programme for one letter (one lookup per programme, cached for the letter)."""

    def __init__(self, place: Place | None):
        self.place = place
        self._cache: dict[str, tuple[Team | None, str]] = {}
        self._national: dict[str, list[Team]] | None = None

    def _single_teams(self) -> dict[str, list[Team]]:
        if self._national is None:
            rows: dict[str, list[Team]] = {}
            for team in Team.objects.filter(is_active=True).only("pk", "name", "kind", "site_id"):
                rows.setdefault(team.kind, []).append(team)
            self._national = rows
        return self._national

    def team_for(self, mail_type) -> tuple[Team | None, str]:
        """(team, reason) for a letter of ``mail_type``; (None, "") when nothing says which team."""
        programme = mail_type.programme
        if not programme:
            return self._default(mail_type)
        if programme not in self._cache:
            self._cache[programme] = self._lookup(programme) or self._default(mail_type)
        return self._cache[programme]

    def _lookup(self, programme: str) -> tuple[Team, str] | None:
        if self.place is not None:
            team = sector_team(commune=self.place.commune, kind=programme)
            if team is not None and team.is_active:
                whose = "de l'usager" if self.place.source == "citizen" else "de l'expéditeur"
                return team, f"Secteur de la commune {whose} ({self.place.commune.name})"
        teams = self._single_teams().get(programme, [])
        if len(teams) == 1:
            return teams[0], f"Équipe départementale du programme « {teams[0].get_kind_display()} »"
        return None

    @staticmethod
    def _default(mail_type) -> tuple[Team | None, str]:
        team = mail_type.default_team
        if team is not None and team.is_active:
            return team, f"Équipe par défaut du type « {mail_type.name} »"
        return None, ""
