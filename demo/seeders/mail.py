"""Demo data of incoming mail (the ``demo.mail`` seeder; idempotent): mail types with their service
levels and programmes, routing rules (types only: teams come from the CDAS sectors), a first version of
the classifier trained on the cold-start corpus, and a handful of letters already recognised and waiting in
the mailroom's "to qualify" list (their text is set directly: no OCR runs while seeding).

Letter scans are drawn with Pillow from their text (deterministic bytes, so a second run finds them
by SHA-256 and creates nothing); suggestions are computed by ``mail.suggest`` as the worker would.
"""

from __future__ import annotations

import hashlib
import io
import os

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from dossier_unique.documents import document_storage
from grc.history import track
from grc.models import Citizen, Team, User
from mail.classifier.jobs import run_training
from mail.intake import format_registration_number
from mail.models import (
    MailEvent,
    MailItem,
    MailModel,
    MailModelTraining,
    MailType,
    RegistrationCounter,
    RoutingRule,
    mail_original_path,
)
from mail.services import mail_qualify, mail_route
from mail.suggest import suggest

from .. import data
from ..records import upsert

# (code, name, service level in working days, programme (Team.Kind), default team code, acknowledgement):
# the ten types the classifier learns (mail/corpus/train) and a catch-all. Within a programme the team is
# the CDAS sector's (mail.suggest.territory); transport, subsidies and mediation are Département-wide.
MAIL_TYPES = [
    ("transport-scolaire", "Transport scolaire adapté", 15, "transport", "transport-scolaire-adapte", True),
    ("rsa", "RSA", 10, "rsa", "rsa-cdas-couronne-rennaise-sud", True),
    ("apa", "APA (allocation personnalisée d'autonomie)", 20, "apa_pch", "apa-pch-cdas-vitre", True),
    ("pch", "PCH / handicap", 20, "apa_pch", "apa-pch-cdas-vitre", True),
    ("pmi", "PMI", 10, "pmi", "pmi-cdas-guichen", False),
    ("ase", "Aide sociale à l'enfance", 5, "ase", "ase-cdas-vitre", False),
    ("subventions", "Subventions culture / sport", 30, "subventions", "subventions-culture-sport", True),
    ("reclamation", "Réclamation / médiation", 30, "mediation", "mediation", True),
    ("aide-financiere", "Demande d'aide financière", 10, "polyvalence", "asp-cdas-vitre", True),
    ("piece-justificative", "Pièce justificative", 10, "polyvalence", None, False),
    ("courrier-divers", "Courrier divers", 30, "", None, False),
]
ACK_TEXT = (
    "Nous avons bien reçu votre courrier. Il a été transmis au service compétent, qui l'étudiera dans le "
    "délai indiqué ci-dessus. Rappelez le numéro d'enregistrement dans toute correspondance."
)
# (name, priority, keywords, pattern, sender, type code, team code)
RULES = [
    ("RSA", 100, "RSA\nrevenu de solidarité active\ndéclaration trimestrielle", "", "", "rsa", None),
    (
        "Transport scolaire adapté",
        100,
        "transport scolaire\ncar scolaire\ntaxi scolaire",
        "",
        "",
        "transport-scolaire",
        None,
    ),
    ("PMI", 100, "PMI\npuéricultrice\nsage-femme\nassistante maternelle\nnourrisson", "", "", "pmi", None),
    ("APA", 100, "APA\nallocation personnalisée d'autonomie\nperte d'autonomie", "", "", "apa", None),
    ("PCH", 100, "PCH\nprestation de compensation du handicap", "", "", "pch", None),
    ("Aide financière", 110, "aide financière\nsecours\nfacture d'énergie\nimpayé", "", "", "aide-financiere", None),
    ("Réclamation", 120, "réclamation\nje conteste\nrecours gracieux\nmécontent", "", "", "reclamation", None),
    (
        "Pièces justificatives",
        150,
        "pièces justificatives\njustificatif\navis d'imposition",
        "",
        "",
        "piece-justificative",
        None,
    ),
    # The type only: the team comes from the citizen's CDAS sector (a rule naming a team would override it).
    ("Courrier de la MDPH", 90, "", "", "MDPH", "pch", None),
]


def _letters(citizens):
    """(key, text) of the demo letters: one per kind, written by demo citizens."""
    rolland, *others = citizens
    request = rolland.requests.filter(tracking_code__startswith="D-").order_by("pk").first() if rolland else None
    people = [c for c in [rolland, *others] if c is not None]

    def who(c):
        return f"{c.first_names.split(',')[0].strip()} {(c.usage_name or c.birth_name).upper()}"

    def born(c):
        return f", née le {c.birth_date:%d/%m/%Y}" if c.birth_date else ""

    texts = []
    if people:
        c = people[0]
        ref = f"Référence : demande n° {request.tracking_code}\n" if request else ""
        texts.append(
            (
                "justificatif",
                f"{who(c)}\n12 rue de la Motte\n35000 Rennes\n\nObjet : pièces justificatives\n{ref}\n"
                f"Madame, Monsieur,\nJe soussignée {who(c)}{born(c)}, vous adresse les pièces justificatives "
                "demandées : mon avis d'imposition et un justificatif de domicile.\n"
                "Veuillez agréer mes salutations distinguées.\n" + who(c),
            )
        )
    kinds = [
        ("rsa", "Ma demande de RSA", "Je sollicite l'ouverture de mes droits au revenu de solidarité active."),
        ("transport", "Transport scolaire adapté", "Je sollicite un transport scolaire adapté pour mon fils."),
        ("pmi", "Consultation de PMI", "Je souhaite un rendez-vous avec la puéricultrice pour mon nourrisson."),
        ("reclamation", "Réclamation", "Je conteste la décision que vous m'avez notifiée le mois dernier."),
    ]
    for (key, subject, sentence), c in zip(kinds, people[1:], strict=False):
        texts.append(
            (
                key,
                f"{who(c)}\n3 place des Lices\n35500 Vitré\n\nObjet : {subject}\n\nMadame, Monsieur,\n"
                f"Je soussigné(e) {who(c)}{born(c)}. {sentence}\n"
                "Je vous prie d'agréer mes salutations distinguées.\n" + who(c),
            )
        )
    texts.append(
        (
            "mdph",
            "MDPH d'Ille-et-Vilaine\n13 avenue de Cucillé\n35000 Rennes\n\nObjet : notification de décision\n\n"
            "Madame, Monsieur,\nNous vous informons de la décision de la commission concernant la prestation "
            "de compensation du handicap.\nLe directeur",
        )
    )
    return texts


def _png(text: str) -> bytes:
    """A plain page image of ``text`` (deterministic: same text, same bytes)."""
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
    font = ImageFont.truetype(font_path, 22) if os.path.exists(font_path) else ImageFont.load_default(size=22)
    image = Image.new("L", (1000, 1414), 255)
    draw = ImageDraw.Draw(image)
    y = 80
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=font) > 840:
                draw.text((80, y), line, fill=0, font=font)
                y += 32
                line = word
            else:
                line = candidate
        draw.text((80, y), line, fill=0, font=font)
        y += 32
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _letter(key, text, *, actor, counts):
    scan = _png(text)
    sha = hashlib.sha256(scan).hexdigest()
    if MailItem.objects.filter(sha256=sha).exists():
        counts.add("courriers", created=False)
        return None
    storage = document_storage()
    path = mail_original_path(type("Scan", (), {"sha256": sha})(), f"{key}.png")
    if not storage.exists(path):
        path = storage.save(path, ContentFile(scan))
    year = timezone.localdate().year
    counter, _ = RegistrationCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    item = MailItem(
        registration_number=format_registration_number(year, counter.last_number),
        year=year,
        number=counter.last_number,
        original_name=f"courrier-{key}.png",
        content_type="image/png",
        size=len(scan),
        sha256=sha,
        page_count=1,
        uploaded_by=actor,
        status=MailItem.Status.RECOGNISED,
        ocr_text=text,
        ocr_confidence=90.0,
        recognised_at=timezone.now(),
    )
    item.original.name = path
    track(item, actor, "Données de démonstration").save()
    item.suggestions = suggest(item)
    item.sender = item.suggestions.get("sender", "")[:255]
    item.save(update_fields=["suggestions", "sender"])
    MailEvent.objects.create(item=item, actor=actor, kind=MailEvent.Kind.RECEIVED)
    MailEvent.objects.create(item=item, actor=actor, kind=MailEvent.Kind.RECOGNISED)
    counts.add("courriers", created=True)
    return item


def _routed_letter(citizen, types, *, actor, counts):
    """A letter from the portal citizen already qualified and routed by the demo mailroom agent (through
    the mail services), so her timeline, her file and her access archive show a letter too."""
    name = f"{citizen.first_name} {citizen.birth_name.upper()}"
    home = data.PORTAL_ADDRESS
    text = (
        f"{name}\n{home['line1']}\n{home['postcode']} {home['city']}\n\n"
        "Objet : attestation de domicile\n\nMadame, Monsieur,\n"
        f"Suite à mon déménagement, je vous adresse mon attestation de domicile.\n"
        "Veuillez agréer mes salutations distinguées.\n" + name
    )
    item = _letter("domicile-rolland", text, actor=actor, counts=counts)
    if item is None or item.status != MailItem.Status.RECOGNISED:
        return
    agent = User.objects.filter(email=f"courrier@{data.DEMO_EMAIL_DOMAIN}").first() or actor
    request = citizen.requests.exclude(team=None).order_by("pk").first()
    mail_type = types["piece-justificative"]
    team = request.team if request else types["transport-scolaire"].default_team
    mail_qualify(item=item, actor=agent, citizen=citizen, mail_type=mail_type, team=team)
    mail_route(item=item, actor=agent)


@transaction.atomic
def seed(*, actor, counts) -> None:
    """The registered seeder (``demo.mail``): mail types, routing rules, letters to qualify, one routed letter."""
    teams = {t.code: t for t in Team.objects.all()}
    types = {}
    for code, name, days, programme, team_code, ack in MAIL_TYPES:
        types[code] = upsert(
            MailType,
            {"code": code},
            {
                "name": name,
                "service_level_days": days,
                "programme": programme,
                "default_team": teams.get(team_code) if team_code else None,
                "acknowledgement_enabled": ack,
                "acknowledgement_text": ACK_TEXT if ack else "",
                "is_active": True,
            },
            actor=actor,
            counts=counts,
            label="types de courrier",
        )
    for name, priority, keywords, pattern, sender, type_code, team_code in RULES:
        upsert(
            RoutingRule,
            {"name": name},
            {
                "priority": priority,
                "keywords": keywords,
                "pattern": pattern,
                "sender": sender,
                "mail_type": types[type_code],
                "team": teams.get(team_code) if team_code else None,
                "is_active": True,
            },
            actor=actor,
            counts=counts,
            label="règles d'aiguillage",
        )
    if not MailModel.objects.exists():
        # A first version of the classifier, learned from the cold-start corpus, so the demo letters get
        # the suggestions (and the model page the figures) a Département would see on its first day.
        training = MailModelTraining.objects.create(trigger=MailModelTraining.Trigger.MANUAL, requested_by=actor)
        run_training(training.pk)
        counts.add("modèle d'aiguillage", created=True)
    account_citizen = Citizen.objects.filter(user__email=data.PORTAL_ACCOUNT_EMAIL).first()
    others = list(
        Citizen.objects.filter(status=Citizen.Status.ACTIVE, user__isnull=True, birth_date__isnull=False).order_by(
            "pk"
        )[:4]
    )
    for key, text in _letters([account_citizen, *others]):
        _letter(key, text, actor=actor, counts=counts)
    if account_citizen is not None:
        _routed_letter(account_citizen, types, actor=actor, counts=counts)
