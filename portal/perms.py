"""Who builds the portal: functional admins edit, publish and file-test procedures in the Wagtail admin.

A functional admin (a *current* ``functional_admin`` membership, ``grc.perms.membership_current_q``)
is put in the Django group ``EDITORS_GROUP`` by ``portal.services.portal_editor_sync``: Wagtail's
page, snippet, image and document permissions are read from groups. Nobody else edits the portal
(superusers aside); agents without the role get Wagtail's "permission denied".
"""

from __future__ import annotations

from grc.models import Membership
from grc.perms import is_agent, membership_current_q

EDITORS_GROUP = "Éditeurs du portail"

# What the group may do: reach the admin; add, edit, publish, lock pages under the root (the portal's
# whole tree); manage procedure themes; upload and choose images and documents.
ADMIN_PERMISSIONS = ["wagtailadmin.access_admin"]
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
SNIPPET_PERMISSIONS = ["portal.add_proceduretheme", "portal.change_proceduretheme", "portal.delete_proceduretheme"]
COLLECTION_PERMISSIONS = [
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
]


def is_portal_editor(user) -> bool:
    """An active agent with a current functional-admin membership (the rule above)."""
    if not is_agent(user):
        return False
    return Membership.objects.filter(
        membership_current_q(roles=[Membership.Role.FUNCTIONAL_ADMIN]), user=user
    ).exists()
