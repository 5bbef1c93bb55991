"""Mail's section of a person's data (registered from ``apps.py``): the letters matched to the person,
with their scan joined; a letter the DPO flagged as holding third-party information is withheld."""

from __future__ import annotations

from grc.person_data_registry import DPO_ARCHIVE, PersonDataSection, file_suffix, iso

from .models import MailItem


def _letters(scope):
    items = (
        MailItem.objects.filter(citizen_id__in=scope.ids)
        .select_related("mail_type", "withholding")
        .prefetch_related("pages")
    )
    letters = []
    for item in sorted(items, key=lambda i: i.received_at):
        if getattr(item, "withholding", None) is not None:
            scope.withheld["courriers_avec_tiers"] += 1
            continue
        name = ""
        if item.original:
            name = f"courriers/{item.registration_number}{file_suffix(item.content_type)}"
            scope.files.append((name, item.original))
        text = item.ocr_text or "\n\n".join(p.text for p in item.pages.all() if p.text)
        letters.append(
            {
                "numero_d_enregistrement": item.registration_number,
                "recu_le": iso(item.received_at),
                "type": item.mail_type.name if item.mail_type else "",
                "statut": item.get_status_display(),
                "expediteur": item.sender,
                "texte_reconnu": text,
                "numerisation": name,
            }
        )
    return letters


LETTERS_SECTION = PersonDataSection(key="courriers", order=90, build=_letters, audiences=frozenset({DPO_ARCHIVE}))
