import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from demandes import services
from demandes.models import Request, RequestAttachment, RequestEvent
from dossier_unique.models import TimelineEntry
from tests.factories import UserFactory
from tests.requests.factories import citizen_account, filed_request, instructor, pdf_upload, procedure_page

pytestmark = pytest.mark.django_db

S = Request.Status


def test_draft_gets_readable_tracking_code_and_title_snapshot(team_a):
    account, _citizen = citizen_account()
    procedure = procedure_page(team=team_a, title="Transport scolaire adapté")
    draft = services.request_draft_save(account=account, procedure=procedure, answers={"ecole": "Collège"})
    assert re.fullmatch(rf"D-{timezone.localdate().year}-[2-9A-HJ-NP-Z]{{6}}", draft.tracking_code)
    assert draft.status == S.DRAFT and draft.channel == Request.Channel.WEB
    assert draft.procedure_title == "Transport scolaire adapté"
    assert draft.history.first().history_user == account


def test_tracking_code_collision_is_retried(team_a, monkeypatch):
    account, _citizen = citizen_account()
    procedure = procedure_page(team=team_a)
    first = services.request_draft_save(account=account, procedure=procedure, answers={})
    codes = iter([first.tracking_code, "D-2026-ABCDEF"])
    monkeypatch.setattr(services, "tracking_code_new", lambda **kw: next(codes))
    second = services.request_draft_save(account=account, procedure=procedure, answers={})
    assert second.tracking_code == "D-2026-ABCDEF"


def test_draft_file_replaces_previous_file_of_that_field(team_a):
    account, _citizen = citizen_account()
    procedure = procedure_page(team=team_a)
    draft = services.request_draft_save(
        account=account, procedure=procedure, answers={}, files={"justificatif": pdf_upload("a.pdf")}
    )
    services.request_draft_save(
        account=account,
        procedure=procedure,
        answers={"x": 1},
        files={"justificatif": pdf_upload("b.pdf")},
        request=draft,
    )
    names = list(RequestAttachment.objects.filter(request=draft).values_list("original_name", flat=True))
    assert names == ["b.pdf"]


def test_draft_refuses_a_file_whose_content_is_not_accepted(team_a):
    account, _citizen = citizen_account()
    procedure = procedure_page(team=team_a)
    fake = SimpleUploadedFile("photo.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.request_draft_save(account=account, procedure=procedure, answers={}, files={"justificatif": fake})
    assert "justificatif" in exc.value.message_dict
    assert not Request.objects.exists()


def test_draft_refuses_an_oversized_file(team_a, settings):
    settings.DOCUMENT_MAX_BYTES = 20
    account, _citizen = citizen_account()
    with pytest.raises(ValidationError) as exc:
        services.request_draft_save(
            account=account, procedure=procedure_page(team=team_a), answers={}, files={"f": pdf_upload()}
        )
    assert "taille maximale" in exc.value.message_dict["f"][0]


def test_submit_sets_team_due_date_event_timeline_and_acknowledgement(team_a, django_capture_on_commit_callbacks):
    account, citizen = citizen_account()
    procedure = procedure_page(team=team_a, days=15)
    draft = services.request_draft_save(account=account, procedure=procedure, answers={"ecole": "Collège"})
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(request=draft, actor=account, citizen=citizen)
    request.refresh_from_db()
    assert request.status == S.SUBMITTED and request.team == team_a and request.citizen == citizen
    assert (request.due_date - timezone.localdate()).days == 15
    assert list(request.events.values_list("from_status", "to_status")) == [(S.DRAFT, S.SUBMITTED)]
    entry = TimelineEntry.objects.get(citizen=citizen, kind=TimelineEntry.Kind.REQUEST_SUBMITTED)
    assert "Transport scolaire adapté" in entry.title
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [account.email]
    assert request.tracking_code in message.subject
    assert f"/mon-espace/demandes/{request.tracking_code}/" in message.body
    assert "Collège" not in message.body  # the answers never travel by e-mail
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")


def test_submit_twice_is_refused(team_a):
    request = filed_request(team=team_a)
    with pytest.raises(ValidationError, match="déjà été déposée"):
        services.request_submit(request=request, actor=request.account, citizen=request.citizen)


def test_submit_writes_timeline_on_the_social_file(team_a, worker_a, citizen, followed):
    account = UserFactory(citizen_account=True)
    citizen.user = account
    citizen.save()
    request = filed_request(team=team_a, account=account, citizen=citizen)
    entry = TimelineEntry.objects.get(source_id=str(request.pk), kind=TimelineEntry.Kind.REQUEST_SUBMITTED)
    assert entry.file == followed[0]


def test_full_workflow_with_events_and_emails(team_a, django_capture_on_commit_callbacks):
    agent = instructor(team_a)
    request = filed_request(team=team_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_take_in_review(request=request, actor=agent)
        services.request_ask_citizen(
            request=request,
            missing_items=["Certificat de scolarité", " "],
            message="Merci de nous envoyer",
            actor=agent,
        )
    request.refresh_from_db()
    assert request.status == S.AWAITING_CITIZEN and request.missing_items == ["Certificat de scolarité"]
    assert request.assigned_to == agent
    with django_capture_on_commit_callbacks(execute=True):
        services.request_citizen_answer(request=request, message="Voici", files=[pdf_upload()], actor=request.account)
    request.refresh_from_db()
    assert request.status == S.IN_REVIEW and request.missing_items == []
    assert request.attachments.filter(message__isnull=False).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.request_accept(request=request, reason="Dossier complet", actor=agent)
    request.refresh_from_db()
    assert request.status == S.ACCEPTED and request.decided_at and request.decision_reason == "Dossier complet"
    steps = list(RequestEvent.objects.filter(request=request).values_list("to_status", flat=True))
    assert steps == [S.SUBMITTED, S.IN_REVIEW, S.AWAITING_CITIZEN, S.IN_REVIEW, S.ACCEPTED]
    subjects = [m.subject for m in mail.outbox]
    assert any("compléments sont nécessaires" in s for s in subjects)
    assert any("décision" in s for s in subjects)
    assert all("Dossier complet" not in m.body for m in mail.outbox)
    assert TimelineEntry.objects.filter(source_id=str(request.pk), kind=TimelineEntry.Kind.REQUEST_STATUS).count() == 4
    assert request.history.filter(history_user=agent).exists()


def test_refuse_requires_a_reason_and_final_status_is_final(team_a):
    agent = instructor(team_a)
    request = filed_request(team=team_a)
    with pytest.raises(ValidationError) as exc:
        services.request_refuse(request=request, reason="  ", actor=agent)
    assert "obligatoire" in exc.value.message_dict["reason"][0]
    services.request_refuse(request=request, reason="Hors critères", actor=agent)
    with pytest.raises(ValidationError, match="n'est pas possible"):
        services.request_take_in_review(request=request, actor=agent)
    with pytest.raises(ValidationError, match="n'est pas possible"):
        services.request_accept(request=request, actor=agent)


def test_ask_citizen_requires_missing_items(team_a):
    agent = instructor(team_a)
    request = filed_request(team=team_a)
    with pytest.raises(ValidationError) as exc:
        services.request_ask_citizen(request=request, missing_items=["", " "], message="", actor=agent)
    assert "missing_items" in exc.value.message_dict


def test_citizen_answer_only_when_awaiting(team_a):
    request = filed_request(team=team_a)
    with pytest.raises(ValidationError, match="n'est pas possible"):
        services.request_citizen_answer(request=request, message="x", files=[], actor=request.account)


def test_close_requires_reason(team_a):
    agent = instructor(team_a)
    request = filed_request(team=team_a)
    with pytest.raises(ValidationError):
        services.request_close(request=request, reason="", actor=agent)
    services.request_close(request=request, reason="Doublon", actor=agent)
    assert Request.objects.get(pk=request.pk).status == S.CLOSED


def test_assign_only_to_team_member_and_forward_unassigns(team_a, team_b, worker_b):
    agent = instructor(team_a)
    request = filed_request(team=team_a)
    with pytest.raises(ValidationError, match="n'appartient pas"):
        services.request_assign(request=request, user=worker_b, actor=agent)
    services.request_assign(request=request, user=agent, actor=agent)
    with pytest.raises(ValidationError):
        services.request_forward(request=request, team=team_b, reason="", actor=agent)
    services.request_forward(request=request, team=team_b, reason="Relève de la polyvalence", actor=agent)
    request.refresh_from_db()
    assert request.team == team_b and request.assigned_to is None
    assert not request.events.filter(visible_to_citizen=False, comment__contains="Attribuée").exclude(actor=agent)


def test_message_from_team_emails_citizen_without_body(team_a, django_capture_on_commit_callbacks):
    agent = instructor(team_a)
    request = filed_request(team=team_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_message_post(
            request=request, author=agent, body="Votre RIB est illisible", files=[], from_citizen=False
        )
    assert len(mail.outbox) == 1 and "RIB" not in mail.outbox[0].body


def test_message_refuses_empty_body_and_bad_file(team_a):
    request = filed_request(team=team_a)
    with pytest.raises(ValidationError):
        services.request_message_post(request=request, author=request.account, body=" ", files=[], from_citizen=True)
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        services.request_message_post(
            request=request, author=request.account, body="ok", files=[bad], from_citizen=True
        )
    assert "files" in exc.value.message_dict


def test_counter_request_requires_consent(team_a, citizen):
    agent = instructor(team_a)
    with pytest.raises(ValidationError) as exc:
        services.request_open(
            citizen=citizen, procedure_title="Aide", team=team_a, channel=Request.Channel.COUNTER, actor=agent
        )
    assert "consent" in exc.value.message_dict
    request = services.request_open(
        citizen=citizen,
        procedure_title="Aide",
        team=team_a,
        channel=Request.Channel.COUNTER,
        actor=agent,
        consent_at=timezone.now(),
        typed_by=Request.TypedBy.AGENT,
    )
    assert request.status == S.SUBMITTED and request.filed_by == agent and request.consent_recorded_at
    assert request.submitted_at


def test_mail_request_opened_without_email_address(team_a, citizen, django_capture_on_commit_callbacks):
    agent = instructor(team_a)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_open(
            citizen=citizen, procedure_title="Courrier", team=team_a, channel=Request.Channel.MAIL, actor=agent
        )
    assert request.status == S.SUBMITTED and request.filed_by is None
    assert mail.outbox == []
