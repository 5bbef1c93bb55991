"""Back-office mail screens: mailroom upload and lists, qualification, scan pages, bannettes, permissions."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dossier_unique.models import TimelineEntry
from grc.audit.models import AccessLog
from mail import services
from mail.models import MailEvent, MailItem, MailType, RoutingRule
from mail.services import mail_qualify, mail_route
from mail.suggest.citizens import citizen_label
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory, verify_otp
from tests.mail import letters

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def small_png():
    return letters.png_bytes(letters.make_letter(seed=21), dpi=60)


@pytest.fixture
def mailroom_client(client, mailroom_agent):
    return verify_otp(client, mailroom_agent)


@pytest.fixture
def rsa_type(team_a):
    return MailType.objects.create(name="RSA", code="rsa", service_level_days=5)


@pytest.fixture
def scanned(recorded_tasks, mailroom_agent, small_png, citizen, team_a, rsa_type):
    """A recognised letter with suggestions pointing at ``citizen`` and ``team_a`` (no OCR run)."""
    item = services.mail_receive(uploaded_file=letters.as_upload(small_png, "lettre.png"), user=mailroom_agent).item
    item.status = MailItem.Status.RECOGNISED
    item.ocr_text = "Demande de RSA"
    item.suggestions = {
        "citizen": [{"id": citizen.pk, "label": "DUPONT Jean", "score": 0.93, "reasons": ["Même date de naissance"]}],
        "mail_type": [{"id": rsa_type.pk, "label": "RSA", "score": 0.8, "reasons": ["Mot-clé « RSA »"]}],
        "team": [{"id": team_a.pk, "label": team_a.name, "score": 0.7, "reasons": ["3 courriers semblables"]}],
        "due_date": "2030-01-15",
        "request": None,
        "sender": "Jean DUPONT",
    }
    item.save()
    item.citizen_suggested = citizen
    return item


def routed(item, actor, citizen, team, mail_type, due=None):
    mail_qualify(item=item, actor=actor, citizen=citizen, mail_type=mail_type, team=team, due_date=due)
    return mail_route(item=item, actor=actor)


def logs(action):
    return AccessLog.objects.filter(action=action).count()


# --- mailroom ---------------------------------------------------------------------------------------


def test_mailroom_is_for_mailroom_agents_only(mailroom_client, client, worker_a):
    assert mailroom_client.get(reverse("backoffice:mailroom")).status_code == 200
    client.logout()
    verify_otp(client, worker_a)
    assert client.get(reverse("backoffice:mailroom")).status_code == 404


def test_batch_upload_lists_each_file_result(
    mailroom_client, recorded_tasks, small_png, django_capture_on_commit_callbacks
):
    files = [
        letters.as_upload(small_png, "lettre.png"),
        letters.as_upload(b"pas un pdf", "faux.pdf"),
        letters.as_upload(b"", "vide.pdf"),
        letters.as_upload(small_png, "encore.png"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = mailroom_client.post(reverse("backoffice:mailroom"), {"fichiers": files, "label": "Lot du matin"})
    assert response.status_code == 200
    page = response.content.decode()
    item = MailItem.objects.get()
    assert item.batch.label == "Lot du matin"
    assert item.registration_number in page
    assert "Ce format n&#x27;est pas accepté" in page or "Ce format n'est pas accepté" in page
    assert "Déjà reçu" in page and f"Même numérisation que le courrier {item.registration_number}" in page
    assert page.count("Refusé") == 2
    assert [t.task.name for t in recorded_tasks if "mail" in t.task.name] == ["recognise_mail"]


def test_upload_without_a_file_says_so(mailroom_client):
    response = mailroom_client.post(reverse("backoffice:mailroom"), {"label": "Lot vide"})
    assert response.status_code == 400
    assert "Choisissez au moins un fichier" in response.content.decode()
    assert 'value="Lot vide"' in response.content.decode()


def test_mailroom_lists_by_state(mailroom_client, scanned):
    page = mailroom_client.get(reverse("backoffice:mailroom")).content.decode()
    assert scanned.registration_number in page and "RSA" in page
    page = mailroom_client.get(reverse("backoffice:mailroom") + "?etat=manuel").content.decode()
    assert scanned.registration_number not in page


# --- qualification ----------------------------------------------------------------------------------


def test_qualification_screen_shows_the_scan_and_suggestions(mailroom_client, scanned):
    response = mailroom_client.get(reverse("backoffice:mail_qualify", args=[scanned.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("backoffice:mail_page", args=[scanned.pk, 1]) in page
    assert citizen_label(scanned.citizen_suggested) in page
    assert "93 %" in page and "Même date de naissance" in page
    assert re.search(rf'value="{scanned.suggestions["citizen"][0]["id"]}"[^>]*checked', page)
    assert 'value="2030-01-15"' in page
    assert "autofocus" in page and 'accesskey="s"' in page


def test_each_suggested_citizen_shown_is_logged_for_the_dpo(mailroom_client, mailroom_agent, scanned):
    """A mailroom agent sees names, not files: the DPO's 'who read this person' lists them all the same."""
    other = CitizenFactory()
    scanned.suggestions["citizen"].append({"id": other.pk, "label": "X", "score": 0.5, "reasons": []})
    scanned.save()
    page = mailroom_client.get(reverse("backoffice:mail_qualify", args=[scanned.pk])).content.decode()
    assert citizen_label(other) in page
    rows = AccessLog.objects.filter(action=AccessLog.Action.CITIZEN_MATCH).order_by("seq")
    assert [(r.citizen_id, r.actor_id, r.object_id) for r in rows] == [
        (scanned.citizen_suggested.pk, mailroom_agent.pk, str(scanned.pk)),
        (other.pk, mailroom_agent.pk, str(scanned.pk)),
    ]
    assert rows[0].purpose == f"suggestion pour le courrier {scanned.registration_number}"


def test_suggestions_show_citizens_as_they_are_now(mailroom_client, scanned):
    """Renamed: the new name. Merged: the surviving record, once. Anonymised: nobody, nothing logged."""
    from grc.services.merge import citizen_merge
    from privacy.retention import citizen_anonymise

    person = scanned.citizen_suggested
    person.usage_name = "Nouveau-Nom"
    person.save()
    day = datetime.date(1975, 6, 1)
    source = CitizenFactory(birth_name="Le Goff", first_names="Anne", birth_date=day)
    target = CitizenFactory(birth_name="LEGOFF", first_names="Anne", birth_date=day)
    gone = CitizenFactory(birth_name="Effacé", first_names="Paul")
    manager = MembershipFactory(role="team_manager").user
    citizen_merge(source=source, target=target, actor=manager, reason="même personne")
    citizen_anonymise(citizen=gone, actor=manager, reason="durée de conservation échue")
    scanned.suggestions["citizen"] += [
        {"id": source.pk, "label": "LE GOFF Anne", "score": 0.8, "reasons": []},
        {"id": target.pk, "label": "LEGOFF Anne", "score": 0.7, "reasons": []},
        {"id": gone.pk, "label": "EFFACÉ Paul", "score": 0.6, "reasons": []},
    ]
    scanned.save()
    page = mailroom_client.get(reverse("backoffice:mail_qualify", args=[scanned.pk])).content.decode()
    assert "NOUVEAU-NOM" in page and "DUPONT Jean" not in page
    assert f'value="{target.pk}"' in page and f'value="{source.pk}"' not in page
    assert page.count(f'value="{target.pk}"') == 1 and "Dossier fusionné" in page
    assert f'value="{gone.pk}"' not in page and "EFFACÉ Paul" not in page
    logged = set(AccessLog.objects.filter(action=AccessLog.Action.CITIZEN_MATCH).values_list("citizen_id", flat=True))
    assert logged == {person.pk, target.pk}


def test_enter_confirms_the_suggestions_and_routes(mailroom_client, scanned, citizen, team_a, rsa_type):
    form = {
        "citizen": str(citizen.pk),
        "mail_type": str(rsa_type.pk),
        "team": str(team_a.pk),
        "due_date": "2030-01-15",
        "action": "route",
    }
    response = mailroom_client.post(reverse("backoffice:mail_qualify", args=[scanned.pk]), form)
    assert response.status_code == 302
    scanned.refresh_from_db()
    assert scanned.status == MailItem.Status.ROUTED
    assert (scanned.citizen, scanned.team, scanned.mail_type) == (citizen, team_a, rsa_type)
    assert scanned.due_date == datetime.date(2030, 1, 15)
    assert list(scanned.events.values_list("kind", flat=True)) == ["received", "qualified", "routed"]


def test_bad_qualification_keeps_what_was_typed(mailroom_client, scanned, citizen, team_a):
    form = {
        "citizen": str(citizen.pk),
        "team": str(team_a.pk),
        "due_date": "31/02/2030",
        "tracking_code": "D-2026-ZZZZZZ",
    }
    response = mailroom_client.post(reverse("backoffice:mail_qualify", args=[scanned.pk]), form | {"action": "route"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez une date valide" in page
    assert "Aucune demande ne porte ce numéro de suivi." in page
    assert 'value="D-2026-ZZZZZZ"' in page
    scanned.refresh_from_db()
    assert scanned.status == MailItem.Status.RECOGNISED

    response = mailroom_client.post(
        reverse("backoffice:mail_qualify", args=[scanned.pk]), {"team": str(team_a.pk), "action": "route"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choisissez l&#x27;usager concerné" in page
    assert "Choisissez un type de courrier actif." in page


def test_unknown_citizen_id_is_refused(mailroom_client, scanned, team_a, rsa_type):
    form = {"citizen": "999999999", "mail_type": rsa_type.pk, "team": team_a.pk, "action": "route"}
    response = mailroom_client.post(reverse("backoffice:mail_qualify", args=[scanned.pk]), form)
    assert response.status_code == 400
    assert "Cet usager n&#x27;existe pas" in response.content.decode()


def test_search_another_citizen_keeps_the_form(mailroom_client, scanned, team_a, rsa_type):
    other = CitizenFactory(birth_name="Kerhervé", first_names="Loïc")
    form = {"q": "Kerherve Loic", "mail_type": str(rsa_type.pk), "team": str(team_a.pk), "action": "route"}
    # Enter in the search field submits with the first button: a new search term makes it a search.
    response = mailroom_client.post(reverse("backoffice:mail_qualify", args=[scanned.pk]), form)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{other.pk}"' in page and "KERHERVÉ" in page.upper()
    assert re.search(rf'<option value="{rsa_type.pk}" selected', page)
    scanned.refresh_from_db()
    assert scanned.status == MailItem.Status.RECOGNISED


def test_not_about_a_citizen(mailroom_client, scanned, team_a, rsa_type):
    form = {"citizen": "aucun", "mail_type": rsa_type.pk, "team": team_a.pk, "action": "save"}
    assert mailroom_client.post(reverse("backoffice:mail_qualify", args=[scanned.pk]), form).status_code == 302
    scanned.refresh_from_db()
    assert scanned.no_citizen and scanned.status == MailItem.Status.QUALIFIED


# --- scan pages and permissions ---------------------------------------------------------------------


def test_scan_page_is_a_png_and_each_view_is_logged(mailroom_client, scanned):
    before = logs(AccessLog.Action.MAIL_SCAN_VIEW)
    response = mailroom_client.get(reverse("backoffice:mail_page", args=[scanned.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response.content.startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, no-store"
    assert logs(AccessLog.Action.MAIL_SCAN_VIEW) == before + 1
    assert mailroom_client.get(reverse("backoffice:mail_page", args=[scanned.pk, 2])).status_code == 404


def test_pdf_pages_are_rendered(mailroom_client, recorded_tasks, mailroom_agent):
    data = letters.pdf_bytes(letters.make_letter(seed=22), pages=2, dpi=50)
    item = services.mail_receive(uploaded_file=letters.as_upload(data, "l.pdf"), user=mailroom_agent).item
    response = mailroom_client.get(reverse("backoffice:mail_page", args=[item.pk, 2]))
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_other_team_member_gets_404_everywhere(
    client, scanned, mailroom_agent, citizen, team_a, worker_a, worker_b, rsa_type
):
    routed(scanned, mailroom_agent, citizen, team_a, rsa_type)
    verify_otp(client, worker_b)
    before = logs(AccessLog.Action.MAIL_SCAN_VIEW)
    for url in (
        reverse("backoffice:mail_detail", args=[scanned.pk]),
        reverse("backoffice:mail_page", args=[scanned.pk, 1]),
        reverse("backoffice:mail_team_queue", args=[team_a.pk]),
        reverse("backoffice:mail_qualify", args=[scanned.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("backoffice:mail_take", args=[scanned.pk])).status_code == 404
    assert logs(AccessLog.Action.MAIL_SCAN_VIEW) == before
    client.logout()
    verify_otp(client, worker_a)
    assert client.get(reverse("backoffice:mail_page", args=[scanned.pk, 1])).status_code == 200


def test_mailroom_agent_cannot_open_a_social_file(mailroom_client, followed):
    file, _ = followed
    assert mailroom_client.get(reverse("backoffice:file_detail", args=[file.pk])).status_code == 404


# --- bannette ---------------------------------------------------------------------------------------


def test_bannette_overdue_first_assign_forward_handle(
    client, recorded_tasks, mailroom_agent, team_a, team_b, worker_a, rsa_type
):
    today = timezone.localdate()
    items = {}
    # Fixed, distinct seeds: hash(name) changes with each process and two equal seeds give the same
    # bytes, which reception keeps as one item (a duplicate).
    for seed, (name, due) in enumerate((("later", 10), ("overdue", -3), ("soon", 1)), start=101):
        data = letters.png_bytes(letters.make_letter(seed=seed), dpi=40)
        item = services.mail_receive(uploaded_file=letters.as_upload(data, f"{name}.png"), user=mailroom_agent).item
        MailItem.objects.filter(pk=item.pk).update(status=MailItem.Status.RECOGNISED)
        item.refresh_from_db()
        mail_qualify(
            item=item,
            actor=mailroom_agent,
            no_citizen=True,
            mail_type=rsa_type,
            team=team_a,
            due_date=today + datetime.timedelta(days=due),
        )
        items[name] = mail_route(item=item, actor=mailroom_agent)
    verify_otp(client, worker_a)
    url = reverse("backoffice:mail_team_queue", args=[team_a.pk])
    before = logs(AccessLog.Action.MAIL_QUEUE)
    page = client.get(url).content.decode()
    assert logs(AccessLog.Action.MAIL_QUEUE) == before + 1
    order = [page.index(items[n].registration_number) for n in ("overdue", "soon", "later")]
    assert order == sorted(order)
    assert "en retard" in page

    response = client.post(reverse("backoffice:mail_take", args=[items["soon"].pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("backoffice:mail_detail", args=[items["soon"].pk])
    mine = client.get(url + "?vue=moi").content.decode()
    assert items["soon"].registration_number in mine and items["later"].registration_number not in mine

    response = client.post(
        reverse("backoffice:mail_forward", args=[items["later"].pk]), {"team": team_b.pk, "reason": ""}
    )
    assert response.status_code == 400
    assert "Indiquez le motif du transfert." in response.content.decode()
    response = client.post(
        reverse("backoffice:mail_forward", args=[items["later"].pk]), {"team": team_b.pk, "reason": "Domicile à Redon"}
    )
    assert response.status_code == 302
    assert MailEvent.objects.get(item=items["later"], kind="forwarded").comment == "Domicile à Redon"
    assert client.get(reverse("backoffice:mail_detail", args=[items["later"].pk])).status_code == 404

    client.post(reverse("backoffice:mail_done", args=[items["overdue"].pk]))
    done = client.get(url + "?vue=traites").content.decode()
    assert items["overdue"].registration_number in done
    todo = client.get(url).content.decode()
    assert items["overdue"].registration_number not in todo


def test_detail_shows_history_and_acknowledgement(
    client, scanned, mailroom_agent, citizen, team_a, worker_a, rsa_type
):
    rsa_type.acknowledgement_enabled = True
    rsa_type.save()
    routed(scanned, mailroom_agent, citizen, team_a, rsa_type)
    verify_otp(client, worker_a)
    page = client.get(reverse("backoffice:mail_detail", args=[scanned.pk])).content.decode()
    assert "Aiguillé" in page and "Qualifié" in page
    response = client.post(reverse("backoffice:mail_acknowledgement", args=[scanned.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert MailEvent.objects.filter(item=scanned, kind="acknowledged").count() == 1


def test_nav_entries(mailroom_client, client, worker_b):
    page = mailroom_client.get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:mailroom") in page
    client.logout()
    verify_otp(client, worker_b)
    page = client.get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:mailroom") not in page and reverse("backoffice:mail_team_queues") in page


def test_functional_admin_edits_types_and_rules_in_wagtail(client):
    admin = UserFactory(staff=True, is_superuser=True)
    verify_otp(client, admin)
    assert client.get(reverse("wagtailsnippets_mail_mailtype:list")).status_code == 200
    response = client.post(
        reverse("wagtailsnippets_mail_routingrule:add"),
        {
            "name": "Transport",
            "priority": 100,
            "keywords": "transport scolaire",
            "pattern": "",
            "sender": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert RoutingRule.objects.get().keywords == "transport scolaire"


# --- end to end with real Tesseract -----------------------------------------------------------------


def test_upload_recognise_qualify_route_end_to_end(
    client, django_capture_on_commit_callbacks, mailroom_agent, worker_a, team_a
):
    """A generated letter goes through real OCR and suggestions to the team's bannette and the timeline."""
    from tests.dossier_unique.factories import open_file

    person = CitizenFactory(birth_name="Rouxel", first_names="Sophie", birth_date=datetime.date(1984, 5, 12))
    CitizenFactory(birth_name="Rouxel", first_names="Sophie", birth_date=datetime.date(1961, 9, 3))
    file, _ = open_file(citizen=person, team=team_a, actor=worker_a)
    transport = TeamFactory(name="Transport scolaire adapté")
    MembershipFactory(team=transport, user=worker_a)
    mail_type = MailType.objects.create(name="Transport scolaire adapté", code="transport", service_level_days=15)
    RoutingRule.objects.create(name="Transport", keywords="transport scolaire", mail_type=mail_type, team=transport)
    letter = letters.make_letter(
        seed=5, kind="transport", first_name="Sophie", last_name="ROUXEL", birth_date=datetime.date(1984, 5, 12)
    )
    verify_otp(client, mailroom_agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("backoffice:mailroom"), {"fichiers": [letters.as_upload(letters.png_bytes(letter), "scan.png")]}
        )
    assert response.status_code == 200
    assert "Refusé" not in response.content.decode(), re.findall(r"Refusé</span>[^<]*", response.content.decode())
    item = MailItem.objects.get()
    assert item.status == MailItem.Status.RECOGNISED, item.failure_reason
    suggestions = item.suggestions
    assert suggestions["citizen"][0]["id"] == person.pk
    assert suggestions["team"][0]["id"] == transport.pk
    assert suggestions["mail_type"][0]["id"] == mail_type.pk

    page = client.get(reverse("backoffice:mail_qualify", args=[item.pk])).content.decode()
    assert re.search(rf'value="{person.pk}"[^>]*checked', page)
    form = {"citizen": person.pk, "mail_type": mail_type.pk, "team": transport.pk, "due_date": suggestions["due_date"]}
    response = client.post(reverse("backoffice:mail_qualify", args=[item.pk]), form | {"action": "route"})
    assert response.status_code == 302

    client.logout()
    verify_otp(client, worker_a)
    bannette = client.get(reverse("backoffice:mail_team_queue", args=[transport.pk])).content.decode()
    assert item.registration_number in bannette
    entry = TimelineEntry.objects.get(citizen=person, kind=TimelineEntry.Kind.MAIL_ROUTED)
    assert entry.file == file and item.registration_number in entry.title


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up: the first page of a session also refreshes the staff "last seen"
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_query_count_does_not_grow_with_items(
    client, recorded_tasks, mailroom_agent, team_a, worker_a, rsa_type, citizen
):
    def add(n, start):
        for i in range(start, start + n):
            data = letters.png_bytes(letters.make_letter(seed=300 + i), dpi=30)
            item = services.mail_receive(uploaded_file=letters.as_upload(data, f"{i}.png"), user=mailroom_agent).item
            MailItem.objects.filter(pk=item.pk).update(status=MailItem.Status.RECOGNISED)
            item.refresh_from_db()
            if i % 2:
                routed(item, mailroom_agent, citizen, team_a, rsa_type)

    add(2, 0)
    verify_otp(client, mailroom_agent)
    mailroom = reverse("backoffice:mailroom")
    few_mailroom = _queries(client, mailroom)
    client.logout()
    verify_otp(client, worker_a)
    bannette = reverse("backoffice:mail_team_queue", args=[team_a.pk])
    few_bannette = _queries(client, bannette)
    add(6, 2)
    assert _queries(client, bannette) == few_bannette
    client.logout()
    verify_otp(client, mailroom_agent)
    assert _queries(client, mailroom) == few_mailroom


def test_short_search_and_repeated_actions_give_messages_not_errors(
    client, mailroom_client, scanned, mailroom_agent, citizen, team_a, worker_a, rsa_type
):
    response = mailroom_client.post(
        reverse("backoffice:mail_qualify", args=[scanned.pk]), {"q": "a", "action": "search", "team": team_a.pk}
    )
    assert response.status_code == 400
    assert "Saisissez au moins deux lettres du nom." in response.content.decode()

    routed(scanned, mailroom_agent, citizen, team_a, rsa_type)
    # Qualifying an already routed letter sends to its page instead.
    response = mailroom_client.get(reverse("backoffice:mail_qualify", args=[scanned.pk]))
    assert response["Location"] == reverse("backoffice:mail_detail", args=[scanned.pk])
    mailroom_client.logout()
    verify_otp(client, worker_a)
    client.post(reverse("backoffice:mail_done", args=[scanned.pk]))
    response = client.post(reverse("backoffice:mail_done", args=[scanned.pk]), follow=True)
    assert response.status_code == 200
    assert "Seul un courrier aiguillé peut être marqué comme traité." in response.content.decode()
    response = client.post(reverse("backoffice:mail_take", args=[scanned.pk]), follow=True)
    assert "Seul un courrier aiguillé et non traité peut être attribué." in response.content.decode()
