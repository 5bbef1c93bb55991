"""Demo requests: a few in each status for the demo portal account and some demo citizens.

Runs after the portal's procedures (the portal registers its seeder ``before`` this one). A procedure
is a live Wagtail page with a form, looked up by slug and read through ``.specific`` as ``demandes``
reads procedures (the demo sits below the portal and does not import its models); a missing one is
skipped. Idempotent: each planned request is recognised by its account or citizen and procedure title.
No e-mail is sent.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from demandes import notifications, services
from demandes.models import Request
from grc.models import Citizen, User

from .. import data


def _page(slug):
    """The live procedure page of ``slug`` (the first in the page tree), or None."""
    for page in Page.objects.live().filter(slug=slug).order_by("path"):
        procedure = page.specific
        if hasattr(procedure, "form_fields"):
            return procedure
    return None


def _answers(page) -> dict:
    """Plausible answers for every non-file field of a procedure's form."""
    answers = {}
    for field in getattr(page, "form_fields", None).all() if hasattr(page, "form_fields") else []:
        choices = [c.strip() for c in (field.choices or "").splitlines() if c.strip()]
        if field.field_type == "file":
            continue
        if field.field_type == "date":
            answers[field.clean_name] = "2014-03-02"
        elif field.field_type in ("dropdown", "radio") and choices:
            answers[field.clean_name] = choices[0]
        elif field.field_type in ("checkboxes", "multiselect") and choices:
            answers[field.clean_name] = choices[:2]
        elif field.field_type == "checkbox":
            answers[field.clean_name] = True
        elif field.field_type == "number":
            answers[field.clean_name] = "3"
        elif field.field_type == "email":
            answers[field.clean_name] = data.PORTAL_ACCOUNT_EMAIL
        elif field.required:
            answers[field.clean_name] = "Exemple de réponse"
    return answers


def _agent(page, actor):
    """An instructor of the procedure's team, else the seeding account."""
    team = getattr(page, "destination_team", None)
    if team is None:
        return actor
    user = (
        User.objects.filter(memberships__team=team, memberships__role="instructor", is_active=True)
        .order_by("pk")
        .first()
    )
    return user or actor


def _web_request(*, account, citizen, page, actor, steps, counts):
    if Request.objects.filter(account=account, procedure_title=page.title).exists():
        counts.add("demandes", False)
        return
    draft = services.request_draft_save(account=account, procedure=page, answers=_answers(page))
    if steps == "draft":
        counts.add("demandes", True)
        return
    request = services.request_submit(request=draft, actor=account, citizen=citizen)
    _advance(request, steps, _agent(page, actor), account)
    counts.add("demandes", True)


def _advance(request, steps, agent, account):
    if steps == "submitted":
        return
    services.request_take_in_review(request=request, actor=agent)
    if steps == "awaiting":
        services.request_ask_citizen(
            request=request,
            missing_items=["Certificat de scolarité pour l'année à venir"],
            message="Bonjour, il nous manque le certificat de scolarité pour instruire votre demande.",
            actor=agent,
        )
    elif steps == "accepted":
        services.request_message_post(
            request=request, author=agent, body="Votre dossier est complet, merci.", files=[], from_citizen=False
        )
        services.request_accept(request=request, reason="Dossier complet et conforme.", actor=agent)
    elif steps == "refused":
        services.request_refuse(request=request, reason="La demande ne relève pas de ce dispositif.", actor=agent)
    elif steps == "closed":
        services.request_close(request=request, reason="Demande en double.", actor=agent)


def seed(*, actor, counts) -> None:
    """The registered seeder (``demo.requests``): four web requests of the portal account, four by other channels."""
    account = User.objects.filter(email=data.PORTAL_ACCOUNT_EMAIL).first()
    citizen = Citizen.objects.filter(user=account).first() if account else None
    plan_web = [
        ("transport-scolaire-adapte", "awaiting"),
        ("fapa", "accepted"),
        ("demande-de-mediation", "submitted"),
        ("contacter-un-service", "draft"),
    ]
    plan_other = [
        ("transport-scolaire-adapte", Request.Channel.MAIL, "in_review"),
        ("transport-scolaire-adapte", Request.Channel.PHONE, "refused"),
        ("transport-scolaire-adapte", Request.Channel.COUNTER, "closed"),
        ("demande-de-mediation", Request.Channel.COUNTER, "submitted"),
    ]
    with notifications.suppressed(), transaction.atomic():
        if account is not None and citizen is not None:
            for slug, steps in plan_web:
                page = _page(slug)
                if page is not None:
                    _web_request(account=account, citizen=citizen, page=page, actor=actor, steps=steps, counts=counts)
        others = list(Citizen.objects.filter(user__isnull=True, status=Citizen.Status.ACTIVE).order_by("pk")[:20])
        for index, (slug, channel, steps) in enumerate(plan_other):
            page = _page(slug)
            if page is None or index >= len(others):
                continue
            person = others[index]
            if Request.objects.filter(citizen=person, procedure_title=page.title).exists():
                counts.add("demandes", False)
                continue
            agent = _agent(page, actor)
            request = services.request_open(
                citizen=person,
                procedure_title=page.title,
                team=None,
                channel=channel,
                actor=agent,
                procedure=page,
                answers=_answers(page),
                consent_at=timezone.now() if channel == Request.Channel.COUNTER else None,
                typed_by=Request.TypedBy.AGENT,
                due_date=timezone.localdate() - datetime.timedelta(days=3) if steps == "in_review" else None,
            )
            _advance(request, steps, agent, None)
            counts.add("demandes", True)
