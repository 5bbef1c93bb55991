import datetime
import re

import pytest
from django.urls import reverse

from grc.audit.models import AccessLog
from grc.models import Citizen, CitizenMerge, DuplicateSuspicion
from grc.services.merge import citizen_merge
from tests.backoffice.factories import DuplicateSuspicionFactory, mediator
from tests.factories import AddressFactory, CitizenFactory, verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediator_user():
    return mediator()


@pytest.fixture
def mediator_client(client, mediator_user):
    return verify_otp(client, mediator_user)


@pytest.fixture
def suspicion():
    born = datetime.date(1979, 5, 17)
    a = CitizenFactory(birth_name="Le Bihan", first_names="Gwenaëlle", birth_date=born, birth_place="Rennes")
    b = CitizenFactory(birth_name="Lebihan", first_names="Gwenaëlle", birth_date=born, birth_place="Vitré")
    AddressFactory(citizen=a, line1="3 place Sainte-Anne", end_date=None)
    return DuplicateSuspicionFactory(citizen_a=a, citizen_b=b, score=0.91, reasons=["Noms proches", "Même date"])


def _get_list(client, **params):
    return client.get(reverse("backoffice:suspicion_list"), params)


def test_suspicion_list_query_count_does_not_grow_with_rows(mediator_client, django_assert_num_queries):
    DuplicateSuspicionFactory()
    _get_list(mediator_client)  # warm-up: session, OTP device, caches
    with django_assert_num_queries(6):
        response = _get_list(mediator_client)
    assert response.status_code == 200

    DuplicateSuspicionFactory.create_batch(30)
    with django_assert_num_queries(6):
        response = _get_list(mediator_client)
    assert response.status_code == 200
    assert len(re.findall(r'href="/backoffice/doublons/\d+/"', response.content.decode())) == 25


def test_suspicion_list_sorted_by_score_and_filtered_by_status(mediator_client):
    low = DuplicateSuspicionFactory(score=0.61)
    high = DuplicateSuspicionFactory(score=0.97)
    dismissed = DuplicateSuspicionFactory(score=0.99, status=DuplicateSuspicion.Status.DISMISSED)

    page = _get_list(mediator_client).content.decode()
    assert page.index(high.citizen_a.display_name) < page.index(low.citizen_a.display_name)
    assert "97 %" in page
    assert dismissed.citizen_a.display_name not in page

    page = _get_list(mediator_client, statut="dismissed").content.decode()
    assert dismissed.citizen_a.display_name in page
    assert high.citizen_a.display_name not in page


def test_identity_mediation_pages_are_404_for_a_social_worker(staff_client, suspicion):
    merge = citizen_merge(
        source=suspicion.citizen_b, target=suspicion.citizen_a, actor=mediator(), reason="même personne"
    )
    assert staff_client.get(reverse("backoffice:suspicion_list")).status_code == 404
    assert staff_client.get(reverse("backoffice:suspicion_detail", args=[suspicion.pk])).status_code == 404
    assert staff_client.get(reverse("backoffice:merge_list")).status_code == 404
    post = {"survivor": "a", "reason": "x"}
    assert staff_client.post(reverse("backoffice:suspicion_merge", args=[suspicion.pk]), post).status_code == 404
    assert staff_client.post(reverse("backoffice:suspicion_dismiss", args=[suspicion.pk])).status_code == 404
    undo = {f"annulation-{merge.pk}-reason": "x"}
    assert staff_client.post(reverse("backoffice:merge_undo", args=[merge.pk]), undo).status_code == 404
    merge.refresh_from_db()
    assert not merge.is_undone


def test_navigation_links_follow_the_mediation_right(staff_client, client, mediator_user):
    page = staff_client.get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:citizen_search") in page
    assert reverse("backoffice:suspicion_list") not in page

    DuplicateSuspicionFactory()
    client.logout()
    page = verify_otp(client, mediator_user).get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:suspicion_list") in page
    assert reverse("backoffice:merge_list") in page
    assert "1 suspicion de doublon ouverte" in page


def test_mediation_screen_highlights_differences_and_logs_both_reads(mediator_client, mediator_user, suspicion):
    response = mediator_client.get(reverse("backoffice:suspicion_detail", args=[suspicion.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<tr class="diff">') >= 3  # birth name, birth place, address
    assert 'name="keep_birth_name"' in page
    assert 'name="keep_first_names"' not in page  # same value on both sides: nothing to choose
    assert "Noms proches" in page
    logged = AccessLog.objects.filter(actor=mediator_user, action=AccessLog.Action.SUSPICION_VIEW)
    assert sorted(logged.values_list("citizen_id", flat=True)) == sorted(
        [suspicion.citizen_a_id, suspicion.citizen_b_id]
    )


def test_merge_post_merges_and_the_source_page_shows_the_banner(mediator_client, suspicion):
    a, b = suspicion.citizen_a, suspicion.citizen_b
    response = mediator_client.post(
        reverse("backoffice:suspicion_merge", args=[suspicion.pk]),
        {"survivor": "a", "keep_birth_name": "a", "keep_birth_place": "b", "reason": "Même personne (CNI vue)"},
    )

    assert response.status_code == 302
    assert response.url == a.get_absolute_url()
    merge = CitizenMerge.objects.get()
    assert (merge.source_id, merge.target_id) == (b.pk, a.pk)
    assert merge.field_choices["birth_place"] == "source"
    a.refresh_from_db()
    assert a.birth_place == "Vitré"
    suspicion.refresh_from_db()
    assert suspicion.status == DuplicateSuspicion.Status.MERGED
    page = mediator_client.get(b.get_absolute_url()).content.decode()
    assert "Fiche fusionnée dans" in page
    assert a.get_absolute_url() in page


def test_merge_without_reason_is_a_form_error_and_merges_nothing(mediator_client, suspicion):
    response = mediator_client.post(
        reverse("backoffice:suspicion_merge", args=[suspicion.pk]),
        {"survivor": "b", "keep_birth_name": "a", "reason": "  "},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Indiquez le motif de la fusion." in page
    assert 'id="keep_birth_name_a" value="a" checked' in page  # what the user chose is kept
    assert not CitizenMerge.objects.exists()
    assert Citizen.objects.filter(status=Citizen.Status.MERGED).count() == 0


def test_merge_refused_by_the_service_is_shown_in_french(mediator_client, suspicion):
    other = CitizenFactory()
    citizen_merge(source=suspicion.citizen_b, target=other, actor=mediator(), reason="autre doublon")

    response = mediator_client.post(
        reverse("backoffice:suspicion_merge", args=[suspicion.pk]), {"survivor": "a", "reason": "même personne"}
    )

    assert response.status_code == 200
    assert "déjà été fusionnée" in response.content.decode()
    assert CitizenMerge.objects.count() == 1


def test_dismiss_post_dismisses_the_suspicion(mediator_client, mediator_user, suspicion):
    response = mediator_client.post(
        reverse("backoffice:suspicion_dismiss", args=[suspicion.pk]), {"note": "Jumelles, pièces d'identité vues"}
    )

    assert response.status_code == 302
    assert response.url == reverse("backoffice:suspicion_list")
    suspicion.refresh_from_db()
    assert suspicion.status == DuplicateSuspicion.Status.DISMISSED
    assert suspicion.decided_by == mediator_user
    assert not CitizenMerge.objects.exists()


def test_merge_list_shows_merges_and_undo_restores(mediator_client, mediator_user, suspicion):
    a, b = suspicion.citizen_a, suspicion.citizen_b
    merge = citizen_merge(source=b, target=a, actor=mediator_user, reason="même personne", suspicion=suspicion)

    page = mediator_client.get(reverse("backoffice:merge_list")).content.decode()
    assert "même personne" in page
    assert reverse("backoffice:merge_undo", args=[merge.pk]) in page

    missing = mediator_client.post(reverse("backoffice:merge_undo", args=[merge.pk]), {})
    assert missing.status_code == 200
    assert "Indiquez le motif de l&#x27;annulation." in missing.content.decode()

    response = mediator_client.post(
        reverse("backoffice:merge_undo", args=[merge.pk]), {f"annulation-{merge.pk}-reason": "erreur de saisie"}
    )

    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.is_undone
    b.refresh_from_db()
    assert b.status == Citizen.Status.ACTIVE
    suspicion.refresh_from_db()
    assert suspicion.status == DuplicateSuspicion.Status.OPEN
    assert "Annulée" in mediator_client.get(reverse("backoffice:merge_list")).content.decode()
