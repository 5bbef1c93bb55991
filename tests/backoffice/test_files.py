"""The social file in the back office: caseload, file page, its writes, downloads and their 404s."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dossier_unique import services
from dossier_unique.models import Accompaniment, Document, FileMember, Note, Programme, SharingGrant, Visibility
from grc.audit.models import AccessLog
from grc.models import Membership
from tests.dossier_unique.factories import PDF_BYTES, TimelineEntryFactory, in_days, open_file, pdf_upload
from tests.factories import CitizenFactory, MembershipFactory, verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(db):
    return CitizenFactory(birth_name="Lemoine", first_names="Clara")


def login(client, user):
    return verify_otp(client, user)


def file_url(file, name="file_detail", **kwargs):
    return reverse(f"backoffice:{name}", kwargs={"pk": file.pk, **kwargs})


def log_rows(**filters):
    return AccessLog.objects.filter(**filters)


REASON = "Signalement de danger imminent, référente injoignable"


# --- file page --------------------------------------------------------------------------------


def test_team_member_sees_the_file_page(client, followed, colleague_a, citizen):
    file, _accompaniment = followed
    response = login(client, colleague_a).get(file_url(file))
    assert response.status_code == 200
    content = response.content.decode()
    assert citizen.display_name in content
    assert "PMI" in content
    assert "Accompagnement PMI ouvert" in content


def test_file_page_writes_exactly_one_access_log_row(client, followed, worker_a):
    file, _accompaniment = followed
    login(client, worker_a)
    before = AccessLog.objects.count()
    assert client.get(file_url(file)).status_code == 200
    rows = list(AccessLog.objects.order_by("-seq")[: AccessLog.objects.count() - before])
    assert len(rows) == 1
    assert rows[0].action == AccessLog.Action.FILE_VIEW
    assert rows[0].citizen_id == file.citizen_id
    assert rows[0].purpose == "suivi"


def test_colleague_from_another_cdas_gets_404_on_every_file_url(client, followed, worker_a, worker_b):
    file, accompaniment = followed
    member = services.member_add(
        file=file, user=MembershipFactory(team=accompaniment.team).user, role="PE", actor=worker_a
    )
    grant = services.grant_give(
        file=file,
        actor=worker_a,
        grantee_user=MembershipFactory().user,
        purpose="suivi conjoint",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(7),
    )
    note = services.note_write(file=file, author=worker_a, text="Entretien", kind="entretien", visibility="file")
    document = services.document_add(file=file, upload=pdf_upload(), actor=worker_a, doc_type="autre")
    login(client, worker_b)
    gets = [file_url(file), reverse("backoffice:note_detail", args=[note.pk])]
    gets.append(reverse("backoffice:document_download", args=[document.pk]))
    posts = [
        file_url(file, "file_note_write"),
        file_url(file, "file_document_add"),
        file_url(file, "file_member_add"),
        file_url(file, "file_member_end", member_pk=member.pk),
        file_url(file, "file_grant_give"),
        file_url(file, "file_grant_revoke", grant_pk=grant.pk),
        file_url(file, "file_accompaniment_open"),
        file_url(file, "file_accompaniment_close", accompaniment_pk=accompaniment.pk),
        file_url(file, "file_accompaniment_transfer", accompaniment_pk=accompaniment.pk),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"note-text": "x", f"close-{accompaniment.pk}-reason": "x"}).status_code == 404, url
    # Nothing was written.
    assert Note.objects.filter(file=file).count() == 1
    assert FileMember.objects.get(pk=member.pk).end_date is None
    assert SharingGrant.objects.get(pk=grant.pk).revoked_at is None
    assert Accompaniment.objects.get(pk=accompaniment.pk).is_open


@pytest.mark.parametrize("role", [Membership.Role.MAILROOM_AGENT, Membership.Role.DPO])
def test_mailroom_agent_and_dpo_get_404_on_file_pages(client, followed, team_a, role):
    file, _accompaniment = followed
    user = MembershipFactory(team=team_a, role=role).user
    login(client, user)
    assert client.get(file_url(file)).status_code == 404
    assert client.get(reverse("backoffice:caseload")).status_code == 404
    assert client.get(reverse("backoffice:emergency_access", args=[file.citizen_id])).status_code == 404


def test_private_note_is_shown_only_to_its_author(client, followed, worker_a, colleague_a):
    file, _accompaniment = followed
    note = services.note_write(
        file=file, author=worker_a, text="Confidence de la mère", kind="entretien", visibility=Visibility.PRIVATE
    )
    assert "Confidence de la mère" in login(client, worker_a).get(file_url(file)).content.decode()
    client.logout()
    assert "Confidence de la mère" not in login(client, colleague_a).get(file_url(file)).content.decode()
    assert client.get(reverse("backoffice:note_detail", args=[note.pk])).status_code == 404


def test_team_note_is_shown_only_to_its_team(client, followed, worker_a, colleague_a, team_b, worker_b):
    file, accompaniment = followed
    services.grant_give(
        file=file,
        actor=worker_a,
        grantee_team=team_b,
        purpose="relais de la polyvalence",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(7),
    )
    note = services.note_write(
        file=file,
        author=worker_a,
        text="Observation réservée PMI",
        kind="observation",
        visibility=Visibility.TEAM,
        accompaniment=accompaniment,
    )
    page = login(client, colleague_a).get(file_url(file)).content.decode()
    assert "Observation réservée PMI" in page
    client.logout()
    login(client, worker_b)
    response = client.get(file_url(file))
    assert response.status_code == 200  # the grant opens the file…
    assert "Observation réservée PMI" not in response.content.decode()  # …not the team's notes
    assert client.get(reverse("backoffice:note_detail", args=[note.pk])).status_code == 404


def test_note_detail_logs_one_note_view(client, followed, worker_a):
    file, _accompaniment = followed
    note = services.note_write(file=file, author=worker_a, text="Appel du CCAS", kind="appel", visibility="file")
    login(client, worker_a)
    before = AccessLog.objects.count()
    response = client.get(reverse("backoffice:note_detail", args=[note.pk]))
    assert response.status_code == 200
    assert "Appel du CCAS" in response.content.decode()
    assert AccessLog.objects.count() == before + 1
    assert AccessLog.objects.order_by("-seq").first().action == AccessLog.Action.NOTE_VIEW


def test_timeline_filters_by_programme_and_kind(client, followed, worker_a, team_a):
    file, _accompaniment = followed
    services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_a)
    login(client, worker_a)
    page = client.get(file_url(file), {"programme": "rsa"}).content.decode()
    assert "Accompagnement RSA ouvert" in page
    assert "Accompagnement PMI ouvert" not in page
    page = client.get(file_url(file), {"type": "note"}).content.decode()
    assert "Aucun événement ne correspond à ces critères." in page


# Session, user, OTP device, roles, the file (+ its access check and log row), the timeline page and
# count, accompaniments, notes, documents, members, grants, emergency banner, forms' team lists, household.
# The observatory's nav entry reads the memberships already cached for the request: no query of its own;
# +1 on the file page: whether the agent may record a digital-help session there (accueil link).
FILE_PAGE_QUERIES = 22
CASELOAD_QUERIES = 10


def test_file_page_query_count_does_not_grow_with_the_timeline(client, followed, worker_a, django_assert_num_queries):
    file, _accompaniment = followed
    TimelineEntryFactory.create_batch(4, file=file, author=worker_a)
    login(client, worker_a)
    client.get(file_url(file))  # warm caches (content types, permissions)
    with django_assert_num_queries(FILE_PAGE_QUERIES):
        assert client.get(file_url(file)).status_code == 200
    TimelineEntryFactory.create_batch(55, file=file, author=worker_a)
    with django_assert_num_queries(FILE_PAGE_QUERIES):
        response = client.get(file_url(file))
    assert response.content.decode().count('class="history-entry"') == 50  # first page of 60


# --- writes ---------------------------------------------------------------------------------------


def test_note_write_then_redirect(client, followed, worker_a):
    file, accompaniment = followed
    response = login(client, worker_a).post(
        file_url(file, "file_note_write"),
        {
            "note-kind": "visite",
            "note-visibility": "team",
            "note-accompaniment": accompaniment.pk,
            "note-text": "Visite à domicile",
        },
    )
    assert response.status_code == 302
    assert response.url == file_url(file) + "#notes"
    note = Note.objects.get(file=file)
    assert (note.visibility, note.team_id, note.text) == ("team", accompaniment.team_id, "Visite à domicile")


def test_team_note_without_accompaniment_shows_a_french_error(client, followed, worker_a):
    file, _accompaniment = followed
    response = login(client, worker_a).post(
        file_url(file, "file_note_write"),
        {"note-kind": "entretien", "note-visibility": "team", "note-text": "Texte tapé"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "doit être rattachée à un accompagnement" in content
    assert "Texte tapé" in content  # what was typed is kept
    assert not Note.objects.exists()


def test_document_upload_and_download(client, followed, worker_a):
    file, _accompaniment = followed
    login(client, worker_a)
    response = client.post(
        file_url(file, "file_document_add"),
        {"document-upload": pdf_upload("attestation caf.pdf"), "document-doc_type": "ressources"},
    )
    assert response.status_code == 302
    document = Document.objects.get(file=file)
    before = AccessLog.objects.count()
    response = client.get(reverse("backoffice:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "attestation caf.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.order_by("-seq").first()
    assert (row.action, row.object_id) == (AccessLog.Action.DOCUMENT_DOWNLOAD, str(document.pk))


def test_fake_pdf_upload_is_refused_in_french(client, followed, worker_a):
    file, _accompaniment = followed
    response = login(client, worker_a).post(
        file_url(file, "file_document_add"),
        {"document-upload": pdf_upload("faux.pdf", b"MZ\x90\x00 not a pdf"), "document-doc_type": "autre"},
    )
    assert response.status_code == 200
    assert "Ce format de fichier n&#x27;est pas accepté" in response.content.decode()
    assert not Document.objects.exists()


def test_confidential_document_is_hidden_from_a_grantee_outside_the_team(client, followed, worker_a, worker_b):
    file, accompaniment = followed
    document = services.document_add(
        file=file,
        upload=pdf_upload("bilan.pdf"),
        actor=worker_a,
        doc_type="medical",
        accompaniment=accompaniment,
        confidential=True,
    )
    services.grant_give(
        file=file,
        actor=worker_a,
        grantee_user=worker_b,
        purpose="relais",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(7),
    )
    login(client, worker_b)
    page = client.get(file_url(file))
    assert page.status_code == 200
    assert "bilan.pdf" not in page.content.decode()
    assert client.get(reverse("backoffice:document_download", args=[document.pk])).status_code == 404


def test_member_add_and_end(client, followed, worker_a, worker_b):
    file, _accompaniment = followed
    login(client, worker_a)
    response = client.post(file_url(file, "file_member_add"), {"member-email": worker_b.email, "member-role": "CESF"})
    assert response.status_code == 302
    member = FileMember.objects.get(file=file, user=worker_b)
    response = client.post(file_url(file, "file_member_end", member_pk=member.pk))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.end_date is not None


def test_member_add_with_unknown_email_is_a_field_error(client, followed, worker_a):
    file, _accompaniment = followed
    response = login(client, worker_a).post(
        file_url(file, "file_member_add"), {"member-email": "personne@example.org", "member-role": "CESF"}
    )
    assert response.status_code == 200
    assert "Aucun agent du Département n&#x27;a cette adresse" in response.content.decode()
    assert not FileMember.objects.exists()


def test_colleague_who_may_not_manage_grants_gets_404(client, followed, colleague_a, worker_b):
    file, _accompaniment = followed
    response = login(client, colleague_a).post(
        file_url(file, "file_member_add"), {"member-email": worker_b.email, "member-role": "CESF"}
    )
    assert response.status_code == 404


def _grant_data(**overrides):
    data = {
        "grant-purpose": "Coordination avec la polyvalence",
        "grant-legal_basis": SharingGrant.LegalBasis.L121_6_2,
        "grant-family_informed": "1",
        "grant-expires_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
    }
    data.update(overrides)
    return data


def test_grant_gives_access_until_expiry_then_404(client, followed, worker_a, team_b, worker_b):
    file, _accompaniment = followed
    login(client, worker_a)
    response = client.post(file_url(file, "file_grant_give"), _grant_data(**{"grant-grantee_team": team_b.pk}))
    assert response.status_code == 302
    client.logout()
    login(client, worker_b)
    assert client.get(file_url(file)).status_code == 200
    services.expire_grants_and_emergency_accesses(now=timezone.now() + datetime.timedelta(days=30))
    assert client.get(file_url(file)).status_code == 404


def test_grant_without_reason_for_uninformed_family_is_refused(client, followed, worker_a, team_b):
    file, _accompaniment = followed
    response = login(client, worker_a).post(
        file_url(file, "file_grant_give"),
        _grant_data(**{"grant-grantee_team": team_b.pk, "grant-family_informed": "0"}),
    )
    assert response.status_code == 200
    assert "Indiquez pourquoi la famille n&#x27;a pas été informée." in response.content.decode()
    assert not SharingGrant.objects.exists()


def test_grant_revoke(client, followed, worker_a, worker_b):
    file, _accompaniment = followed
    grant = services.grant_give(
        file=file,
        actor=worker_a,
        grantee_user=worker_b,
        purpose="relais",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(7),
    )
    response = login(client, worker_a).post(file_url(file, "file_grant_revoke", grant_pk=grant.pk))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_by == worker_a
    client.logout()
    assert login(client, worker_b).get(file_url(file)).status_code == 404


def test_accompaniment_open_close_and_transfer(client, followed, worker_a, team_a, team_b):
    file, accompaniment = followed
    login(client, worker_a)
    response = client.post(
        file_url(file, "file_accompaniment_open"), {"open-programme": "rsa", "open-team": team_a.pk}
    )
    assert response.status_code == 302
    rsa = Accompaniment.objects.get(file=file, programme="rsa")
    response = client.post(
        file_url(file, "file_accompaniment_transfer", accompaniment_pk=rsa.pk),
        {f"transfer-{rsa.pk}-team": team_b.pk, f"transfer-{rsa.pk}-reason": "Déménagement"},
    )
    assert response.status_code == 302
    rsa.refresh_from_db()
    assert rsa.team == team_b
    response = client.post(
        file_url(file, "file_accompaniment_close", accompaniment_pk=accompaniment.pk),
        {f"close-{accompaniment.pk}-reason": "Fin de la prise en charge"},
    )
    assert response.status_code == 302
    accompaniment.refresh_from_db()
    assert not accompaniment.is_open


def test_duplicate_accompaniment_is_a_french_error(client, followed, worker_a, team_a):
    file, _accompaniment = followed
    response = login(client, worker_a).post(
        file_url(file, "file_accompaniment_open"), {"open-programme": "pmi", "open-team": team_a.pk}
    )
    assert response.status_code == 200
    assert "déjà en cours" in response.content.decode()


def test_close_without_reason_keeps_the_accompaniment_open(client, followed, worker_a):
    file, accompaniment = followed
    response = login(client, worker_a).post(
        file_url(file, "file_accompaniment_close", accompaniment_pk=accompaniment.pk),
        {f"close-{accompaniment.pk}-reason": ""},
    )
    assert response.status_code == 200
    assert f'id="id_close-{accompaniment.pk}-reason_error"' in response.content.decode()
    accompaniment.refresh_from_db()
    assert accompaniment.is_open


# --- caseload -------------------------------------------------------------------------------------


def test_caseload_lists_my_files_and_logs_once(client, followed, worker_a, team_b, worker_b, citizen):
    open_file(citizen=CitizenFactory(birth_name="Inconnu"), team=team_b, actor=worker_b)
    login(client, worker_a)
    before = AccessLog.objects.count()
    response = client.get(reverse("backoffice:caseload"))
    assert response.status_code == 200
    content = response.content.decode()
    assert citizen.display_name in content
    assert "INCONNU" not in content
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.order_by("-seq").first()
    assert (row.action, row.purpose) == (AccessLog.Action.CITIZEN_SEARCH, "liste de mes dossiers")


def test_caseload_filters(client, followed, worker_a, team_a, colleague_a, citizen):
    open_file(citizen=CitizenFactory(birth_name="Durand"), team=team_a, actor=colleague_a, programme=Programme.RSA)
    login(client, colleague_a)
    content = client.get(reverse("backoffice:caseload"), {"programme": "pmi"}).content.decode()
    assert citizen.display_name in content
    assert "DURAND" not in content
    content = client.get(reverse("backoffice:caseload"), {"programme": "rsa", "statut": "open"}).content.decode()
    assert "DURAND" in content
    assert citizen.display_name not in content
    content = client.get(reverse("backoffice:caseload"), {"referent": "on"}).content.decode()
    assert citizen.display_name not in content  # worker_a is the referent, not colleague_a
    client.logout()
    login(client, worker_a)
    content = client.get(reverse("backoffice:caseload"), {"referent": "on"}).content.decode()
    assert citizen.display_name in content
    assert "DURAND" not in content
    content = client.get(reverse("backoffice:caseload"), {"statut": "closed"}).content.decode()
    assert "Aucun dossier ne correspond à ces critères." in content
    content = client.get(reverse("backoffice:caseload"), {"contact": "30"}).content.decode()
    assert citizen.display_name in content
    content = client.get(reverse("backoffice:caseload"), {"contact": "90"}).content.decode()
    assert citizen.display_name not in content


def test_caseload_query_count_is_constant(client, team_a, worker_a, django_assert_num_queries):
    login(client, worker_a)
    open_file(citizen=CitizenFactory(), team=team_a, actor=worker_a, referent=worker_a)
    client.get(reverse("backoffice:caseload"))
    with django_assert_num_queries(CASELOAD_QUERIES):
        client.get(reverse("backoffice:caseload"))
    for _i in range(30):
        open_file(citizen=CitizenFactory(), team=team_a, actor=worker_a, referent=worker_a)
    with django_assert_num_queries(CASELOAD_QUERIES):
        response = client.get(reverse("backoffice:caseload"), {"page": "2"})
    assert len(re.findall(r'href="/backoffice/dossiers/\d+/"', response.content.decode())) == 31 - 25


def test_empty_caseload_says_so(client, worker_a):
    response = login(client, worker_a).get(reverse("backoffice:caseload"))
    assert "Vous ne suivez aucun dossier pour l'instant." in response.content.decode()


# --- emergency access -----------------------------------------------------------------------------


def test_citizen_page_links_to_the_file_or_to_emergency_access(client, followed, worker_a, worker_b, citizen):
    file, _accompaniment = followed
    page = login(client, worker_a).get(reverse("backoffice:citizen_detail", args=[citizen.pk])).content.decode()
    assert file_url(file) in page
    client.logout()
    page = login(client, worker_b).get(reverse("backoffice:citizen_detail", args=[citizen.pk])).content.decode()
    assert file_url(file) not in page
    assert reverse("backoffice:emergency_access", args=[citizen.pk]) in page


@pytest.mark.parametrize("reason", ["", "urgent"])
def test_emergency_access_needs_a_reason(client, followed, worker_b, reason):
    file, _accompaniment = followed
    url = reverse("backoffice:emergency_access", args=[file.citizen_id])
    login(client, worker_b)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": reason, "hours": "2"})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert client.get(file_url(file)).status_code == 404


def test_emergency_access_opens_the_file_with_a_banner_logged_and_alerted(client, followed, worker_b, dpo):
    file, _accompaniment = followed
    login(client, worker_b)
    response = client.post(
        reverse("backoffice:emergency_access", args=[file.citizen_id]), {"reason": REASON, "hours": "2"}
    )
    assert response.status_code == 302
    assert response.url == file_url(file)
    response = client.get(file_url(file))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Accès d'urgence actif jusqu'au" in content
    row = AccessLog.objects.filter(action=AccessLog.Action.FILE_VIEW, actor=worker_b).get()
    assert row.purpose == f"accès d'urgence : {REASON}"
    client.logout()
    login(client, dpo)
    content = client.get(reverse("backoffice:emergency_review")).content.decode()
    assert REASON in content
    access = file.emergency_accesses.get()
    response = client.post(
        reverse("backoffice:emergency_review_mark", args=[access.pk]), {f"review-{access.pk}-comment": "Justifié"}
    )
    assert response.status_code == 302
    access.refresh_from_db()
    assert (access.dpo_reviewed_by, access.dpo_comment) == (dpo, "Justifié")
    assert "Aucun accès d'urgence à examiner." in client.get(reverse("backoffice:emergency_review")).content.decode()


def test_emergency_access_ends_at_expiry(client, followed, worker_b):
    file, _accompaniment = followed
    services.emergency_access_open(file=file, user=worker_b, reason=REASON, hours=1)
    login(client, worker_b)
    assert client.get(file_url(file)).status_code == 200
    services.expire_grants_and_emergency_accesses(now=timezone.now() + datetime.timedelta(hours=2))
    assert client.get(file_url(file)).status_code == 404


def test_emergency_access_for_a_citizen_without_file(client, worker_b):
    citizen = CitizenFactory()
    response = login(client, worker_b).get(reverse("backoffice:emergency_access", args=[citizen.pk]))
    assert response.status_code == 200
    assert "Aucun dossier social pour cette personne." in response.content.decode()


def test_emergency_access_when_already_following_redirects_to_the_file(client, followed, worker_a):
    file, _accompaniment = followed
    response = login(client, worker_a).get(reverse("backoffice:emergency_access", args=[file.citizen_id]))
    assert response.status_code == 302
    assert response.url == file_url(file)


def test_emergency_review_is_for_the_dpo_only(client, worker_a, followed):
    file, _accompaniment = followed
    access = services.emergency_access_open(file=file, user=MembershipFactory().user, reason=REASON)
    login(client, worker_a)
    assert client.get(reverse("backoffice:emergency_review")).status_code == 404
    assert client.post(reverse("backoffice:emergency_review_mark", args=[access.pk])).status_code == 404
