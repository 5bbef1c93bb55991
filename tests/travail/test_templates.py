"""Message templates: a team's managers write them with placeholders from a fixed list (anything else is a
French error at save time), the history keeps every version, and an agent of the team fills a request
message from one — the citizen's name, the request code and dates filled in, nothing executed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grc.models import Membership
from tests.factories import MembershipFactory, verify_otp
from tests.requests.factories import filed_request, instructor
from travail import templates_services as services
from travail.models import MessageTemplate
from travail.templates_render import Values, placeholder_errors, render

pytestmark = pytest.mark.django_db

BODY = (
    "Bonjour {{ nom }},\nvotre demande {{code_demande}} ({{ demarche }}) est à l'étude depuis le {{ date_du_jour }}."
)


def test_rendering_substitutes_known_placeholders_only_and_executes_nothing():
    values = Values(nom="Maëlle KERHERVÉ", code_demande="D-2026-ABC", demarche="Transport", date_du_jour="07/12/2026")
    text, missing = render(BODY + " RDV : {{ date_rendez_vous }}", values)
    assert text == (
        "Bonjour Maëlle KERHERVÉ,\nvotre demande D-2026-ABC (Transport) est à l'étude depuis le 07/12/2026. RDV : "
    )
    assert missing == ["date_rendez_vous"]
    # In a prefilled form, what has no value stays visible for the agent to complete.
    kept, _ = render("RDV : {{ date_rendez_vous }}", values, keep_missing=True)
    assert kept == "RDV : {{ date_rendez_vous }}"
    # A value is inserted as text, never read again as a placeholder or a tag.
    text, _ = render("{{ nom }}", Values(nom="{{ code_demande }} {% load x %}", code_demande="X"))
    assert text == "{{ code_demande }} {% load x %}"
    assert placeholder_errors(BODY) == []
    assert placeholder_errors("{{ user.password }}") and placeholder_errors("{% debug %}")
    assert placeholder_errors("Bonjour {{ nom }") == [
        "Accolades ou balises mal formées : écrivez une variable sous la forme {{ nom }}."
    ]


def test_a_manager_writes_changes_and_deletes_a_template_with_history(team_a, manager_a):
    template = services.message_template_create(actor=manager_a, team=team_a, name="  Accusé  ", body=BODY)
    assert (template.name, template.team, template.created_by) == ("Accusé", team_a, manager_a)
    services.message_template_update(actor=manager_a, template=template, name="Accusé de réception", body="{{ nom }}")
    pk = template.pk
    services.message_template_delete(actor=manager_a, template=template)
    history = MessageTemplate.history.filter(id=pk).order_by("history_date")
    assert [(h.history_type, h.name, h.history_user) for h in history] == [
        ("+", "Accusé", manager_a),
        ("~", "Accusé de réception", manager_a),
        ("-", "Accusé de réception", manager_a),
    ]


def test_bad_templates_are_refused_in_french_and_nothing_is_saved(team_a, team_b, manager_a, worker_a):
    services.message_template_create(actor=manager_a, team=team_a, name="Relance", body="Bonjour")
    cases = [
        (manager_a, team_a, "Relance", "x", "Votre équipe a déjà un modèle de ce nom."),
        (manager_a, team_a, "  ", "x", "Donnez un nom au modèle."),
        (manager_a, team_a, "A", "   ", "Le texte du modèle est vide."),
        (manager_a, team_a, "A", "x" * 5001, "Le texte est trop long (5 000 caractères au plus)."),
        (manager_a, team_a, "A", "{{ nom }} {{ iban }}", "Variable inconnue : « {{ iban }} »."),
        (manager_a, team_a, "A", "{{ request.user.password }}", "Variable inconnue"),
        (manager_a, team_a, "A", "{% include 'x' %}", "Accolades ou balises mal formées"),
        (worker_a, team_a, "A", "x", "Seuls les responsables de l'équipe gèrent ses modèles."),
        (manager_a, team_b, "A", "x", "Seuls les responsables de l'équipe gèrent ses modèles."),
    ]
    for actor, team, name, body, message in cases:
        with pytest.raises(ValidationError) as error:
            services.message_template_create(actor=actor, team=team, name=name, body=body)
        assert any(message in m for m in error.value.messages), (name, body[:30], error.value.messages)
    assert MessageTemplate.objects.count() == 1


def test_the_template_screens_are_for_the_teams_managers(client, team_a, team_b, manager_a, worker_a):
    other = services.message_template_create(
        actor=MembershipFactory(team=team_b, role=Membership.Role.TEAM_MANAGER).user,
        team=team_b,
        name="Autre équipe",
        body="x",
    )
    verify_otp(client, manager_a)
    url = reverse("backoffice:template_create")
    # Refused: the typed text comes back with the French message; nothing saved; never a 500.
    response = client.post(url, {"team": team_a.pk, "name": "Rappel", "body": "Bonjour {{ prenom }}"})
    assert response.status_code == 422
    assert "Variable inconnue : « {{ prenom }} »" in response.content.decode()
    assert "Bonjour {{ prenom }}" in response.content.decode()
    response = client.post(url, {"team": team_a.pk, "name": "Rappel", "body": "<script>alert(1)</script> {{ nom }}"})
    assert response.status_code == 302
    mine = MessageTemplate.objects.get(name="Rappel")
    page = client.get(reverse("backoffice:template_edit", args=[mine.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "Autre équipe" not in client.get(reverse("backoffice:template_list")).content.decode()
    assert client.get(reverse("backoffice:template_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("backoffice:template_delete", args=[other.pk])).status_code == 404
    # A plain agent of the team uses templates but does not manage them.
    verify_otp(client, worker_a)
    assert client.get(reverse("backoffice:template_list")).status_code == 404
    assert client.post(url, {"team": team_a.pk, "name": "X", "body": "x"}).status_code == 404


def test_a_request_message_is_filled_from_a_template(client, team_a, manager_a, django_assert_max_num_queries):
    agent = instructor(team_a)
    req = filed_request(team=team_a)
    req.citizen.first_names, req.citizen.birth_name, req.citizen.usage_name = "Maëlle", "Kerhervé", ""
    req.citizen.save()
    template = services.message_template_create(
        actor=manager_a, team=team_a, name="Étude", body=BODY + "\nRendez-vous : {{ date_rendez_vous }}"
    )
    verify_otp(client, agent)
    url = reverse("backoffice:request_detail", args=[req.tracking_code])
    page = client.get(url).content.decode()
    assert "Appliquer le modèle" in page and "Étude" in page
    with django_assert_max_num_queries(40):
        response = client.get(url, {"modele": template.pk})
    page = response.content.decode()
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Bonjour Maëlle KERHERVÉ,\nvotre demande {req.tracking_code}" in page
    assert f"(Transport scolaire adapté) est à l&#x27;étude depuis le {today}." in page
    # No appointment: the placeholder stays for the agent, and a warning says so.
    assert "Rendez-vous : {{ date_rendez_vous }}" in page
    assert "Ces variables n&#x27;ont pas de valeur ici" in page
    # Another team's template, or garbage, is a 404, not a 500.
    other_team_template = MessageTemplate.objects.create(team=MembershipFactory().team, name="x", body="x")
    assert client.get(url, {"modele": other_team_template.pk}).status_code == 404
    for garbage in ("1e999", "²", "9" * 30):
        assert client.get(url, {"modele": garbage}).status_code == 404
