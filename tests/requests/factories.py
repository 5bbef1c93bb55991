"""Set-up helpers for requests: a procedure page, drafts and filed requests made through the services."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Page

from demandes import services
from grc.models import Membership
from tests.dossier_unique.factories import PDF_BYTES, PNG_BYTES
from tests.factories import CitizenFactory, MembershipFactory, UserFactory

__all__ = ["PDF_BYTES", "PNG_BYTES"]


def procedure_page(*, team=None, days=30, title="Transport scolaire adapté", slug=None):
    """A live procedure page under the site root: the portal's ``ProcedurePage`` when it exists."""
    from wagtail.models import Locale

    # A transactional (browser) test run earlier on a reused database flushes Wagtail's root rows.
    Locale.objects.get_or_create(language_code="fr")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root", live=True))
    slug = slug or f"demarche-{Page.objects.count()}"
    try:
        from portal.models import ProcedurePage
    except ImportError:  # the portal's procedure pages not there yet: a plain page
        return root.add_child(instance=Page(title=title, slug=slug))
    return root.add_child(
        instance=ProcedurePage(
            title=title, slug=slug, summary="Résumé", destination_team=team, service_level_days=days
        )
    )


def instructor(team):
    return MembershipFactory(team=team, role=Membership.Role.INSTRUCTOR).user


def citizen_account(**kwargs):
    """A portal account linked to a citizen (as ``ensure_citizen`` leaves it after a first filing)."""
    user = UserFactory(citizen_account=True, **kwargs)
    citizen = CitizenFactory(user=user)
    return user, citizen


def pdf_upload(name="justificatif.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def filed_request(*, team, account=None, citizen=None, procedure=None, answers=None):
    """A web request filed by ``account`` (a new portal account by default) for ``team``."""
    if account is None:
        account, citizen = citizen_account()
    procedure = procedure or procedure_page(team=team)
    draft = services.request_draft_save(
        account=account, procedure=procedure, answers=answers or {"ecole": "Collège Anne de Bretagne"}
    )
    return services.request_submit(request=draft, actor=account, citizen=citizen or account.citizen)
