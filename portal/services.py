"""Writes of the portal app itself: the portal editors' Wagtail group follows the functional-admin role.

(Pages are written by Wagtail; requests by ``demandes.services``; accounts by ``portal.accounts.services``.)
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from portal.perms import (
    ADMIN_PERMISSIONS,
    COLLECTION_PERMISSIONS,
    EDITORS_GROUP,
    PAGE_PERMISSIONS,
    SNIPPET_PERMISSIONS,
    is_portal_editor,
)


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def portal_editors_group_ensure() -> Group:
    """The editors' group with its Wagtail permissions (``portal.perms``); created or completed, idempotent.

    Page permissions are given on the tree's root and collection permissions on the root collection,
    so pages and files added later are covered. Rows the group already has are left as they are.
    """
    group, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.add(*[_permission(p) for p in ADMIN_PERMISSIONS + SNIPPET_PERMISSIONS])
    root = Page.get_first_root_node()
    if root is not None:
        for codename in PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=group, page=root, permission=_permission(f"wagtailcore.{codename}")
            )
    collection = Collection.get_first_root_node()
    if collection is not None:
        for dotted in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=_permission(dotted)
            )
    return group


@transaction.atomic
def portal_editor_sync(*, user) -> bool:
    """Put ``user`` in the editors' group when they are a current functional admin, take them out otherwise.

    Called when a membership is saved or deleted and at each login (a dated membership starts or
    ends without a save). Returns whether ``user`` is an editor now.
    """
    editor = is_portal_editor(user)
    in_group = user.groups.filter(name=EDITORS_GROUP).exists()
    if editor and not in_group:
        user.groups.add(portal_editors_group_ensure())
    elif not editor and in_group:
        user.groups.remove(*user.groups.filter(name=EDITORS_GROUP))
    return editor
