"""A citizen merge moves their letters to the survivor; undo moves them back."""

import datetime

import pytest

from grc.models import Membership
from grc.services.merge import citizen_merge, merge_undo
from mail.models import MailItem
from tests.factories import CitizenFactory, MembershipFactory
from tests.mail.test_suggest import make_item

pytestmark = pytest.mark.django_db


def test_merge_moves_letters_and_undo_gives_them_back():
    manager = MembershipFactory(role=Membership.Role.TEAM_MANAGER).user
    source = CitizenFactory(birth_name="Le Goff", first_names="Anne", birth_date=datetime.date(1980, 3, 2))
    target = CitizenFactory(birth_name="LEGOFF", first_names="Anne", birth_date=datetime.date(1980, 3, 2))
    moved = [make_item("lettre 1", citizen=source), make_item("lettre 2", citizen=source)]
    kept = make_item("lettre 3", citizen=target)

    merge = citizen_merge(source=source, target=target, actor=manager, reason="même personne")

    assert set(MailItem.objects.filter(citizen=target).values_list("pk", flat=True)) == {i.pk for i in [*moved, kept]}
    assert merge.moves["mail"] == {"items": [i.pk for i in moved]}
    last = MailItem.history.filter(id=moved[0].pk).order_by("-history_date").first()
    assert last.history_user == manager
    assert last.history_change_reason == f"fusion de l'usager n° {source.pk} dans l'usager n° {target.pk}"

    undoer = MembershipFactory(role=Membership.Role.FUNCTIONAL_ADMIN).user
    merge_undo(merge=merge, actor=undoer, reason="pas la même personne")

    assert set(MailItem.objects.filter(citizen=source).values_list("pk", flat=True)) == {i.pk for i in moved}
    assert list(MailItem.objects.filter(citizen=target).values_list("pk", flat=True)) == [kept.pk]
