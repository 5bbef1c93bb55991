"""The GDPR rights register: legal deadlines (Art. 12(3)), transitions, history, DPO only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from privacy import services
from privacy.models import GdprRequest, add_months
from privacy.selectors import gdpr_requests_for


def _create(dpo, received_on, **kwargs):
    values = {"kind": "access", "requester_identity": "Jeanne Martin, 3 rue Haute, Rennes", "channel": "mail"}
    values.update(kwargs)
    return services.gdpr_request_create(actor=dpo, received_on=received_on, **values)


def test_month_arithmetic_clamps_to_the_end_of_the_month():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2028, 1, 31), 1) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2026, 11, 15), 2) == datetime.date(2027, 1, 15)
    assert add_months(datetime.date(2026, 3, 31), -1) == datetime.date(2026, 2, 28)


def test_deadline_is_one_month_from_receipt_and_extension_adds_two(dpo):
    request = _create(dpo, datetime.date(2026, 1, 31))
    assert request.reference.startswith("RGPD-2026-")
    assert request.deadline == datetime.date(2026, 2, 28)
    services.gdpr_request_extend(
        gdpr_request=request, actor=dpo, reason="Dossier volumineux", today=datetime.date(2026, 2, 20)
    )
    request.refresh_from_db()
    assert request.status == "extended"
    assert request.extended_deadline == datetime.date(2026, 4, 28)
    assert request.due_date == request.extended_deadline
    # Only once.
    with pytest.raises(ValidationError):
        services.gdpr_request_extend(
            gdpr_request=request, actor=dpo, reason="encore", today=datetime.date(2026, 2, 21)
        )


def test_extension_needs_a_reason_and_must_come_within_the_first_month(dpo):
    request = _create(dpo, datetime.date(2026, 1, 5))
    with pytest.raises(ValidationError) as error:
        services.gdpr_request_extend(gdpr_request=request, actor=dpo, reason=" ", today=datetime.date(2026, 1, 10))
    assert "motif" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.gdpr_request_extend(
            gdpr_request=request, actor=dpo, reason="complexe", today=datetime.date(2026, 2, 6)
        )
    assert "05/02/2026" in str(error.value)


def test_transitions_refusal_reason_and_answer_date(dpo):
    request = _create(dpo, datetime.date(2026, 10, 1))
    services.gdpr_request_transition(gdpr_request=request, actor=dpo, to_status="identity_check")
    with pytest.raises(ValidationError):
        services.gdpr_request_transition(gdpr_request=request, actor=dpo, to_status="extended")
    with pytest.raises(ValidationError):
        services.gdpr_request_transition(gdpr_request=request, actor=dpo, to_status="refused", reason="")
    services.gdpr_request_transition(
        gdpr_request=request, actor=dpo, to_status="refused", reason="Identité non justifiée"
    )
    request.refresh_from_db()
    assert request.status == "refused" and request.refusal_reason == "Identité non justifiée"
    assert request.answered_on is not None
    with pytest.raises(ValidationError):
        services.gdpr_request_transition(gdpr_request=request, actor=dpo, to_status="in_progress")
    history = list(request.history.order_by("history_date"))
    assert [h.status for h in history] == ["received", "identity_check", "refused"]
    assert all(h.history_user_id == dpo.pk for h in history)


def test_late_requests_come_first_and_late_answers_stay_flagged(dpo):
    today = timezone.localdate()
    on_time = _create(dpo, today - datetime.timedelta(days=3))
    late = _create(dpo, today - datetime.timedelta(days=45))
    assert late.is_late() and not on_time.is_late()
    assert list(gdpr_requests_for(user=dpo)) == [late, on_time]
    services.gdpr_request_transition(gdpr_request=late, actor=dpo, to_status="answered", on=today)
    late.refresh_from_db()
    assert late.is_late()  # answered after the deadline
    assert list(gdpr_requests_for(user=dpo)) == [on_time]
    assert set(gdpr_requests_for(user=dpo, include_closed=True)) == {on_time, late}


def test_only_the_dpo_writes_the_register(worker_a, dpo):
    with pytest.raises(PermissionDenied):
        _create(worker_a, datetime.date(2026, 10, 1))
    request = _create(dpo, datetime.date(2026, 10, 1))
    with pytest.raises(PermissionDenied):
        services.gdpr_request_transition(gdpr_request=request, actor=worker_a, to_status="in_progress")


def test_bad_input_gets_french_messages(dpo):
    with pytest.raises(ValidationError) as error:
        _create(dpo, timezone.localdate() + datetime.timedelta(days=2), requester_identity="", kind="nope")
    messages = error.value.message_dict
    assert set(messages) == {"kind", "requester_identity", "received_on"}
    assert "futur" in messages["received_on"][0]
    assert GdprRequest.objects.count() == 0
