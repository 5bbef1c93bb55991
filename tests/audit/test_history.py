"""Change history as readable diffs for the DPO, per object and per user, including merges."""

import datetime

import pytest
from django.urls import reverse

from dossier_unique import services as dsu
from dossier_unique.models import Note
from dpo.history import encode_cursor, history_models
from dpo.selectors import object_history, user_history
from grc.audit.models import AccessLog
from grc.history import save_tracked
from grc.models import Address, Citizen, ContactPoint, Membership
from grc.services.citizens import citizen_update
from grc.services.merge import citizen_merge
from tests.dossier_unique.factories import pdf_upload
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return MembershipFactory(role=Membership.Role.TEAM_MANAGER).user


def test_every_model_with_history_is_covered():
    labels = {m._meta.label_lower for m in history_models()}
    assert {"grc.citizen", "grc.citizenmerge", "grc.membership", "dossier_unique.note", "audit.alert"} <= labels


def test_object_diff_shows_field_before_after_who_and_why(dpo, worker_a):
    citizen = CitizenFactory(birth_name="Martin", birth_place="Rennes")
    citizen_update(citizen=citizen, actor=worker_a, reason="erreur de saisie", birth_place="Vitré")
    entries = object_history(user=dpo, model_label="grc.citizen", pk=citizen.pk)
    change = entries[0]
    assert change.user_id == worker_a.pk and change.reason == "erreur de saisie"
    assert [(c.field, c.before, c.after) for c in change.changes] == [("lieu de naissance", "Rennes", "Vitré")]


def test_note_text_shows_modified_not_the_content(dpo, worker_a, followed):
    file, accompaniment = followed
    note = dsu.note_write(
        file=file, author=worker_a, kind=Note.Kind.values[0], visibility="file", text="Contenu confidentiel"
    )
    entries = object_history(user=dpo, model_label="dossier_unique.note", pk=note.pk)
    rendered = repr(entries)
    assert "Contenu confidentiel" not in rendered
    texte = [c for c in entries[-1].changes if c.field == "texte"]
    assert texte and texte[0].after == "renseigné"


def test_citizen_history_includes_its_merges_and_the_merged_records_history(dpo, manager, worker_a):
    source = CitizenFactory(birth_name="Le Goff", birth_date=datetime.date(1980, 3, 2))
    target = CitizenFactory(birth_name="Legoff", birth_date=datetime.date(1980, 3, 2))
    citizen_update(citizen=source, actor=worker_a, reason="adresse", birth_place="Redon")
    citizen_merge(source=source, target=target, actor=manager, reason="doublon saisi au guichet")
    entries = object_history(user=dpo, model_label="grc.citizen", pk=target.pk)
    kinds = [e.kind for e in entries]
    assert "fusion" in kinds
    merge = next(e for e in entries if e.kind == "fusion")
    assert merge.user_id == manager.pk
    assert "doublon" not in repr(merge)  # the reason is free text: shown as "motif renseigné"
    merged = [e for e in entries if e.object_repr.startswith("Fiche fusionnée")]
    assert any(c.after == "Redon" for e in merged for c in e.changes)


def test_per_user_history_is_paginated_across_models(dpo, worker_a):
    citizens = [CitizenFactory() for _ in range(5)]
    for i, citizen in enumerate(citizens):
        citizen_update(citizen=citizen, actor=worker_a, reason=f"correction {i}", birth_place=f"Lieu {i}")
    page1, cursor = user_history(user=dpo, subject_id=worker_a.pk, page_size=3)
    assert len(page1) == 3 and cursor is not None
    page2, cursor2 = user_history(user=dpo, subject_id=worker_a.pk, after=cursor, page_size=3)
    assert len(page2) == 2 and cursor2 is None
    assert [e.reason for e in page1 + page2] == [f"correction {i}" for i in range(4, -1, -1)]


def test_history_pages_are_logged_and_dpo_only(dpo_client, dpo, client, worker_a):
    citizen = CitizenFactory()
    url = reverse("backoffice:dpo_history_object", args=["grc.citizen", citizen.pk])
    assert dpo_client.get(url).status_code == 200
    assert AccessLog.objects.filter(
        actor=dpo, action=AccessLog.Action.DPO_HISTORY_VIEW, citizen_id=citizen.pk
    ).exists()
    response = dpo_client.get(reverse("backoffice:dpo_history_user", args=[worker_a.pk]))
    assert response.status_code == 200
    assert dpo_client.get(reverse("backoffice:dpo_history_object", args=["grc.inconnu", 1])).status_code == 404
    response = dpo_client.get(reverse("backoffice:dpo_history"), {"modele": "grc.citizen", "numero": citizen.pk})
    assert response.status_code == 302
    response = dpo_client.get(reverse("backoffice:dpo_history"), {"modele": "grc.citizen", "numero": "abc"})
    assert "Choisissez un type d&#x27;objet" in response.content.decode()
    assert Citizen.objects.count() == 1


def test_changes_sharing_a_date_across_a_page_break_are_all_shown_once(dpo_client, dpo, worker_a):
    citizens = [CitizenFactory() for _ in range(3)]
    for citizen in citizens:
        citizen_update(citizen=citizen, actor=worker_a, reason="correction", birth_place="Fougères")
        AddressFactory(citizen=citizen)
    address_ids = list(Address.objects.values_list("pk", flat=True))
    for address in Address.objects.all():
        save_tracked(address, worker_a, "nouvelle adresse", update_fields=["city"])
    # One instant for every change of the agent (a save touching several records, a bulk import…).
    same = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    Citizen.history.filter(history_user=worker_a).update(history_date=same)
    Address.history.filter(history_user=worker_a).update(history_date=same)
    expected = Citizen.history.filter(history_user=worker_a).count() + len(address_ids)
    seen, cursor = [], None
    url = reverse("backoffice:dpo_history_user", args=[worker_a.pk])
    for _ in range(10):
        entries, cursor = user_history(user=dpo, subject_id=worker_a.pk, after=cursor, page_size=2)
        seen += [(e.model_label, e.object_id, e.reason) for e in entries]
        if cursor is None:
            break
    assert len(seen) == expected == 6
    assert len(set(seen)) == 6
    # Through the page: the "older" link carries the cursor and the next page starts after it.
    first = dpo_client.get(url)
    assert first.status_code == 200 and first.context["next_cursor"] is None  # 6 entries fit on one page
    page1, cursor = user_history(user=dpo, subject_id=worker_a.pk, page_size=4)
    response = dpo_client.get(url, {"avant": encode_cursor(cursor)})
    assert len(response.context["entries"]) == 2


def test_history_of_a_record_belonging_to_a_citizen_is_logged_against_that_citizen(dpo_client, dpo, worker_a):
    citizen = CitizenFactory()
    address = AddressFactory(citizen=citizen, line1="3 rue des Glénan")
    contact = ContactPoint.objects.create(citizen=citizen, kind="email", value="x@example.org")
    for label, pk in (("grc.address", address.pk), ("grc.contactpoint", contact.pk)):
        response = dpo_client.get(reverse("backoffice:dpo_history_object", args=[label, pk]))
        assert response.status_code == 200
        row = AccessLog.objects.filter(actor=dpo, action=AccessLog.Action.DPO_HISTORY_VIEW).latest("seq")
        assert (row.citizen_id, row.purpose) == (citizen.pk, f"{label}:{pk}")
    # So the DPO's reading appears among the citizen's readers.
    readers = dpo_client.get(reverse("backoffice:dpo_citizen_readers", args=[citizen.pk])).context["readers"]
    assert {r["actor_id"] for r in readers} == {dpo.pk}


def test_history_of_a_file_document_is_logged_against_its_citizen(dpo_client, dpo, worker_a, followed):
    file, accompaniment = followed
    document = dsu.document_add(file=file, upload=pdf_upload(), actor=worker_a, doc_type="ressources")
    dpo_client.get(reverse("backoffice:dpo_history_object", args=["dossier_unique.document", document.pk]))
    row = AccessLog.objects.filter(actor=dpo, action=AccessLog.Action.DPO_HISTORY_VIEW).get()
    assert row.citizen_id == file.citizen_id
    # Staff records belong to nobody: logged once, without a citizen.
    dpo_client.get(reverse("backoffice:dpo_history_object", args=["grc.membership", Membership.objects.first().pk]))
    row = AccessLog.objects.filter(actor=dpo, action=AccessLog.Action.DPO_HISTORY_VIEW).latest("seq")
    assert row.citizen_id is None


def test_document_rename_shows_modified_never_the_names_or_tags(dpo_client, dpo, worker_a, followed):
    file, accompaniment = followed
    document = dsu.document_add(
        file=file,
        upload=pdf_upload(name="bilan-psychiatrique.pdf"),
        actor=worker_a,
        doc_type="ressources",
        tags="addiction",
    )
    document.original_name = "rapport-violences.pdf"
    document.tags = "violences, signalement"
    save_tracked(document, worker_a, "renommage")
    entries = object_history(user=dpo, model_label="dossier_unique.document", pk=document.pk)
    rename = entries[0]
    changed = {c.field: (c.before, c.after) for c in rename.changes}
    assert changed["nom d'origine"] == ("", "modifié")
    assert changed["étiquettes"] == ("", "modifié")
    creation = entries[-1]
    assert {c.field: c.after for c in creation.changes}["nom d'origine"] == "renseigné"
    body = dpo_client.get(
        reverse("backoffice:dpo_history_object", args=["dossier_unique.document", document.pk])
    ).content.decode()
    for secret in ("bilan-psychiatrique", "rapport-violences", "addiction", "violences", "signalement"):
        assert secret not in body and secret not in repr(entries)
    assert "modifié" in body


def test_per_user_history_page_is_logged_against_each_citizen_whose_data_it_showed(dpo_client, dpo, worker_a):
    citizen = CitizenFactory()
    citizen_update(citizen=citizen, actor=worker_a, reason="correction", birth_place="Dinan")
    address = AddressFactory(citizen=CitizenFactory())
    save_tracked(address, worker_a, "nouvelle adresse", update_fields=["city"])
    dpo_client.get(reverse("backoffice:dpo_history_user", args=[worker_a.pk]))
    rows = AccessLog.objects.filter(actor=dpo, action=AccessLog.Action.DPO_HISTORY_VIEW)
    assert sorted(rows.values_list("citizen_id", flat=True)) == sorted([citizen.pk, address.citizen_id])
    assert set(rows.values_list("purpose", flat=True)) == {f"user:{worker_a.pk}"}
    # So the DPO appears among each person's readers.
    for person in (citizen.pk, address.citizen_id):
        readers = dpo_client.get(reverse("backoffice:dpo_citizen_readers", args=[person])).context["readers"]
        assert dpo.pk in {r["actor_id"] for r in readers}


def test_history_of_a_citizens_portal_account_is_logged_against_the_citizen(dpo_client, dpo):
    from tests.factories import UserFactory

    account = UserFactory(citizen_account=True)
    citizen = CitizenFactory(user=account)
    dpo_client.get(reverse("backoffice:dpo_history_object", args=["grc.user", account.pk]))
    row = AccessLog.objects.filter(actor=dpo, action=AccessLog.Action.DPO_HISTORY_VIEW).get()
    assert row.citizen_id == citizen.pk
