"""Appointments (rendez-vous): lieux, motifs, weekly opening slots, absences, appointments and participants.

Free slots are never stored: ``rendezvous.slots`` computes them from the rules (opening slots minus absences,
French public holidays and taken appointments). Two people can never hold the same individual slot: an
exclusion constraint on (agent, time range) for active individual appointments, and a row lock on the agent
for group sessions (``rendezvous.services.booking``). Writes go through ``rendezvous.services``; reads through
``rendezvous.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _
from opening_hours import OpeningHours
from simple_history.models import HistoricalRecords


def validate_opening_hours(value: str) -> None:
    """Refuse an opening-hours string the OpenStreetMap ``opening_hours`` grammar cannot parse."""
    if not value:
        return
    try:
        OpeningHours(value)
    except Exception as exc:  # the parser raises its own ParserError (and ValueError on some inputs)
        raise ValidationError(
            _("Horaires d'ouverture illisibles (format OpenStreetMap attendu, par ex. « Mo-Fr 09:00-12:00 »)."),
            code="opening_hours",
        ) from exc


def validate_weekdays(value) -> None:
    """Weekdays are 0 (Monday) to 6 (Sunday), each at most once."""
    days = list(value or [])
    if not days:
        raise ValidationError(_("Choisissez au moins un jour de la semaine."), code="weekdays")
    if any(d < 0 or d > 6 for d in days) or len(set(days)) != len(days):
        raise ValidationError(_("Jours de la semaine invalides."), code="weekdays")


class TsTzRange(Func):
    """``tstzrange(starts_at, ends_at)`` (half-open) for the exclusion constraint."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Lieu(models.Model):
    """A place where appointments happen: a CDAS, an antenne or a one-off permanence."""

    class Kind(models.TextChoices):
        CDAS = "cdas", _("CDAS")
        ANTENNE = "antenne", _("Antenne")
        PERMANENCE = "permanence", _("Permanence")

    name = models.CharField(_("nom"), max_length=150)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.CDAS)
    site = models.ForeignKey(
        "grc.Site", verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="lieux"
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=150, blank=True)
    commune = models.ForeignKey(
        "grc.Commune",
        verbose_name=_("commune (INSEE)"),
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lieux",
        help_text=_("Sans latitude ni longitude, le lieu est placé au centre de sa commune pour les distances."),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    accessibility = models.TextField(_("accessibilité"), blank=True)
    wheelchair_accessible = models.BooleanField(_("accessible en fauteuil roulant"), default=False)
    opening_hours = models.CharField(
        _("horaires d'ouverture"),
        max_length=255,
        blank=True,
        validators=[validate_opening_hours],
        help_text=_("Format OpenStreetMap, par ex. « Mo-Fr 08:30-12:00,13:30-17:00; PH off »."),
    )
    available_from = models.DateField(_("disponible à partir du"), null=True, blank=True)
    available_until = models.DateField(_("disponible jusqu'au"), null=True, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_until__gte=models.F("available_from")),
                name="lieu_available_range_ordered",
            ),
        ]

    def __str__(self):
        return self.name


class Motif(models.Model):
    """Why one books: a team's kind of appointment, with its duration, channel and booking rules."""

    class LocationType(models.TextChoices):
        SUR_PLACE = "sur_place", _("Sur place")
        TELEPHONE = "telephone", _("Par téléphone")
        DOMICILE = "domicile", _("À domicile")
        VISIO = "visio", _("En visioconférence")

    class BookableBy(models.TextChoices):
        AGENTS = "agents", _("Agents uniquement")
        CITOYENS = "citoyens", _("Usagers en ligne et agents")
        PARTENAIRES = "partenaires", _("Partenaires (API) et agents")
        TOUS = "tous", _("Usagers, partenaires et agents")

    class Visibility(models.TextChoices):
        NORMAL = "normal", _("Normale")
        NON_NOTIFIE = "non_notifie", _("Sans notification")
        MASQUE = "masque", _("Masqué (motif sensible)")

    team = models.ForeignKey("grc.Team", verbose_name=_("équipe"), on_delete=models.PROTECT, related_name="motifs")
    name = models.CharField(_("nom"), max_length=150)
    category = models.CharField(_("catégorie / programme"), max_length=80, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    location_type = models.CharField(
        _("modalité"), max_length=20, choices=LocationType.choices, default=LocationType.SUR_PLACE
    )
    min_booking_delay_minutes = models.PositiveIntegerField(_("délai minimum de réservation (minutes)"), default=30)
    max_booking_delay_days = models.PositiveSmallIntegerField(
        _("délai maximum de réservation (jours)"), default=56, validators=[MinValueValidator(1)]
    )
    bookable_by = models.CharField(
        _("réservable par"), max_length=20, choices=BookableBy.choices, default=BookableBy.AGENTS
    )
    visibility = models.CharField(
        _("visibilité"), max_length=20, choices=Visibility.choices, default=Visibility.NORMAL
    )
    instructions_before = models.TextField(_("informations avant la réservation"), blank=True)
    instructions_after = models.TextField(_("informations après la réservation"), blank=True)
    cancel_until_hours = models.PositiveSmallIntegerField(_("annulation possible jusqu'à (heures avant)"), default=24)
    capacity = models.PositiveSmallIntegerField(
        _("places"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("1 = rendez-vous individuel ; plus de 1 = séance collective."),
    )
    is_active = models.BooleanField(_("actif"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("motif")
        verbose_name_plural = _("motifs")
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="motif_unique_name_per_team"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="motif_capacity_positive"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=5), name="motif_duration_min"),
        ]

    def __str__(self):
        return self.name

    @property
    def citizens_may_book(self) -> bool:
        return self.is_active and self.bookable_by in (self.BookableBy.CITOYENS, self.BookableBy.TOUS)

    @property
    def partners_may_book(self) -> bool:
        return self.is_active and self.bookable_by in (self.BookableBy.PARTENAIRES, self.BookableBy.TOUS)

    @property
    def is_sensitive(self) -> bool:
        return self.visibility == self.Visibility.MASQUE

    @property
    def needs_lieu(self) -> bool:
        return self.location_type == self.LocationType.SUR_PLACE


class PlageOuverture(models.Model):
    """A weekly recurring opening slot: one agent, at one lieu, for some motifs, on some weekdays."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="plages_ouverture"
    )
    lieu = models.ForeignKey(Lieu, verbose_name=_("lieu"), on_delete=models.PROTECT, related_name="plages")
    motifs = models.ManyToManyField(Motif, verbose_name=_("motifs"), related_name="plages")
    title = models.CharField(_("intitulé"), max_length=150, blank=True)
    first_day = models.DateField(_("premier jour"))
    until = models.DateField(_("jusqu'au"), null=True, blank=True)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(),
        verbose_name=_("jours de la semaine"),
        size=7,
        validators=[validate_weekdays],
        help_text=_("0 = lundi … 6 = dimanche."),
    )
    start_time = models.TimeField(_("de"))
    end_time = models.TimeField(_("à"))
    every_weeks = models.PositiveSmallIntegerField(
        _("toutes les N semaines"), default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plage d'ouverture")
        verbose_name_plural = _("plages d'ouverture")
        ordering = ["first_day", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="plage_times_ordered"),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("first_day")), name="plage_days_ordered"
            ),
            models.CheckConstraint(condition=Q(every_weeks__gte=1), name="plage_every_weeks_positive"),
        ]
        indexes = [models.Index(fields=["is_active", "first_day", "until"], name="plage_active_days")]

    def __str__(self):
        return self.title or f"{self.lieu} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Absence(models.Model):
    """A time an agent cannot be booked (leave, training), typed in or imported from an ICS file."""

    class Source(models.TextChoices):
        MANUEL = "manuel", _("Saisie")
        ICS = "ics", _("Import de calendrier")

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="absences"
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    title = models.CharField(_("intitulé"), max_length=200, blank=True)
    source = models.CharField(_("origine"), max_length=10, choices=Source.choices, default=Source.MANUEL)
    ics_uid = models.CharField(_("identifiant ICS"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="absence_times_ordered"),
            models.UniqueConstraint(
                fields=["agent", "ics_uid"], condition=~Q(ics_uid=""), name="absence_unique_ics_uid_per_agent"
            ),
        ]
        indexes = [models.Index(fields=["agent", "starts_at", "ends_at"], name="absence_agent_times")]

    def __str__(self):
        return self.title or str(_("Absence"))


class Rendezvous(models.Model):
    """One appointment: an agent, a motif, a time, a lieu (none for phone, home or video) and participants."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Actif")
        ANNULE = "annule", _("Annulé")

    class Channel(models.TextChoices):
        PORTAIL = "portail", _("Portail")
        AGENT = "agent", _("Agent")
        PARTENAIRE = "partenaire", _("Partenaire (API)")
        INVITATION = "invitation", _("Invitation")

    motif = models.ForeignKey(Motif, verbose_name=_("motif"), on_delete=models.PROTECT, related_name="rendezvous")
    lieu = models.ForeignKey(
        Lieu, verbose_name=_("lieu"), null=True, blank=True, on_delete=models.PROTECT, related_name="rendezvous"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="rendezvous"
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    capacity = models.PositiveSmallIntegerField(_("places"), default=1)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pris par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices, default=Channel.AGENT)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=255, blank=True)
    # Set on a reminder's dispatch so the worker sends each reminder once (R3's scheduler reads it).
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="rdv_times_ordered"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="rdv_capacity_positive"),
            models.CheckConstraint(
                condition=Q(status="active", cancelled_at__isnull=True)
                | Q(status="annule", cancelled_at__isnull=False),
                name="rdv_cancelled_has_date",
            ),
            # The database guarantee that two people never hold the same individual slot: no two active
            # individual appointments of one agent overlap (half-open ranges, so back-to-back is allowed).
            ExclusionConstraint(
                name="rdv_agent_no_overlap",
                expressions=[
                    ("agent", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status="active", capacity=1),
                violation_error_message=_("Ce créneau vient d'être pris."),
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "starts_at"], name="rdv_agent_starts"),
            # Free slots read every active appointment of many agents over weeks: an index-only scan with this.
            models.Index(
                fields=["agent", "starts_at"],
                name="rdv_agent_busy",
                include=["ends_at", "id"],
                condition=Q(status="active"),
            ),
            models.Index(fields=["lieu", "starts_at"], name="rdv_lieu_starts"),
            models.Index(fields=["status", "starts_at"], name="rdv_status_starts"),
        ]

    def __str__(self):
        return f"{self.starts_at:%d/%m/%Y %H:%M}"

    @property
    def is_group(self) -> bool:
        return self.capacity > 1


class Participant(models.Model):
    """One person attending an appointment, with their own status and the outcome the agent recorded."""

    class Status(models.TextChoices):
        A_VENIR = "a_venir", _("À venir")
        VU = "vu", _("Vu")
        EXCUSE = "excuse", _("Excusé")
        ANNULE = "annule", _("Annulé")
        ABSENT = "absent", _("Absent")

    rendezvous = models.ForeignKey(
        Rendezvous, verbose_name=_("rendez-vous"), on_delete=models.CASCADE, related_name="participants"
    )
    citizen = models.ForeignKey(
        "grc.Citizen", verbose_name=_("usager"), on_delete=models.PROTECT, related_name="rdv_participations"
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.A_VENIR)
    outcome_note = models.TextField(_("ce qui a été fait"), blank=True)
    # Accueil numérique social: the level of digital help given when marked "vu" (blank when not asked).
    digital_help_level = models.CharField(_("aide numérique apportée"), max_length=30, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("réservé par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField(_("téléphone (SMS)"), max_length=20, blank=True, help_text=_("Au format E.164."))
    email = models.EmailField(_("adresse électronique"), blank=True)
    notify_sms = models.BooleanField(_("prévenir par SMS"), default=False)
    notify_email = models.BooleanField(_("prévenir par courriel"), default=True)
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("statut modifié le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["rendezvous", "citizen"], name="participant_unique_per_rdv"),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"), name="participant_phone_e164"
            ),
        ]
        indexes = [models.Index(fields=["citizen", "status"], name="participant_citizen_status")]

    def __str__(self):
        return f"{self.rendezvous_id}/{self.citizen_id}"


class InvitationQuerySet(models.QuerySet):
    def with_what_followed(self):
        """Each invitation with what happened since for the same person and motif, so one that expired is not
        « à relancer » once somebody acted: ``reinvited_at`` (when a newer invitation was sent) and
        ``booked_since`` (the start of the first active appointment the person was booked on after it)."""
        same = {"citizen": models.OuterRef("citizen"), "created_at__gt": models.OuterRef("created_at")}
        newer = Invitation.objects.filter(motif=models.OuterRef("motif"), **same).order_by("created_at")
        booked = (
            Participant.objects.filter(
                rendezvous__motif=models.OuterRef("motif"), rendezvous__status=Rendezvous.Status.ACTIVE, **same
            )
            .exclude(status=Participant.Status.ANNULE)
            .order_by("created_at")
        )
        return self.annotate(
            reinvited_at=models.Subquery(newer.values("created_at")[:1]),
            booked_since=models.Subquery(booked.values("rendezvous__starts_at")[:1]),
        )


class Invitation(models.Model):
    """A link an agent sends so a citizen books a motif without searching; the token is stored hashed."""

    token_hash = models.CharField(max_length=64, unique=True)
    citizen = models.ForeignKey(
        "grc.Citizen", verbose_name=_("usager"), on_delete=models.CASCADE, related_name="rdv_invitations"
    )
    motif = models.ForeignKey(Motif, verbose_name=_("motif"), on_delete=models.PROTECT, related_name="invitations")
    lieu = models.ForeignKey(
        Lieu, verbose_name=_("lieu"), null=True, blank=True, on_delete=models.PROTECT, related_name="invitations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("envoyée par"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"))
    used_at = models.DateTimeField(_("utilisée le"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("relance créée le"), null=True, blank=True)
    rendezvous = models.ForeignKey(
        Rendezvous, verbose_name=_("rendez-vous"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["expires_at", "used_at", "followed_up_at"], name="invitation_followup")]

    def __str__(self):
        return f"{self.motif} ({self.expires_at:%d/%m/%Y})"


class MessageLog(models.Model):
    """Every message sent about an appointment (e-mail, SMS, webhook): channel, result, error."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Courriel")
        SMS = "sms", _("SMS")
        WEBHOOK = "webhook", _("Webhook")

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation")
        RAPPEL = "rappel", _("Rappel")
        ANNULATION = "annulation", _("Annulation")
        MODIFICATION = "modification", _("Modification")
        INVITATION = "invitation", _("Invitation")

    class Result(models.TextChoices):
        ENVOYE = "envoye", _("Envoyé")
        ECHEC = "echec", _("Échec")

    rendezvous = models.ForeignKey(
        Rendezvous,
        verbose_name=_("rendez-vous"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    result = models.CharField(_("résultat"), max_length=10, choices=Result.choices)
    error = models.CharField(_("erreur"), max_length=500, blank=True)
    # The SMS text as sent; anonymised after 6 months by the retention job (rendezvous.retention).
    text = models.TextField(_("texte"), blank=True)
    text_anonymised_at = models.DateTimeField(null=True, blank=True)
    segments = models.PositiveSmallIntegerField(_("segments"), default=0)
    provider_id = models.CharField(_("identifiant chez le prestataire"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("message envoyé")
        verbose_name_plural = _("messages envoyés")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["channel", "sent_at"], name="messagelog_channel_sent")]

    def __str__(self):
        return f"{self.channel} {self.kind} {self.result}"


class WebhookEndpoint(models.Model):
    """A URL told of appointment events, signed with HMAC-SHA256 using its secret."""

    name = models.CharField(_("nom"), max_length=150)
    url = models.URLField(_("adresse"), max_length=500)
    secret = models.CharField(_("secret"), max_length=128)
    all_teams = models.BooleanField(_("toutes les équipes"), default=False)
    teams = models.ManyToManyField("grc.Team", verbose_name=_("équipes"), blank=True, related_name="+")
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one endpoint."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    rendezvous = models.ForeignKey(Rendezvous, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(_("évènement"), max_length=40)
    payload_sha256 = models.CharField(max_length=64)
    attempt = models.PositiveSmallIntegerField(default=1)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(_("erreur"), max_length=500, blank=True)
    attempted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("envoi de webhook")
        verbose_name_plural = _("envois de webhooks")
        ordering = ["-attempted_at"]

    def __str__(self):
        return f"{self.event} → {self.status_code or self.error}"


class AgentCalendarToken(models.Model):
    """The secret of an agent's private webcal feed (stored hashed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'agenda")
        verbose_name_plural = _("jetons d'agenda")

    def __str__(self):
        return f"{self.user_id} {self.created_at:%d/%m/%Y}"
