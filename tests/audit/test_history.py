"""Change history as readable diffs for the DPO, per object and per user, including merges."""

import datetime

import pytest
from django.urls import reverse

from dossier_unique import services as dsu
from dossier_unique.models import Note
from grc.audit.history import history_models, object_history, user_history
from grc.audit.models import AccessLog
from grc.models import Citizen, Membership
from grc.services.citizens import citizen_update
from grc.services.merge import citizen_merge
from tests.factories import CitizenFactory, MembershipFactory

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
    page2, cursor2 = user_history(user=dpo, subject_id=worker_a.pk, before=cursor, page_size=3)
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
