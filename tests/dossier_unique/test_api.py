import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dossier_unique import services
from dossier_unique.models import Note, Programme, SharingGrant, TimelineEntry, Visibility
from grc.audit.models import AccessLog
from grc.models import Membership
from tests.dossier_unique.factories import (
    PDF_BYTES,
    TimelineEntryFactory,
    in_days,
    open_file,
    pdf_upload,
    social_worker,
)
from tests.factories import CitizenFactory, MembershipFactory, UserFactory, verify_otp

pytestmark = pytest.mark.django_db


def api_client(user):
    return verify_otp(Client(), user)


def file_urls(file, document=None):
    urls = [
        f"/api/v1/files/{file.pk}",
        f"/api/v1/files/{file.pk}/timeline",
        f"/api/v1/files/{file.pk}/notes",
        f"/api/v1/files/{file.pk}/documents",
    ]
    if document is not None:
        urls.append(f"/api/v1/documents/{document.pk}/content")
    return urls


@pytest.fixture
def document(followed, worker_a):
    file, accompaniment = followed
    return services.document_add(
        file=file, upload=pdf_upload(), actor=worker_a, doc_type="ressources", accompaniment=accompaniment
    )


@pytest.fixture
def notes(followed, worker_a):
    """One note of each visibility, written by ``worker_a`` on the PMI accompaniment."""
    file, accompaniment = followed
    return {
        visibility: services.note_write(
            file=file,
            author=worker_a,
            text=f"Note {visibility}",
            kind=Note.Kind.ENTRETIEN,
            visibility=visibility,
            accompaniment=accompaniment,
        )
        for visibility in Visibility.values
    }


def read(client, url, **params):
    """GET ``url``; a download is read to the end (the test client then closes its file)."""
    response = client.get(url, params)
    if response.streaming:
        response.body = b"".join(response.streaming_content)
    return response


def log_rows():
    return list(AccessLog.objects.order_by("seq"))


# -- schema and authentication ------------------------------------------------------------------


def test_openapi_lists_the_file_endpoints(staff_client):
    paths = staff_client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/files",
        "/api/v1/files/{file_id}",
        "/api/v1/files/{file_id}/timeline",
        "/api/v1/files/{file_id}/notes",
        "/api/v1/files/{file_id}/documents",
        "/api/v1/documents/{document_id}/content",
    ):
        assert set(paths[path]) == {"get"}, path


def test_no_credentials_is_401_and_logs_nothing(client, followed, document):
    file, _ = followed
    for url in ["/api/v1/files", *file_urls(file, document)]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert "Authentification requise" in response.json()["detail"]
    assert not AccessLog.objects.exists()


def test_staff_session_without_second_factor_is_401(client, followed, worker_a):
    file, _ = followed
    client.force_login(worker_a)
    assert client.get(f"/api/v1/files/{file.pk}").status_code == 401


# -- who sees what ------------------------------------------------------------------------------


def test_team_member_reads_every_endpoint(followed, document, colleague_a):
    file, _ = followed
    client = api_client(colleague_a)
    for url in file_urls(file, document):
        assert read(client, url).status_code == 200, url


def test_colleague_from_another_cdas_gets_404_everywhere(followed, document, worker_b):
    file, _ = followed
    client = api_client(worker_b)
    for url in file_urls(file, document):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Introuvable."}
    assert client.get("/api/v1/files").json()["items"] == []
    assert [r.action for r in log_rows()] == [AccessLog.Action.API_READ]  # the (empty) list only


@pytest.mark.parametrize("role", [Membership.Role.MAILROOM_AGENT, Membership.Role.DPO])
def test_mailroom_agent_and_dpo_see_no_file_content(followed, team_a, role):
    file, _ = followed
    client = api_client(MembershipFactory(team=team_a, role=role).user)
    assert client.get(f"/api/v1/files/{file.pk}").status_code == 404
    assert client.get("/api/v1/files").json()["items"] == []


def test_unknown_ids_are_404(followed, worker_a):
    client = api_client(worker_a)
    assert client.get("/api/v1/files/987654").status_code == 404
    assert client.get("/api/v1/files/987654/timeline").status_code == 404
    assert client.get("/api/v1/documents/987654/content").status_code == 404


def test_service_token_of_the_team_reads_the_file(client, followed, team_a):
    file, _ = followed
    out = io.StringIO()
    call_command(
        "create_api_token", email="outil@example.org", name="Outil", team=team_a.code, role="instructor", stdout=out
    )
    token = out.getvalue().strip().splitlines()[-1]
    response = client.get(f"/api/v1/files/{file.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [r.actor.email for r in log_rows()] == ["outil@example.org"]


# -- content ------------------------------------------------------------------------------------


def test_list_gives_citizen_and_open_accompaniments_paged(followed, team_a, worker_a, colleague_a, team_b, worker_b):
    file, accompaniment = followed
    services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_a)
    services.accompaniment_close(accompaniment=accompaniment, reason="Suivi terminé", actor=worker_a)
    open_file(citizen=CitizenFactory(), team=team_b, actor=worker_b)  # another CDAS's file: not listed
    body = api_client(colleague_a).get("/api/v1/files", {"limit": 1}).json()
    assert (body["limit"], body["offset"], body["has_more"]) == (1, 0, False)
    [item] = body["items"]
    assert (item["id"], item["citizen"]["id"]) == (file.pk, file.citizen_id)
    assert item["citizen"]["birth_name"] == file.citizen.birth_name
    assert [a["programme"] for a in item["open_accompaniments"]] == ["rsa"]


def test_list_pages_with_limit_and_offset(team_a, worker_a):
    files = [open_file(citizen=CitizenFactory(), team=team_a, actor=worker_a)[0] for _ in range(3)]
    client = api_client(worker_a)
    first = client.get("/api/v1/files", {"limit": 2}).json()
    second = client.get("/api/v1/files", {"limit": 2, "offset": 2}).json()
    assert (first["has_more"], second["has_more"]) == (True, False)
    seen = [item["id"] for item in first["items"] + second["items"]]
    assert sorted(seen) == sorted(f.pk for f in files)
    assert client.get("/api/v1/files", {"limit": 0}).status_code == 422
    assert client.get("/api/v1/files", {"limit": 101}).status_code == 422


def test_file_gives_identity_accompaniments_and_members(followed, worker_a, colleague_a):
    file, accompaniment = followed
    services.member_add(file=file, user=colleague_a, role="Infirmière puéricultrice", actor=worker_a)
    body = api_client(worker_a).get(f"/api/v1/files/{file.pk}").json()
    assert body["citizen"]["id"] == file.citizen_id
    assert body["citizen"]["birth_date"] == file.citizen.birth_date.isoformat()
    [acc] = body["accompaniments"]
    assert (acc["id"], acc["programme"], acc["team"]["id"], acc["referent"]["id"]) == (
        accompaniment.pk,
        "pmi",
        accompaniment.team_id,
        worker_a.pk,
    )
    assert [(m["user"]["id"], m["role"]) for m in body["members"]] == [(colleague_a.pk, "Infirmière puéricultrice")]


def test_timeline_filters_by_programme_and_kind_and_pages(followed, team_a, worker_a):
    file, _ = followed
    services.accompaniment_open(file=file, programme=Programme.RSA, team=team_a, actor=worker_a)
    client = api_client(worker_a)
    body = client.get(f"/api/v1/files/{file.pk}/timeline").json()
    assert [e["programme"] for e in body["items"]] == ["rsa", "pmi"]  # newest first
    rsa = client.get(f"/api/v1/files/{file.pk}/timeline", {"programme": "rsa"}).json()["items"]
    assert [e["kind"] for e in rsa] == [TimelineEntry.Kind.ACCOMPANIMENT_OPENED]
    assert client.get(f"/api/v1/files/{file.pk}/timeline", {"kind": "merge"}).json()["items"] == []
    page = client.get(f"/api/v1/files/{file.pk}/timeline", {"limit": 1, "offset": 1}).json()
    assert ([e["programme"] for e in page["items"]], page["has_more"]) == (["pmi"], False)
    response = client.get(f"/api/v1/files/{file.pk}/timeline", {"programme": "inconnu"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "programme"]


def test_private_note_visible_only_to_its_author(followed, notes, worker_a, colleague_a):
    file, _ = followed
    texts = {n["text"] for n in api_client(worker_a).get(f"/api/v1/files/{file.pk}/notes").json()}
    assert texts == {"Note file", "Note team", "Note private"}
    texts = {n["text"] for n in api_client(colleague_a).get(f"/api/v1/files/{file.pk}/notes").json()}
    assert texts == {"Note file", "Note team"}
    timeline = api_client(colleague_a).get(f"/api/v1/files/{file.pk}/timeline").json()["items"]
    assert "private" not in {e["visibility"] for e in timeline}


def test_team_note_visible_only_to_its_team(followed, notes, worker_a, team_b, worker_b):
    file, _ = followed
    # Team B gets the file through a grant: it reads file notes, not team A's notes.
    services.grant_give(
        file=file,
        actor=worker_a,
        grantee_team=team_b,
        purpose="Relais polyvalence",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(30),
    )
    texts = {n["text"] for n in api_client(worker_b).get(f"/api/v1/files/{file.pk}/notes").json()}
    assert texts == {"Note file"}


def test_confidential_document_is_404_outside_its_team(followed, worker_a, team_b, worker_b):
    file, accompaniment = followed
    secret = services.document_add(
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
        grantee_team=team_b,
        purpose="Relais polyvalence",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(30),
    )
    client = api_client(worker_b)
    assert client.get(f"/api/v1/files/{file.pk}/documents").json() == []
    assert client.get(f"/api/v1/documents/{secret.pk}/content").status_code == 404
    member = api_client(worker_a)
    assert [d["id"] for d in member.get(f"/api/v1/files/{file.pk}/documents").json()] == [secret.pk]
    assert read(member, f"/api/v1/documents/{secret.pk}/content").status_code == 200


def test_document_content_is_an_attachment_with_its_bytes(document, colleague_a):
    response = read(api_client(colleague_a), f"/api/v1/documents/{document.pk}/content")
    assert response.status_code == 200
    assert response.body == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_documents_list_gives_metadata_only(followed, document, colleague_a):
    file, _ = followed
    [item] = api_client(colleague_a).get(f"/api/v1/files/{file.pk}/documents").json()
    assert (item["id"], item["original_name"], item["size"], item["content_type"]) == (
        document.pk,
        "attestation.pdf",
        len(PDF_BYTES),
        "application/pdf",
    )
    assert "content" not in item


def test_grant_stops_working_at_its_expiry(followed, worker_a, team_b, worker_b):
    file, _ = followed
    services.grant_give(
        file=file,
        actor=worker_a,
        grantee_team=team_b,
        purpose="Relais polyvalence",
        legal_basis=SharingGrant.LegalBasis.L121_6_2,
        family_informed=True,
        expires_at=in_days(1),
    )
    client = api_client(worker_b)
    assert client.get(f"/api/v1/files/{file.pk}").status_code == 200
    services.expire_grants_and_emergency_accesses(now=timezone.now() + datetime.timedelta(days=2))
    assert client.get(f"/api/v1/files/{file.pk}").status_code == 404
    assert client.get(f"/api/v1/files/{file.pk}/timeline").status_code == 404


# -- access log ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "action"),
    [
        ("", AccessLog.Action.FILE_VIEW),
        ("/timeline", AccessLog.Action.FILE_TIMELINE),
        ("/notes", AccessLog.Action.FILE_NOTES),
        ("/documents", AccessLog.Action.FILE_DOCUMENTS),
    ],
)
def test_each_file_read_writes_one_access_log_row(followed, colleague_a, suffix, action):
    file, _ = followed
    response = api_client(colleague_a).get(f"/api/v1/files/{file.pk}{suffix}")
    assert response.status_code == 200
    rows = log_rows()
    assert [(r.actor_id, r.action, r.citizen_id, r.object_id, r.purpose) for r in rows] == [
        (colleague_a.pk, action, file.citizen_id, str(file.pk), "suivi")
    ]
    assert rows[0].request_id


def test_download_writes_one_access_log_row(document, colleague_a):
    read(api_client(colleague_a), f"/api/v1/documents/{document.pk}/content")
    assert [(r.action, r.object_type, r.object_id) for r in log_rows()] == [
        (AccessLog.Action.DOCUMENT_DOWNLOAD, "dossier_unique.document", str(document.pk))
    ]


def test_list_writes_one_access_log_row(followed, colleague_a):
    api_client(colleague_a).get("/api/v1/files")
    assert [(r.actor_id, r.action, r.object_type) for r in log_rows()] == [
        (colleague_a.pk, AccessLog.Action.API_READ, "dossier_unique.socialfile")
    ]


def test_emergency_access_read_is_logged_with_its_reason(followed):
    file, _ = followed
    outsider = social_worker(MembershipFactory().team)
    reason = "Signalement urgent reçu ce soir, référente absente"
    services.emergency_access_open(file=file, user=outsider, reason=reason, hours=1)
    assert api_client(outsider).get(f"/api/v1/files/{file.pk}").status_code == 200
    assert [r.purpose for r in log_rows()] == [f"accès d'urgence : {reason}"]


# -- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("entries", [5, 60])
def test_timeline_query_count_does_not_grow_with_entries(followed, worker_a, entries, django_assert_num_queries):
    file, _ = followed
    TimelineEntryFactory.create_batch(entries, file=file, author=worker_a)
    client = api_client(worker_a)
    client.get(f"/api/v1/files/{file.pk}/timeline")  # warm the session
    # session, user, OTP device, due-expiry check, file (permission filter), purpose, access-log
    # insert, entries page (authors and teams joined): the same for 5 or 60 entries.
    with django_assert_num_queries(8):
        response = client.get(f"/api/v1/files/{file.pk}/timeline")
    assert len(response.json()["items"]) == min(50, entries + 1)


def test_no_team_user_sees_nothing(followed):
    file, _ = followed
    client = api_client(UserFactory(staff=True))
    assert client.get(f"/api/v1/files/{file.pk}").status_code == 404
    assert client.get("/api/v1/files").json()["items"] == []


@pytest.mark.parametrize("files", [2, 6])
def test_list_query_count_does_not_grow_with_files(team_a, worker_a, files, django_assert_num_queries):
    for _ in range(files):
        open_file(citizen=CitizenFactory(), team=team_a, actor=worker_a)
    client = api_client(worker_a)
    client.get("/api/v1/files")  # warm the session
    # session, user, OTP device, due-expiry check, files page, their open accompaniments (teams and
    # referents joined), access-log insert.
    with django_assert_num_queries(7):
        response = client.get("/api/v1/files")
    assert len(response.json()["items"]) == files
