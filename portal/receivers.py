"""Signal receivers of the portal, connected in ``PortalConfig.ready``: the page cache follows the content."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from grc.models import Membership
from portal.cache import portal_cache_clear
from portal.models import HomeFeaturedProcedure, ProcedureFormField, ProcedureTheme
from portal.services import portal_editor_sync

# What an anonymous portal page shows: pages, their featured procedures and fields, themes, the site.
_CONTENT = (Page, ProcedureTheme, HomeFeaturedProcedure, ProcedureFormField, Site)


def content_changed(sender, instance=None, **kwargs) -> None:
    """A page or what pages show changed: the cached anonymous pages are emptied (``portal.cache``)."""
    if instance is None or isinstance(instance, _CONTENT):
        portal_cache_clear()


def membership_changed(sender, instance, **kwargs) -> None:
    """A membership was saved or deleted: the agent's place in the portal editors' group follows."""
    portal_editor_sync(user=instance.user)


def agent_logged_in(sender, request=None, user=None, **kwargs) -> None:
    """At each agent's login: a dated functional-admin membership may have started or ended since."""
    if user is not None and user.is_staff:
        portal_editor_sync(user=user)


def connect() -> None:
    post_save.connect(membership_changed, sender=Membership, dispatch_uid="portal_editor_membership_saved")
    post_delete.connect(membership_changed, sender=Membership, dispatch_uid="portal_editor_membership_deleted")
    user_logged_in.connect(agent_logged_in, dispatch_uid="portal_editor_login")
    for signal in (post_save, post_delete):
        signal.connect(content_changed, dispatch_uid=f"portal_cache_{signal is post_save}")
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(content_changed, dispatch_uid=f"portal_cache_{id(signal)}")
