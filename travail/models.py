"""Tasks and notifications of the agents' day.

A **task** is about one thing (a social file, a request, an incoming letter or an invitation to book, or
nothing), is given
to a person or to a team, may have a due date, and is done once. A **notification** tells one agent
that something waits for them: its kind and a back-office link, no personal data (the link's page
applies its own rules). A **notification opt-out** stops the daily e-mail digest of one kind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Task(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Saisie par un agent")
        CITIZEN_REPLY = "citizen_reply", _("Réponse de l'usager")
        DOCUMENT_RETURNED = "document_returned", _("Pièces renvoyées par l'usager")
        INVITATION_EXPIRED = "invitation_expired", _("Invitation expirée sans rendez-vous")

    title = models.CharField(_("intitulé"), max_length=200)
    file = models.ForeignKey(
        "dossier_unique.SocialFile",
        verbose_name=_("dossier social"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request = models.ForeignKey(
        "grc_requests.Request",
        verbose_name=_("demande"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mail_item = models.ForeignKey(
        "mail.MailItem",
        verbose_name=_("courrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # SET_NULL: the invitation's retention purge (``rendezvous.retention``, a year after its end) must not be
    # blocked by a task; the task, long done by then, stays without its link (its title names no one).
    invitation = models.ForeignKey(
        "rendezvous.Invitation",
        verbose_name=_("invitation à prendre rendez-vous"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="travail_tasks",
    )
    team = models.ForeignKey(
        "grc.Team", verbose_name=_("équipe"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    source = models.CharField(_("origine"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    done_at = models.DateTimeField(_("faite le"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee__isnull=False) | Q(team__isnull=False), name="task_has_assignee_or_team"
            ),
            models.CheckConstraint(
                condition=(
                    Q(file__isnull=True, request__isnull=True, mail_item__isnull=True)
                    | Q(file__isnull=True, request__isnull=True, invitation__isnull=True)
                    | Q(file__isnull=True, mail_item__isnull=True, invitation__isnull=True)
                    | Q(request__isnull=True, mail_item__isnull=True, invitation__isnull=True)
                ),
                name="task_about_one_thing",
            ),
            # One follow-up task per invitation, ever: the job follows an invitation up once.
            models.UniqueConstraint(
                fields=["invitation"],
                condition=Q(source="invitation_expired"),
                name="one_follow_up_task_per_invitation",
            ),
        ]
        indexes = [
            # "My open tasks by due date" and "my teams' open tasks": the two reads of Ma journée.
            models.Index(
                fields=["assignee", "due_date"], condition=Q(done_at__isnull=True), name="task_open_assignee"
            ),
            models.Index(fields=["team", "due_date"], condition=Q(done_at__isnull=True), name="task_open_team"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Notification(models.Model):
    class Kind(models.TextChoices):
        TASK_ASSIGNED = "task_assigned", _("Tâche qui vous est confiée")
        CITIZEN_REPLIED = "citizen_replied", _("Message d'un usager")
        DOCUMENT_RETURNED = "document_returned", _("Pièces renvoyées par un usager")
        WORK_TRANSFERRED = "work_transferred", _("Dossiers reçus d'un collègue absent")
        INVITATION_EXPIRED = "invitation_expired", _("Invitation sans rendez-vous à relancer")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    # A back-office path ("/backoffice/demandes/D-2026-7K3M9Q/"): codes, never names.
    url = models.CharField(_("lien"), max_length=300)
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    # Set when the notification went into a daily digest (each goes into one digest at most).
    emailed_at = models.DateTimeField(_("envoyée par e-mail le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            models.Index(fields=["emailed_at"], condition=Q(emailed_at__isnull=True), name="notification_to_email"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient_id}"


class NotificationOptOut(models.Model):
    """An agent asked for no e-mail digest of ``kind`` (the in-app list still shows it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("type"), max_length=30, choices=Notification.Kind.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("désabonnement d'une notification")
        verbose_name_plural = _("désabonnements des notifications")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_opt_out_per_kind")]

    def __str__(self):
        return f"{self.user_id}: {self.kind}"


class BulkJob(models.Model):
    """One bulk action on a team's requests, run by the worker row by row: who asked what, and a result per
    row (``results``: ``{"code", "ok", "message", "previous"}``), with its progress (``done`` of ``total``)."""

    class Action(models.TextChoices):
        ASSIGN = "assign", _("Attribuer")
        TAKE_IN_REVIEW = "take_in_review", _("Passer en instruction")
        UNDO_ASSIGN = "undo_assign", _("Annuler une attribution en lot")
        CLOSE = "close", _("Classer sans suite")
        MAIL_ASSIGN = "mail_assign", _("Attribuer des courriers")
        MAIL_HANDLE = "mail_handle", _("Marquer des courriers traités")
        MAIL_UNDO_ASSIGN = "mail_undo_assign", _("Annuler une attribution de courriers")
        HANDOVER = "handover", _("Reprise d'un agent absent")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminée")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("grc.Team", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # For ASSIGN: the agent (None: take the requests back to the team's queue).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    codes = models.JSONField(default=list)
    results = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    undo_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="undos")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("action en lot")
        verbose_name_plural = _("actions en lot")

    def __str__(self):
        return f"{self.get_action_display()} ({self.done}/{self.total})"


TEMPLATE_NAME_MAX_LENGTH = 100
TEMPLATE_BODY_MAX_LENGTH = 5000
LETTER_SUBJECT_MAX_LENGTH = 200
LETTER_BODY_MAX_LENGTH = 10000


class MessageTemplate(models.Model):
    """A team's model text for request messages and outgoing letters. The body is plain text with
    ``{{ nom }}``-style placeholders from a fixed list (``travail.templates_render.VARIABLES``), never a
    Django template: what a manager types is never executed."""

    team = models.ForeignKey("grc.Team", verbose_name=_("équipe"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom du modèle"), max_length=TEMPLATE_NAME_MAX_LENGTH)
    body = models.TextField(_("texte"), max_length=TEMPLATE_BODY_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("modèle de message")
        verbose_name_plural = _("modèles de message")
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="one_template_name_per_team")]

    def __str__(self):
        return self.name


class OutgoingLetter(models.Model):
    """A letter the Département sends to a citizen, numbered in the outgoing register (``year``,
    ``number``: a per-year sequence without gaps, given under a lock by ``letters_services``).

    The recipient's name and address are copied as printed, so the PDF made again later is the letter
    that was sent. The letter is about a social file or a request (what gave the author the right to
    write it); ``portal_message`` is the request message that put it in the citizen's Mon espace, and
    ``portal_published_at`` when it went there directly (no online request: "Mes documents" lists it).
    """

    year = models.PositiveSmallIntegerField(_("année"))
    number = models.PositiveIntegerField(_("numéro"))
    team = models.ForeignKey("grc.Team", verbose_name=_("équipe"), on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(
        "grc.Citizen", verbose_name=_("usager"), on_delete=models.PROTECT, related_name="outgoing_letters"
    )
    file = models.ForeignKey(
        "dossier_unique.SocialFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request = models.ForeignKey(
        "grc_requests.Request", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    recipient_name = models.CharField(_("destinataire"), max_length=300)
    recipient_address = models.TextField(_("adresse du destinataire"), max_length=1000, blank=True)
    subject = models.CharField(_("objet"), max_length=LETTER_SUBJECT_MAX_LENGTH)
    body = models.TextField(_("texte"), max_length=LETTER_BODY_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rédacteur"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    portal_message = models.ForeignKey(
        "grc_requests.RequestMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    portal_published_at = models.DateTimeField(_("déposé dans Mon espace le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("courrier sortant")
        verbose_name_plural = _("courriers sortants")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="one_outgoing_number_per_year"),
            models.CheckConstraint(
                condition=Q(file__isnull=False) | Q(request__isnull=False), name="outgoing_letter_has_subject"
            ),
        ]
        indexes = [models.Index(fields=["team", "-year", "-number"], name="outgoing_register_team")]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"CS-{self.year}-{self.number:05d}"
