import datetime

import pytest
from django.core.exceptions import PermissionDenied

from grc import merge_registry, nir
from grc.merge_registry import MergeHandler
from grc.models import (
    Address,
    Citizen,
    CitizenMerge,
    ContactPoint,
    DuplicateSuspicion,
    Household,
    HouseholdMembership,
    Membership,
)
from grc.services.merge import (
    MergeCitizensAction,
    MergeError,
    UndoMergeAction,
    citizen_merge,
    merge_preview,
    merge_undo,
)
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_nir(first13: str) -> str:
    return f"{first13}{nir.key(first13):02d}"


@pytest.fixture
def manager():
    return MembershipFactory(role=Membership.Role.TEAM_MANAGER).user


def attachments(citizen):
    """What hangs off a citizen, as comparable sets of ids."""
    return {
        "addresses": set(Address.objects.filter(citizen=citizen).values_list("pk", flat=True)),
        "contacts": set(ContactPoint.objects.filter(citizen=citizen).values_list("pk", flat=True)),
        "households": set(HouseholdMembership.objects.filter(citizen=citizen).values_list("pk", flat=True)),
        "user": Citizen.objects.get(pk=citizen.pk).user_id,
        "redirects": set(Citizen.objects.filter(merged_into=citizen).values_list("pk", flat=True)),
    }


@pytest.fixture
def pair(manager):
    """A loser with addresses, contacts, a household, a portal account and an older merged record."""
    source = CitizenFactory(birth_name="Le Goff", first_names="Anne-Marie", birth_date=datetime.date(1980, 3, 2))
    target = CitizenFactory(birth_name="LEGOFF", first_names="Anne", birth_date=datetime.date(1980, 2, 3))
    AddressFactory.create_batch(2, citizen=source)
    AddressFactory(citizen=target)
    ContactPoint.objects.create(citizen=source, kind=ContactPoint.Kind.EMAIL, value="anne@example.org")
    household = Household.objects.create(label="Foyer Le Goff")
    HouseholdMembership.objects.create(household=household, citizen=source, role=HouseholdMembership.Role.DECLARANT)
    source.user = UserFactory(citizen_account=True)
    source.save()
    older = CitizenFactory(birth_name="Le Gof", first_names="Anne")
    citizen_merge(source=older, target=source, actor=manager, reason="doublon saisi au guichet")
    source.refresh_from_db()
    return source, target, older


def test_merge_moves_everything_to_the_survivor(pair, manager):
    source, target, older = pair
    before_source, before_target = attachments(source), attachments(target)

    merge = citizen_merge(
        source=source,
        target=target,
        actor=manager,
        reason="même personne (acte de naissance)",
        field_choices={"first_names": "source", "birth_date": "source"},
    )

    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.status, source.merged_into_id) == (Citizen.Status.MERGED, target.pk)
    assert target.status == Citizen.Status.ACTIVE
    assert (target.first_names, target.birth_date) == ("Anne-Marie", datetime.date(1980, 3, 2))
    assert target.norm_first_names == "ANNE MARIE"
    assert target.birth_name == "LEGOFF"  # not chosen: the survivor keeps its own
    after = attachments(target)
    assert after["addresses"] == before_source["addresses"] | before_target["addresses"]
    assert after["contacts"] == before_source["contacts"]
    assert after["households"] == before_source["households"]
    assert after["user"] == before_source["user"]
    assert after["redirects"] == {older.pk, source.pk}
    assert attachments(source) == {"addresses": set(), "contacts": set(), "households": set(), "user": None,
                                   "redirects": set()}  # fmt: skip
    assert merge.moves["addresses"] == sorted(before_source["addresses"])
    assert merge.moves["portal_account"] == {"user_id": before_source["user"]}
    assert merge.moves["merged_records"] == [older.pk]
    assert merge.target_before["birth_date"] == "1980-02-03"
    assert merge.target_before["first_names"] == "Anne"


def test_undo_gives_everything_back(pair, manager):
    source, target, older = pair
    before_source, before_target = attachments(source), attachments(target)
    identity_before = {f: getattr(target, f) for f in ("first_names", "birth_date", "norm_first_names", "search_name")}
    merge = citizen_merge(
        source=source, target=target, actor=manager, reason="doublon", field_choices={"first_names": "source"}
    )
    undoer = MembershipFactory(role=Membership.Role.FUNCTIONAL_ADMIN).user

    merge_undo(merge=merge, actor=undoer, reason="pas la même personne (jumelles)")

    source.refresh_from_db()
    target.refresh_from_db()
    merge.refresh_from_db()
    assert (source.status, source.merged_into_id) == (Citizen.Status.ACTIVE, None)
    assert attachments(source) == before_source
    assert attachments(target) == before_target
    assert {f: getattr(target, f) for f in identity_before} == identity_before
    assert (merge.undone_by, merge.undo_reason) == (undoer, "pas la même personne (jumelles)")
    assert merge.undone_at is not None
    assert Citizen.objects.get(pk=older.pk).merged_into_id == source.pk


def test_history_records_who_merged_and_who_undid(pair, manager):
    source, target, _ = pair
    address = source.addresses.first()
    merge = citizen_merge(source=source, target=target, actor=manager, reason="doublon")
    undoer = MembershipFactory(role=Membership.Role.TEAM_MANAGER).user
    merge_undo(merge=merge, actor=undoer, reason="erreur")

    merged = source.history.filter(status="merged", merged_into=target).earliest()
    reactivated = source.history.latest()
    assert merged.history_user == manager
    assert "doublon" in merged.history_change_reason
    assert (reactivated.status, reactivated.history_user) == ("active", undoer)
    assert "erreur" in reactivated.history_change_reason
    moved = address.history.order_by("history_id")
    assert [(h.citizen_id, h.history_user) for h in moved][-2:] == [(target.pk, manager), (source.pk, undoer)]
    assert target.history.filter(history_user=manager).exists()
    assert target.history.filter(history_user=undoer).exists()


def test_survivor_takes_the_losers_nir_and_undo_returns_it():
    actor = MembershipFactory(role=Membership.Role.FUNCTIONAL_ADMIN).user
    source_nir, target_nir = make_nir("2800335238123"), make_nir("2800335238999")
    source = CitizenFactory(nir=source_nir)
    target = CitizenFactory(nir=target_nir)

    merge = citizen_merge(source=source, target=target, actor=actor, reason="doublon", field_choices={"nir": "source"})
    target.refresh_from_db()
    assert target.nir == source_nir

    merge_undo(merge=merge, actor=actor, reason="erreur")
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.nir, source.status, target.nir) == (source_nir, "active", target_nir)


def test_undo_keeps_a_correction_made_after_the_merge(manager):
    source = CitizenFactory(first_names="Jean")
    target = CitizenFactory(first_names="Jan", birth_place="Vitré")
    merge = citizen_merge(
        source=source,
        target=target,
        actor=manager,
        reason="doublon",
        field_choices={"first_names": "source", "birth_place": "source"},
    )
    target.refresh_from_db()
    target.first_names = "Jean-Paul"  # corrected since, on the surviving record
    target.save()

    merge_undo(merge=merge, actor=manager, reason="erreur")
    target.refresh_from_db()
    assert (target.first_names, target.birth_place) == ("Jean-Paul", "Vitré")


def test_suspicion_is_decided_by_the_merge_and_reopened_by_undo(manager):
    source, target = CitizenFactory(), CitizenFactory()
    low, high = sorted((source, target), key=lambda c: c.pk)
    suspicion = DuplicateSuspicion.objects.create(citizen_a=low, citizen_b=high, score=0.93)

    merge = citizen_merge(source=source, target=target, actor=manager, reason="doublon", suspicion=suspicion)
    suspicion.refresh_from_db()
    assert (suspicion.status, suspicion.decided_by, merge.suspicion) == ("merged", manager, suspicion)
    assert suspicion.decided_at is not None

    merge_undo(merge=merge, actor=manager, reason="homonymes")
    suspicion.refresh_from_db()
    assert (suspicion.status, suspicion.decided_by, suspicion.decided_at) == ("open", None, None)
    assert "homonymes" in suspicion.decision_note
    assert suspicion.history.latest().history_user == manager


def test_open_suspicion_of_the_pair_is_closed_even_when_not_given(manager):
    source, target = CitizenFactory(), CitizenFactory()
    low, high = sorted((source, target), key=lambda c: c.pk)
    suspicion = DuplicateSuspicion.objects.create(citizen_a=low, citizen_b=high, score=0.8)
    other = DuplicateSuspicion.objects.create(citizen_a=low, citizen_b=CitizenFactory(), score=0.7)

    merge = citizen_merge(source=source, target=target, actor=manager, reason="doublon")

    assert merge.suspicion == suspicion
    assert DuplicateSuspicion.objects.get(pk=suspicion.pk).status == "merged"
    assert DuplicateSuspicion.objects.get(pk=other.pk).status == "open"


def test_social_worker_may_not_merge(staff_user):
    action = MergeCitizensAction(CitizenFactory(), CitizenFactory(), actor=staff_user, reason="doublon")
    with pytest.raises(PermissionDenied):
        action.execute()
    assert not CitizenMerge.objects.exists()


def test_social_worker_may_not_undo(manager, staff_user):
    merge = citizen_merge(source=CitizenFactory(), target=CitizenFactory(), actor=manager, reason="doublon")
    with pytest.raises(PermissionDenied):
        UndoMergeAction(merge, actor=staff_user, reason="erreur").check()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("same", "elle-même"),
        ("source_merged", "déjà été fusionnée"),
        ("target_merged", "fiche à conserver"),
        ("no_reason", "motif"),
        ("two_accounts", "comptes du portail différents"),
        ("unknown_field", "Champ d'identité inconnu : password"),
        ("bad_choice", "« source » ou « target »"),
        ("foreign_suspicion", "ne concerne pas"),
    ],
)
def test_merge_refusals_say_why_in_french(case, message, manager):
    source, target = CitizenFactory(), CitizenFactory()
    kwargs = {"actor": manager, "reason": "doublon"}
    if case == "same":
        target = source
    elif case in {"source_merged", "target_merged"}:
        citizen_merge(source=source if case == "source_merged" else target, target=CitizenFactory(), **kwargs)
        source.refresh_from_db()
        target.refresh_from_db()
    elif case == "no_reason":
        kwargs["reason"] = "   "
    elif case == "two_accounts":
        source.user, target.user = UserFactory(citizen_account=True), UserFactory(citizen_account=True)
        source.save()
        target.save()
    elif case == "unknown_field":
        kwargs["field_choices"] = {"password": "source"}
    elif case == "bad_choice":
        kwargs["field_choices"] = {"birth_name": "both"}
    elif case == "foreign_suspicion":
        low, high = sorted((source, CitizenFactory()), key=lambda c: c.pk)
        kwargs["suspicion"] = DuplicateSuspicion.objects.create(citizen_a=low, citizen_b=high, score=0.9)
    merges = CitizenMerge.objects.count()

    with pytest.raises(MergeError) as error:
        citizen_merge(source=source, target=target, **kwargs)

    assert message in " ".join(error.value.messages)
    assert CitizenMerge.objects.count() == merges


def test_undo_refused_twice(manager):
    merge = citizen_merge(source=CitizenFactory(), target=CitizenFactory(), actor=manager, reason="doublon")
    merge_undo(merge=merge, actor=manager, reason="erreur")
    with pytest.raises(MergeError, match="déjà été annulée"):
        merge_undo(merge=merge, actor=manager, reason="encore")


def test_undo_refused_once_the_survivor_was_merged_elsewhere(manager):
    source, target, third = CitizenFactory(), CitizenFactory(), CitizenFactory()
    first = citizen_merge(source=source, target=target, actor=manager, reason="doublon")
    target.refresh_from_db()
    citizen_merge(source=target, target=third, actor=manager, reason="doublon")
    with pytest.raises(MergeError, match="annulez d'abord"):
        merge_undo(merge=first, actor=manager, reason="erreur")


def test_undo_refused_when_the_losers_nir_went_to_someone_else(manager):
    shared = make_nir("1750235238001")
    source = CitizenFactory(nir=shared)
    merge = citizen_merge(source=source, target=CitizenFactory(), actor=manager, reason="doublon")
    CitizenFactory(nir=shared)  # the NIR is free again among active records
    with pytest.raises(MergeError, match="NIR"):
        merge_undo(merge=merge, actor=manager, reason="erreur")
    source.refresh_from_db()
    assert source.status == Citizen.Status.MERGED


def test_undo_requires_a_reason(manager):
    merge = citizen_merge(source=CitizenFactory(), target=CitizenFactory(), actor=manager, reason="doublon")
    with pytest.raises(MergeError) as error:
        merge_undo(merge=merge, actor=manager, reason="")
    assert "reason" in error.value.message_dict


def test_other_apps_plug_their_records_in(manager, monkeypatch):
    calls = []
    probe = MergeHandler(
        name="probe",
        move=lambda *, source, target, actor: calls.append("move") or {"moved": [source.pk]},
        restore=lambda *, source, target, moved, actor: calls.append(("restore", moved)),
    )
    monkeypatch.setitem(merge_registry._handlers, "probe", probe)
    source = CitizenFactory()

    merge = citizen_merge(source=source, target=CitizenFactory(), actor=manager, reason="doublon")
    merge_undo(merge=merge, actor=manager, reason="erreur")

    assert CitizenMerge.objects.get(pk=merge.pk).moves["probe"] == {"moved": [source.pk]}
    assert calls == ["move", ("restore", {"moved": [source.pk]})]


def test_preview_counts_what_would_move(pair):
    source, _, _ = pair
    assert merge_preview(source=source) == {
        "addresses": 2,
        "contact_points": 1,
        "household_memberships": 1,
        "portal_account": 1,
        "merged_records": 1,
    }
