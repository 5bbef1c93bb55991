import datetime
import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from demandes import services
from demandes.models import Request
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Membership
from tests.factories import AddressFactory, MembershipFactory, UserFactory, verify_otp
from tests.requests.factories import PDF_BYTES, citizen_account, filed_request, instructor, pdf_upload, procedure_page

pytestmark = pytest.mark.django_db

S = Request.Status


def test_space_lists_my_drafts_and_requests_only(client, team_a):
    mine = filed_request(team=team_a)
    account = mine.account
    page = procedure_page(team=team_a, title="Subvention sport")
    services.request_draft_save(account=account, procedure=page, answers={})
    other = filed_request(team=team_a)
    client.force_login(account)
    body = client.get(reverse("espace:home")).content.decode()
    assert mine.tracking_code in body and "Subvention sport" in body and "Reprendre ce brouillon" in body
    assert other.tracking_code not in body


def test_space_is_empty_before_first_filing(client):
    user = UserFactory(citizen_account=True)
    client.force_login(user)
    response = client.get(reverse("espace:home"))
    assert response.status_code == 200 and "aucune demande" in response.content.decode()
    assert client.get(reverse("espace:accesses")).status_code == 200


def test_staff_account_gets_404_in_mon_espace(client, team_a):
    verify_otp(client, instructor(team_a))
    assert client.get(reverse("espace:home")).status_code == 404


def test_request_of_someone_else_is_404(client, team_a):
    request = filed_request(team=team_a)
    other, _citizen = citizen_account()
    client.force_login(other)
    assert client.get(reverse("espace:request_detail", args=[request.tracking_code])).status_code == 404
    assert client.get(reverse("espace:request_acknowledgement", args=[request.tracking_code])).status_code == 404


def test_request_page_history_messages_and_ack_pdf(client, team_a):
    request = filed_request(team=team_a)
    agent = instructor(team_a)
    services.request_take_in_review(request=request, actor=agent)
    services.request_assign(request=request, user=agent, actor=agent)
    services.request_message_post(
        request=request, author=agent, body="Bonjour <b>Madame</b>", files=[], from_citizen=False
    )
    client.force_login(request.account)
    response = client.get(reverse("espace:request_detail", args=[request.tracking_code]))
    body = response.content.decode()
    assert "En cours d&#x27;instruction" in body or "En cours d'instruction" in body
    assert "Bonjour &lt;b&gt;Madame&lt;/b&gt;" in body
    assert "Attribuée" not in body  # internal steps are not shown to the citizen
    assert request.messages.get().read_at is not None
    pdf = client.get(reverse("espace:request_acknowledgement", args=[request.tracking_code]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_citizen_answers_request_for_documents(client, team_a):
    request = filed_request(team=team_a)
    agent = instructor(team_a)
    services.request_ask_citizen(request=request, missing_items=["Certificat de scolarité"], message="", actor=agent)
    client.force_login(request.account)
    url = reverse("espace:request_detail", args=[request.tracking_code])
    assert "Certificat de scolarité" in client.get(url).content.decode()
    answer_url = reverse("espace:request_answer", args=[request.tracking_code])
    response = client.post(answer_url, {"answer-message": ""})
    assert response.status_code == 400 and "Joignez les pièces" in response.content.decode()
    response = client.post(answer_url, {"answer-files": [pdf_upload("certificat.pdf")], "answer-message": "Voici"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == S.IN_REVIEW
    assert request.attachments.get().original_name == "certificat.pdf"


def test_citizen_answer_with_only_an_oversized_file_is_refused_and_says_why(client, team_a, settings):
    settings.DOCUMENT_MAX_BYTES = 10
    request = filed_request(team=team_a)
    services.request_ask_citizen(request=request, missing_items=["RIB"], message="", actor=instructor(team_a))
    client.force_login(request.account)
    response = client.post(
        reverse("espace:request_answer", args=[request.tracking_code]), {"answer-files": [pdf_upload("rib.pdf")]}
    )
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert "« rib.pdf » n'a pas été enregistré : Le fichier dépasse la taille maximale autorisée" in body
    assert Request.objects.get(pk=request.pk).status == S.AWAITING_CITIZEN


def test_citizen_message_with_script_is_escaped_and_bad_file_refused(client, team_a):
    request = filed_request(team=team_a)
    client.force_login(request.account)
    url = reverse("espace:request_message_post", args=[request.tracking_code])
    bad = SimpleUploadedFile("a.png", PDF_BYTES, content_type="image/png")
    response = client.post(url, {"msg-body": "<script>x()</script>", "msg-files": [bad]}, follow=True)
    assert "ne correspond pas" in response.content.decode()  # the message went, the file did not
    assert not request.attachments.exists()
    body = client.get(reverse("espace:request_detail", args=[request.tracking_code])).content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in body and "<script>x()" not in body


def test_attachment_download_own_only(client, team_a):
    request = filed_request(team=team_a)
    message = services.request_message_post(
        request=request, author=request.account, body="x", files=[pdf_upload()], from_citizen=True
    )
    url = reverse("espace:attachment_download", args=[message.attachments.get().pk])
    client.force_login(request.account)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    for closer in response._resource_closers:  # close the file, not the database connection
        closer()
    other, _c = citizen_account()
    client.force_login(other)
    assert client.get(url).status_code == 404


def test_data_download_json_and_pdf(client, team_a):
    request = filed_request(team=team_a, answers={"ecole": "Collège Chateaubriand"})
    account = request.account
    AddressFactory(citizen=account.citizen, line1="3 rue de Brest")
    services.request_message_post(request=request, author=account, body="Question", files=[], from_citizen=True)
    client.force_login(account)
    response = client.get(reverse("espace:data_json"))
    data = json.loads(response.content)
    assert data["identity"]["birth_name"] == account.citizen.birth_name
    assert data["addresses"][0]["line1"] == "3 rue de Brest"
    assert data["requests"][0]["answers"] == {"ecole": "Collège Chateaubriand"}
    assert data["requests"][0]["messages"][0]["body"] == "Question"
    pdf = client.get(reverse("espace:data_pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(actor=account, action=AccessLog.Action.CITIZEN_DATA_DOWNLOAD).count() == 2


def test_access_list_shows_team_and_role_never_names(client, team_a, django_assert_max_num_queries):
    request = filed_request(team=team_a)
    agent = UserFactory(staff=True, first_name="Gwenaëlle", last_name="Trébaol")
    MembershipFactory(user=agent, team=team_a, role=Membership.Role.INSTRUCTOR)
    access_log_write(actor=agent, action=AccessLog.Action.REQUEST_VIEW, citizen=request.citizen, obj=request)
    client.force_login(request.account)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("espace:accesses"))
    body = response.content.decode()
    assert team_a.name in body and "Agent instructeur" in body and "Consultation d&#x27;une demande" in body
    assert "Trébaol" not in body and "Gwenaëlle" not in body and agent.email not in body


def test_reading_my_access_list_is_itself_logged_but_not_a_page_past_the_last(client, team_a):
    request = filed_request(team=team_a)
    client.force_login(request.account)
    own_reads = AccessLog.objects.filter(
        citizen=request.citizen, action=AccessLog.Action.CITIZEN_SELF_VIEW, object_type="audit.accesslog"
    )
    assert client.get(reverse("espace:accesses")).status_code == 200
    assert own_reads.count() == 1 and own_reads.get().actor == request.account
    assert client.get(reverse("espace:accesses") + "?page=50").status_code == 404
    assert own_reads.count() == 1


def test_draft_delete_own_only(client, team_a, django_capture_on_commit_callbacks):
    account, _citizen = citizen_account()
    draft = services.request_draft_save(
        account=account, procedure=procedure_page(team=team_a), answers={}, files={"f": pdf_upload()}
    )
    stored = draft.attachments.get().file
    storage, name = stored.storage, stored.name
    other, _c = citizen_account()
    client.force_login(other)
    assert client.post(reverse("espace:draft_delete", args=[draft.tracking_code])).status_code == 404
    client.force_login(account)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("espace:draft_delete", args=[draft.tracking_code]))
    assert response.status_code == 302
    assert not Request.objects.filter(pk=draft.pk).exists()
    assert not storage.exists(name)


def test_filed_request_cannot_be_deleted(client, team_a):
    request = filed_request(team=team_a)
    client.force_login(request.account)
    client.post(reverse("espace:draft_delete", args=[request.tracking_code]))
    assert Request.objects.filter(pk=request.pk).exists()


def test_empty_message_is_refused_with_french_error(client, team_a):
    request = filed_request(team=team_a)
    client.force_login(request.account)
    response = client.post(reverse("espace:request_message_post", args=[request.tracking_code]), {"msg-body": " "})
    assert response.status_code == 400 and "Champ requis" in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("espace:home"))
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_access_list_uses_memberships_valid_on_the_day(client, team_a, team_b):
    import datetime

    request = filed_request(team=team_a)
    agent = UserFactory(staff=True)
    MembershipFactory(user=agent, team=team_a, role=Membership.Role.SOCIAL_WORKER)
    MembershipFactory(
        user=agent,
        team=team_b,
        role=Membership.Role.TEAM_MANAGER,
        start_date=datetime.date(2018, 1, 1),
        end_date=datetime.date(2019, 1, 1),
    )
    access_log_write(actor=agent, action=AccessLog.Action.REQUEST_VIEW, citizen=request.citizen, obj=request)
    client.force_login(request.account)
    client.get(reverse("espace:request_detail", args=[request.tracking_code]))  # my own read: not listed
    body = client.get(reverse("espace:accesses")).content.decode()
    assert "Travailleur social" in body and team_b.name not in body
    assert body.count("<time") == 1


def test_data_download_household_shows_others_by_name_and_role_only(client, team_a):
    from grc.models import Household, HouseholdMembership
    from tests.factories import CitizenFactory

    request = filed_request(team=team_a)
    account = request.account
    spouse = CitizenFactory(birth_name="Quéméner", first_names="Yann", birth_date=datetime.date(1950, 1, 2))
    household = Household.objects.create(label="Foyer Quéméner")
    HouseholdMembership.objects.create(household=household, citizen=account.citizen, role="declarant")
    HouseholdMembership.objects.create(household=household, citizen=spouse, role="conjoint")
    client.force_login(account)
    data = json.loads(client.get(reverse("espace:data_json")).content)
    assert data["household"] == [
        {
            "household": "Foyer Quéméner",
            "my_role": "Déclarant",
            "start_date": None,
            "end_date": None,
            "members": [{"name": spouse.display_name, "role": "Conjoint"}],
        }
    ]
    assert "1950-01-02" not in json.dumps(data)
    assert client.get(reverse("espace:data_pdf")).content.startswith(b"%PDF")
