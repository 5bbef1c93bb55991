import html

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demandes import services
from demandes.models import Request
from grc.audit.models import AccessLog
from tests.factories import CitizenFactory, verify_otp
from tests.requests.factories import PDF_BYTES, filed_request, instructor, pdf_upload, procedure_page

pytestmark = pytest.mark.django_db

S = Request.Status


@pytest.fixture
def agent(team_a):
    return instructor(team_a)


@pytest.fixture
def agent_client(client, agent):
    return verify_otp(client, agent)


def test_queue_lists_team_requests_overdue_first_and_logs(agent_client, agent, team_a, team_b):
    late = filed_request(team=team_a)
    Request.objects.filter(pk=late.pk).update(due_date="2020-01-01")
    fresh = filed_request(team=team_a)
    other = filed_request(team=team_b)
    response = agent_client.get(reverse("backoffice:request_queue", args=[team_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert late.tracking_code in body and fresh.tracking_code in body and other.tracking_code not in body
    assert body.index(late.tracking_code) < body.index(fresh.tracking_code)
    assert "en retard" in body
    assert AccessLog.objects.filter(actor=agent, action=AccessLog.Action.REQUEST_QUEUE).count() == 1


def test_queue_of_another_team_is_404(agent_client, team_b):
    assert agent_client.get(reverse("backoffice:request_queue", args=[team_b.pk])).status_code == 404


def test_queue_filters_and_query_count_is_constant(agent_client, agent, team_a, django_assert_max_num_queries):
    for _i in range(3):
        filed_request(team=team_a)
    mine = filed_request(team=team_a)
    services.request_assign(request=mine, user=agent, actor=agent)
    url = reverse("backoffice:request_queue", args=[team_a.pk])
    with django_assert_max_num_queries(16):
        response = agent_client.get(url, {"attribution": "me"})
    body = response.content.decode()
    assert mine.tracking_code in body and body.count("/demandes/D-20") == 1
    for _i in range(5):
        filed_request(team=team_a)
    with django_assert_max_num_queries(16):
        agent_client.get(url)


def test_assign_me_from_queue(agent_client, agent, team_a):
    request = filed_request(team=team_a)
    response = agent_client.post(reverse("backoffice:request_assign_me", args=[request.tracking_code]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.assigned_to == agent


def test_instruction_screen_shows_everything_and_logs(agent_client, agent, team_a, django_assert_max_num_queries):
    account = None
    request = filed_request(team=team_a, answers={"ecole": "Collège <b>Anne</b>"})
    account = request.account
    services.request_message_post(
        request=request,
        author=account,
        body="<script>alert(1)</script>",
        files=[pdf_upload("rib.pdf")],
        from_citizen=True,
    )
    with django_assert_max_num_queries(30):
        response = agent_client.get(reverse("backoffice:request_detail", args=[request.tracking_code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "Collège &lt;b&gt;Anne&lt;/b&gt;" in body
    assert "rib.pdf" in body
    assert AccessLog.objects.filter(actor=agent, action=AccessLog.Action.REQUEST_VIEW).count() == 1


def test_instruction_screen_of_another_team_is_404(client, worker_b, team_a):
    request = filed_request(team=team_a)
    verify_otp(client, worker_b)
    assert client.get(reverse("backoffice:request_detail", args=[request.tracking_code])).status_code == 404
    assert (
        client.post(
            reverse("backoffice:request_accept", args=[request.tracking_code]), {"accept-reason": ""}
        ).status_code
        == 404
    )


def test_mailroom_agent_of_the_team_gets_404(client, team_a):
    from grc.models import Membership
    from tests.factories import MembershipFactory

    mailroom = MembershipFactory(team=team_a, role=Membership.Role.MAILROOM_AGENT).user
    request = filed_request(team=team_a)
    verify_otp(client, mailroom)
    assert client.get(reverse("backoffice:request_detail", args=[request.tracking_code])).status_code == 404


def test_refuse_without_reason_shows_error_and_keeps_status(agent_client, team_a):
    request = filed_request(team=team_a)
    response = agent_client.post(
        reverse("backoffice:request_refuse", args=[request.tracking_code]), {"refuse-reason": ""}
    )
    assert response.status_code == 400
    assert "Le motif est obligatoire" in response.content.decode()
    request.refresh_from_db()
    assert request.status == S.SUBMITTED


def test_ask_citizen_then_accept_through_the_screen(agent_client, team_a, django_capture_on_commit_callbacks):
    request = filed_request(team=team_a)
    url = reverse("backoffice:request_detail", args=[request.tracking_code])
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            reverse("backoffice:request_ask_citizen", args=[request.tracking_code]),
            {"ask-missing_items": "Certificat de scolarité\n\n- Avis d'imposition", "ask-message": "Merci"},
        )
    assert response.status_code == 302 and response["Location"].startswith(url)
    request.refresh_from_db()
    assert request.status == S.AWAITING_CITIZEN
    assert request.missing_items == ["Certificat de scolarité", "Avis d'imposition"]
    assert any("compléments" in m.subject for m in mail.outbox)
    # Accepting while awaiting the citizen is not allowed: French error, nothing changes.
    response = agent_client.post(
        reverse("backoffice:request_accept", args=[request.tracking_code]), {"accept-reason": ""}
    )
    assert response.status_code == 400 and "n&#x27;est pas possible" in response.content.decode()
    assert Request.objects.get(pk=request.pk).status == S.AWAITING_CITIZEN


def test_ask_citizen_with_empty_list_is_refused(agent_client, team_a):
    request = filed_request(team=team_a)
    response = agent_client.post(
        reverse("backoffice:request_ask_citizen", args=[request.tracking_code]),
        {"ask-missing_items": "  \n - ", "ask-message": "Texte gardé"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Indiquez au moins une pièce" in body and "Texte gardé" in body


def test_message_with_wrong_file_type_is_sent_without_it_and_says_so(agent_client, team_a):
    """The upload gate refuses the file; the message and the other files still go (nothing typed is lost)."""
    request = filed_request(team=team_a)
    bad = SimpleUploadedFile("script.pdf", b"#!/bin/sh\necho", content_type="application/pdf")
    response = agent_client.post(
        reverse("backoffice:request_message_post", args=[request.tracking_code]),
        {"msg-body": "Bonjour, voici", "msg-files": [bad, pdf_upload("rib.pdf")]},
        follow=True,
    )
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert "« script.pdf » n'a pas été enregistré : Ce format de fichier n'est pas accepté" in body
    message = request.messages.get()
    assert message.body == "Bonjour, voici"
    assert [a.original_name for a in message.attachments.all()] == ["rib.pdf"]


def test_attachment_download_checked_and_logged(agent_client, agent, client, worker_b, team_a):
    account_request = filed_request(team=team_a)
    message = services.request_message_post(
        request=account_request, author=account_request.account, body="pièce", files=[pdf_upload()], from_citizen=True
    )
    attachment = message.attachments.get()
    url = reverse("backoffice:request_attachment_download", args=[attachment.pk])
    response = agent_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    for closer in response._resource_closers:  # close the file, not the database connection
        closer()
    assert response["Content-Disposition"].startswith("attachment")
    assert AccessLog.objects.filter(actor=agent, action=AccessLog.Action.REQUEST_ATTACHMENT_DOWNLOAD).count() == 1


def test_attachment_of_another_team_is_404(client, worker_b, team_a):
    request = filed_request(team=team_a)
    message = services.request_message_post(
        request=request, author=request.account, body="pièce", files=[pdf_upload()], from_citizen=True
    )
    verify_otp(client, worker_b)
    url = reverse("backoffice:request_attachment_download", args=[message.attachments.get().pk])
    assert client.get(url).status_code == 404


def test_counter_filing_requires_consent_and_records_it(agent_client, agent, team_a):
    citizen = CitizenFactory(birth_name="Lemoine", first_names="Odile")
    page = procedure_page(team=team_a, title="Aide à domicile")
    url = reverse("backoffice:request_counter_file", args=[citizen.pk])
    response = agent_client.get(url, {"procedure": page.pk})
    assert response.status_code == 200 and "Aide à domicile" in response.content.decode()
    data = {"procedure": page.pk, "c-answers_text": "Besoin de 4 h par semaine", "c-typed_by": "agent"}
    response = agent_client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "consentement" in body and "Besoin de 4 h par semaine" in body
    assert not Request.objects.exists()
    response = agent_client.post(url, {**data, "c-consent": "on", "c-files": [pdf_upload()]})
    assert response.status_code == 302
    request = Request.objects.get()
    assert request.channel == Request.Channel.COUNTER and request.status == S.SUBMITTED
    assert request.filed_by == agent and request.typed_by == "agent" and request.consent_recorded_at
    assert request.team == team_a and request.answers["notes_guichet"] == "Besoin de 4 h par semaine"
    assert request.attachments.count() == 1


def test_counter_filing_free_procedure_needs_title_and_team(agent_client, team_a):
    citizen = CitizenFactory()
    url = reverse("backoffice:request_counter_file", args=[citizen.pk])
    response = agent_client.post(url, {"c-typed_by": "citizen", "c-consent": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Indiquez la démarche" in body and "Choisissez l&#x27;équipe" in body


def test_counter_search_finds_citizen(agent_client):
    CitizenFactory(birth_name="Kerjean", first_names="Loïc")
    response = agent_client.get(reverse("backoffice:request_counter_start"), {"q": "kerjean loic"})
    assert response.status_code == 200 and "KERJEAN" in response.content.decode()


def test_citizen_account_cannot_reach_back_office_queue(client, team_a):
    request = filed_request(team=team_a)
    client.force_login(request.account)
    assert client.get(reverse("backoffice:request_detail", args=[request.tracking_code])).status_code == 403


def test_counter_filing_renders_the_procedure_form_and_checks_it(agent_client, agent, team_a):
    from wagtail.models import Page

    from tests.portal.conftest import ensure_wagtail_root, make_procedure

    ensure_wagtail_root()

    fields = [
        ("Nom de l'élève", "singleline", True, "", "", 10),
        ("Classe", "dropdown", True, "Collège\nLycée", "", 10),
        ("Notification MDPH", "file", True, "", "pdf", 1),
    ]
    page = make_procedure(
        Page.get_first_root_node(), slug="tsa", title="Transport scolaire adapté", team=team_a, fields=fields
    )
    citizen = CitizenFactory()
    url = reverse("backoffice:request_counter_file", args=[citizen.pk])
    body = agent_client.get(url, {"procedure": page.pk}).content.decode()
    assert "Nom de l&#x27;élève" in body and 'type="file"' in body
    data = {"procedure": page.pk, "f-nom_de_leleve": "Titouan", "c-typed_by": "citizen", "c-consent": "on"}
    response = agent_client.post(url, data)
    assert response.status_code == 400 and "Titouan" in response.content.decode()
    assert not Request.objects.exists()
    response = agent_client.post(url, {**data, "f-classe": "Collège", "f-notification_mdph": pdf_upload("mdph.pdf")})
    assert response.status_code == 302, response.content.decode()[:3000]
    request = Request.objects.get()
    assert request.answers == {"nom_de_leleve": "Titouan", "classe": "Collège"}
    assert request.attachments.get().field_name == "notification_mdph"
    assert request.typed_by == "citizen" and request.procedure_id == page.pk


def test_instruction_screen_query_count_does_not_grow_with_messages(
    agent_client, team_a, django_assert_max_num_queries
):
    request = filed_request(team=team_a)
    services.request_message_post(request=request, author=request.account, body="m", files=[], from_citizen=True)
    url = reverse("backoffice:request_detail", args=[request.tracking_code])
    agent_client.get(url)
    with django_assert_max_num_queries(26) as few:
        agent_client.get(url)
    for i in range(4):
        services.request_message_post(
            request=request, author=request.account, body=f"m{i}", files=[pdf_upload(f"p{i}.pdf")], from_citizen=True
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        agent_client.get(url)


def test_close_and_forward_without_reason_are_refused(agent_client, team_a, team_b):
    request = filed_request(team=team_a)
    response = agent_client.post(
        reverse("backoffice:request_close", args=[request.tracking_code]), {"close-reason": ""}
    )
    assert response.status_code == 400 and "Le motif est obligatoire" in response.content.decode()
    response = agent_client.post(
        reverse("backoffice:request_forward", args=[request.tracking_code]),
        {"forward-team": team_b.pk, "forward-reason": ""},
    )
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == S.SUBMITTED and request.team == team_a
    response = agent_client.post(
        reverse("backoffice:request_forward", args=[request.tracking_code]),
        {"forward-team": team_b.pk, "forward-reason": "Relève de la polyvalence"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.team == team_b
    # Once forwarded, the former team no longer reaches it.
    assert agent_client.get(reverse("backoffice:request_detail", args=[request.tracking_code])).status_code == 404


def test_counter_filing_for_another_team_shows_code_and_acknowledgement_only(agent_client, agent, team_b):
    citizen = CitizenFactory()
    page = procedure_page(team=team_b, title="Médiation")
    url = reverse("backoffice:request_counter_file", args=[citizen.pk])
    response = agent_client.post(url, {"procedure": page.pk, "c-typed_by": "agent", "c-consent": "on"})
    request = Request.objects.get()
    assert response["Location"] == reverse("backoffice:request_counter_done", args=[request.tracking_code])
    done = agent_client.get(response["Location"]).content.decode()
    assert request.tracking_code in done and team_b.name in done
    pdf = agent_client.get(reverse("backoffice:request_acknowledgement", args=[request.tracking_code]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert agent_client.get(reverse("backoffice:request_detail", args=[request.tracking_code])).status_code == 404


def test_acknowledgement_of_a_request_neither_filed_nor_handled_is_404(agent_client, team_b):
    request = filed_request(team=team_b)
    assert (
        agent_client.get(reverse("backoffice:request_acknowledgement", args=[request.tracking_code])).status_code
        == 404
    )
