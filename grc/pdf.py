"""Readable PDF documents (acknowledgements, data downloads, access archives) with reportlab.

One helper so every letter the Département sends looks the same: a header with the Département's
name, a title, then sections of paragraphs, key/value tables and lists. Text is escaped: what a
citizen typed can never inject markup into the document.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    # (label, value) rows shown as a two-column table
    rows: list[tuple[str, str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def organisation_name() -> str:
    """The Département's name on every document (``GRC_ORGANISATION_NAME``)."""
    return getattr(settings, "GRC_ORGANISATION_NAME", "Département")


def a4_document(buffer, *, title: str, author: str = "") -> SimpleDocTemplate:
    """The A4 page every PDF of ours is laid on (margins, title and author in the metadata)."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author or organisation_name(),
    )


def render_pdf(*, title: str, sections: list[Section], subtitle: str = "", author: str = "") -> bytes:
    """Return the bytes of an A4 PDF with ``title`` and ``sections``; every string is plain text."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    organisation = organisation_name()
    doc = a4_document(buffer, title=title, author=author)
    story = [
        Paragraph(escape(organisation), styles["Heading3"]),
        Paragraph(escape(title), styles["Title"]),
    ]
    if subtitle:
        story.append(Paragraph(escape(subtitle), styles["Italic"]))
    story.append(Paragraph(escape(f"Document établi le {timezone.localtime():%d/%m/%Y à %H:%M}"), styles["Normal"]))
    story.append(Spacer(1, 6 * mm))
    for section in sections:
        story.append(Paragraph(escape(section.title), styles["Heading2"]))
        for text in section.paragraphs:
            story.append(Paragraph(escape(text).replace("\n", "<br/>"), styles["BodyText"]))
        if section.rows:
            data = [
                [Paragraph(escape(str(label)), styles["BodyText"]), Paragraph(escape(str(value)), styles["BodyText"])]
                for label, value in section.rows
            ]
            table = Table(data, colWidths=[55 * mm, None])
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                    ]
                )
            )
            story.append(table)
        if section.items:
            story.append(
                ListFlowable(
                    [ListItem(Paragraph(escape(str(item)), styles["BodyText"])) for item in section.items],
                    bulletType="bullet",
                )
            )
        story.append(Spacer(1, 4 * mm))
    doc.build(story)
    return buffer.getvalue()
