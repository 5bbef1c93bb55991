"""Which team of a programme a letter goes to: the CDAS sector of the citizen's commune, else of the sender's.

Within a programme (``MailType.programme``, a ``Team.Kind``), the team is the one of that kind at the
CDAS serving the commune (``grc.selectors.territory.sector_team``'s rule, from the commune → CDAS table the
functional admin keeps). The commune is the candidate citizens' (current address) when the first is
surely identified or the near ones agree on one sector, else the one a candidate shares with the letter's
own postcode (``letter_place``). A postcode at the top of the letter that no candidate confirms gives its
sector's team as a hint only: it may be a professional sender's, not the person's.
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

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from grc.models import Address, Commune, Team
from grc.selectors.territory import commune_for_postcode

# A citizen identified at least this surely gives the commune whatever the other candidates say.
CITIZEN_MIN_SCORE = 0.9
# Below it, the candidates within NEAR_GAP of the first one are "near": when they all live in one CDAS
# sector, the letter goes to it (the right person or a near one, the same team). Calibrated on the
# development sets 1 and 2 and the training corpus: the scores come in steps (0.825 a name without a
# birth date, 0.7 a homonym born another year, 0.575 a partial name); 0.05 groups the ties and a
# candidate the letter's places or ages set ahead (``citizens.TIE_BONUS``) stands alone.
NEAR_GAP = 0.05
# Under this the first candidate shares little more than a common name with the letter: its commune
# counts only when the letter's own address agrees with it.
CITIZEN_FLOOR = 0.6


@dataclass(frozen=True)
class Place:
    """The commune a letter is routed by, where it comes from, and whether it may preselect a team.

    ``firm`` is false for a postcode read at the top of the letter that no candidate's address confirms:
    it may be a professional sender's (a school, a hospital, a lawyer), not the person's, so its
    sector is shown as a hint, never preselected.
    """

    commune: object  # grc.Commune
    source: str  # "citizen", "citizen+letter" or "sender"
    firm: bool = True


@dataclass(frozen=True)
class TeamChoice:
    """The team a letter of one type goes to, why, and whether it is only a fallback (never preselected)."""

    team: Team | None
    reason: str
    fallback: bool = False


NO_TEAM = TeamChoice(None, "")


def candidate_communes(citizen_ids) -> dict:
    """The commune of each citizen's current address (INSEE code, else postcode and city).

    One query: the commune's name and CDAS come with the address rows (a subquery on the INSEE code), as an
    unsaved ``Commune`` holding only what routing reads (code, name, cdas_id). ``suggest`` runs for every
    letter the worker recognises: each query counts in its p95 on a busy database.
    """
    commune = Commune.objects.filter(code=OuterRef("insee_code"))
    rows = (
        Address.objects.filter(citizen_id__in=list(citizen_ids), end_date__isnull=True)
        .order_by("citizen_id", "-start_date", "-id")
        .annotate(
            commune_name=Subquery(commune.values("name")[:1]), commune_cdas=Subquery(commune.values("cdas_id")[:1])
        )
        .values_list("citizen_id", "postcode", "city", "insee_code", "commune_name", "commune_cdas")
    )
    communes: dict = {}
    for citizen_id, postcode, city, code, name, cdas_id in rows:
        if citizen_id in communes:
            continue
        if name is not None:
            communes[citizen_id] = Commune(code=code, name=name, cdas_id=cdas_id)
        elif postcode and (found := commune_for_postcode(postcode=postcode, city=city)) is not None:
            communes[citizen_id] = found
        else:
            # No commune known for the current address: an older one says nothing of today's sector.
            communes[citizen_id] = None
    return {citizen_id: commune for citizen_id, commune in communes.items() if commune is not None}


def written_commune(*, postcode: str, city: str, memo: dict | None = None):
    """The commune of a postcode written in the letter (``commune_for_postcode``), read once per letter."""
    if not postcode:
        return None
    memo = {} if memo is None else memo
    key = ("written", postcode, city)
    if key not in memo:
        memo[key] = commune_for_postcode(postcode=postcode, city=city)
    return memo[key]


def letter_place(*, citizens: list[dict], postcode: str, city: str, communes: dict | None = None) -> Place | None:
    """The commune the letter is routed by (see ``Place``), or ``None`` when nothing says where.

    1. the first candidate's, when surely identified (``CITIZEN_MIN_SCORE``) or when every candidate near
       it (``NEAR_GAP``) lives in the same CDAS sector; 2. when they do not agree, the one whose sector the
       letter's own postcode gives; 3. the letter's postcode alone: a hint (``firm=False``).
    """
    if communes is None:
        communes = candidate_communes([c["id"] for c in citizens[:5]])
    written = written_commune(postcode=postcode, city=city, memo=communes)
    written_site = written.cdas_id if written is not None else None
    if citizens:
        top = citizens[0]
        near = [c for c in citizens if c["score"] >= top["score"] - NEAR_GAP]
        sites = {communes[c["id"]].cdas_id if c["id"] in communes else None for c in near}
        commune = communes.get(top["id"])
        sure = top["score"] >= CITIZEN_MIN_SCORE
        if commune is not None and (sure or (top["score"] >= CITIZEN_FLOOR and len(sites) == 1 and None not in sites)):
            return Place(commune, "citizen+letter" if written_site == commune.cdas_id else "citizen")
        if written_site is not None:
            # The letter's address agrees with a candidate's sector: that candidate's commune, confirmed.
            placed = [communes[c["id"]] for c in near if c["id"] in communes]
            agreeing = next((commune for commune in placed if commune.cdas_id == written_site), None)
            if agreeing is not None:
                return Place(agreeing, "citizen+letter")
    if written is not None:
        return Place(written, "sender", firm=False)
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
        # ``grc.selectors.territory.sector_team``'s rule (the first active team of the kind at the commune's
        # CDAS) on the teams already read for the letter: no query per likely type.
        site_id = place.commune.cdas_id
        team = next((t for t in teams_by_kind.get(programme, []) if site_id and t.site_id == site_id), None)
        if team is not None:
            if place.source == "sender":
                # A postcode no candidate confirms may be a professional sender's: a hint only.
                reason = _("Secteur du code postal de l'en-tête (%(name)s), peut-être l'expéditeur : à vérifier")
                return TeamChoice(team, reason % {"name": place.commune.name}, fallback=not place.firm)
            if place.source == "citizen+letter":
                reason = _("Secteur de la commune de l'usager (%(name)s), confirmée par l'adresse du courrier")
            else:
                reason = _("Secteur de la commune de l'usager (%(name)s)")
            return TeamChoice(team, reason % {"name": place.commune.name})
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
