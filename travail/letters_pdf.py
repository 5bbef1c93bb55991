"""The PDF of an outgoing letter on the Département's letterhead (reportlab, like ``grc.pdf``).

``grc.pdf.render_pdf`` lays out reports (a title, then sections); a letter needs a sender block, the
recipient's address where a window envelope shows it, a date, a reference, a subject and a signature,
so it has its own layout here with the same page, margins, fonts and escaping. Everything printed is
plain text escaped for reportlab's markup: a subject or body typed as ``<script>`` or ``<b>`` prints as
those characters. The letter is made again from its stored fields on each download: same text, same
date, same number.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from grc.pdf import a4_document, organisation_name

from .models import OutgoingLetter


def _text(value: str) -> str:
    return escape(value or "").replace("\n", "<br/>")


def sender_lines(letter: OutgoingLetter) -> list[str]:
    """The letterhead: the organisation (settings), then the writing team and its site's address."""
    lines = [organisation_name()]
    address = getattr(settings, "GRC_ORGANISATION_ADDRESS", "")
    team = letter.team
    lines.append(team.name)
    site = team.site
    if site is not None:
        lines.append(site.name)
        if site.address:
            lines.append(site.address)
        if site.commune_id:
            postcode = (site.commune.postcodes or [""])[0]
            lines.append(f"{postcode} {site.commune.name}".strip())
    elif address:
        lines.append(address)
    return lines


def letter_pdf(letter: OutgoingLetter) -> bytes:
    """The A4 PDF of ``letter`` (bytes)."""
    styles = getSampleStyleSheet()
    body_style = ParagraphStyle("letter-body", parent=styles["BodyText"], fontSize=10.5, leading=14, spaceAfter=6)
    small = ParagraphStyle("letter-small", parent=styles["BodyText"], fontSize=9, leading=11)
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=f"Courrier {letter.reference}")
    sender = sender_lines(letter)
    head = [Paragraph(f"<b>{escape(sender[0])}</b>", styles["Heading3"])]
    head += [Paragraph(escape(line), small) for line in sender[1:]]
    recipient = [
        Paragraph(_text(letter.recipient_name), body_style),
        Paragraph(_text(letter.recipient_address), body_style),
    ]
    # The recipient sits right, about 45 mm from the top edge: where a window envelope shows it.
    table = Table([[head, recipient]], colWidths=[85 * mm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (1, 0), (1, 0), 10 * mm)]))
    date = timezone.localtime(letter.created_at).strftime("%d/%m/%Y")
    story = [
        table,
        Spacer(1, 12 * mm),
        Paragraph(escape(f"Le {date}"), body_style),
        Paragraph(escape(f"Réf. : {letter.reference}"), small),
        Spacer(1, 4 * mm),
        Paragraph(f"<b>Objet :</b> {escape(letter.subject)}", body_style),
        Spacer(1, 4 * mm),
    ]
    for paragraph in (letter.body or "").replace("\r\n", "\n").split("\n\n"):
        if paragraph.strip():
            story.append(Paragraph(_text(paragraph.strip("\n")), body_style))
    author = letter.author.get_full_name() or letter.author.email
    story += [Spacer(1, 10 * mm), Paragraph(escape(author), body_style), Paragraph(escape(letter.team.name), small)]
    doc.build(story)
    return buffer.getvalue()
