"""The one writer of timeline entries, and the registry of what may appear on a timeline.

Every app that does something to a citizen (the social file's own services, requests, mail, and the
apps to come) records it here, in the transaction of the write, so the rules are the same for all:
the entry goes on the citizen's timeline whether or not they have a social file yet (it is attached
to the file when there is one), carries no sensitive content in its title (the source keeps that),
copies the visibility of its source, and has the actor in its history.

Apps above this one describe their entries by registering a :class:`TimelineSource` (the model
whose rows an entry may point to, and the kinds it writes) from their ``AppConfig.ready``: the
timeline's readers (the file page, the citizen's own view) ask the registry instead of importing
upward.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grc.history import save_tracked

from .models import SocialFile, TimelineEntry, Visibility


@dataclass(frozen=True)
class TimelineSource:
    """A kind of thing that writes timeline entries: ``model_label`` (``"mail.mailitem"``) and the
    ``kinds`` (``TimelineEntry.Kind`` values) it records."""

    model_label: str
    kinds: frozenset[str] = field(default_factory=frozenset)


_SOURCES: dict[str, TimelineSource] = {}


def register_source(source: TimelineSource) -> None:
    """Declare a source of timeline entries (called from an ``AppConfig.ready``); idempotent."""
    _SOURCES[source.model_label] = source


def registered_sources() -> dict[str, TimelineSource]:
    """The declared sources by model label."""
    return dict(_SOURCES)


_K = TimelineEntry.Kind
# The social file's own sources, registered by ``DossierUniqueConfig.ready`` like any other app's.
# (``merge`` entries have no source: they are about the citizen record, not a row of this app.)
SOCIAL_FILE_SOURCES = (
    TimelineSource(
        "dossier_unique.accompaniment",
        frozenset({_K.ACCOMPANIMENT_OPENED, _K.ACCOMPANIMENT_CLOSED, _K.ACCOMPANIMENT_TRANSFERRED}),
    ),
    TimelineSource("dossier_unique.filemember", frozenset({_K.MEMBER_ADDED, _K.MEMBER_ENDED})),
    TimelineSource("dossier_unique.note", frozenset({_K.NOTE})),
    TimelineSource("dossier_unique.document", frozenset({_K.DOCUMENT_ADDED})),
    TimelineSource("dossier_unique.sharinggrant", frozenset({_K.GRANT_GIVEN, _K.GRANT_REVOKED})),
    TimelineSource("dossier_unique.emergencyaccess", frozenset({_K.EMERGENCY_ACCESS})),
)


def timeline_record(
    *,
    citizen_id: int,
    kind: str,
    title: str,
    actor=None,
    file: SocialFile | None = None,
    visibility: str = Visibility.FILE,
    team=None,
    programme: str = "",
    source=None,
) -> TimelineEntry:
    """Write one entry on ``citizen_id``'s timeline, with its history row, in the caller's transaction.

    ``file`` defaults to the citizen's social file when they have one (no file is ever created
    here). ``team`` is kept only for team-visible entries. ``actor`` may be anonymous (a citizen on
    the portal without an account), in which case the entry has no author. ``source`` is the
    model instance the entry is about; readers follow it to the detail under its own rules.
    """
    if file is None:
        file = SocialFile.objects.filter(citizen_id=citizen_id).only("pk", "citizen_id").first()
    author = actor if getattr(actor, "is_authenticated", False) else None
    entry = TimelineEntry(
        citizen_id=citizen_id,
        file=file,
        kind=kind,
        title=title[:200],
        visibility=visibility,
        team=team if visibility == Visibility.TEAM else None,
        author=author,
        programme=programme,
        source_type=source._meta.label_lower if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
    )
    return save_tracked(entry, author)
