"""The citizen's own download ("Mes données", JSON and PDF): the collector's ``citizen`` sections in the
download's own shape (English keys, as served since the download exists)."""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from grc.pdf import Section, render_pdf


def _identity(identity):
    if identity is None:
        return None
    return {
        "birth_name": identity["nom_de_naissance"],
        "usage_name": identity["nom_d_usage"],
        "first_names": identity["prenoms"],
        "birth_date": identity["date_de_naissance"],
        "birth_place": identity["lieu_de_naissance"],
        "birth_country": identity["pays_de_naissance"],
        "sex": identity["sexe"],
        "nir": identity["nir"],
        "assurance_level": identity["niveau_de_garantie"],
    }


def _request(r):
    return {
        "tracking_code": r["numero_de_suivi"],
        "procedure": r["demarche"],
        "status": r["statut"],
        "channel": r["canal"],
        "team": r["equipe"],
        "created_at": r["creee_le"],
        "submitted_at": r["deposee_le"],
        "due_date": r["echeance"],
        "decision_reason": r["motif_de_la_decision"],
        "answers": r["reponses"],
        "missing_items": r["pieces_manquantes"],
        "attachments": [a["nom"] for a in r["pieces_jointes"] if not a["message"]],
        "history": [
            {"at": e["date"], "status": e["vers"], "comment": e["commentaire"]}
            for e in r["etapes"]
            if not e["etape_interne"]
        ],
        "messages": [
            {
                "at": m["date"],
                "from": "usager" if m["de_vous"] else "service",
                "body": m["message"],
                "attachments": m["pieces_jointes"],
            }
            for m in r["messages"]
        ],
    }


def citizen_payload(*, data: dict, user) -> dict:
    """The download's content from the collector's ``data`` for ``user`` (the citizen's own account)."""
    return {
        "generated_at": timezone.now().isoformat(),
        "account": {"email": user.email, "first_name": user.first_name, "last_name": user.last_name},
        "identity": _identity(data["identite"]),
        "addresses": [
            {
                "line1": a["adresse"],
                "line2": a["complement"],
                "postcode": a["code_postal"],
                "city": a["commune"],
                "country": a["pays"],
                "start_date": a["depuis"],
                "end_date": a["jusqu_au"],
            }
            for a in data["adresses"]
        ],
        "contact_points": [{"kind": c["type"], "value": c["valeur"]} for c in data["moyens_de_contact"]],
        "household": [
            {
                "household": h["foyer"],
                "my_role": h["votre_role"],
                "start_date": h["depuis"],
                "end_date": h["jusqu_au"],
                "members": [{"name": m["nom"], "role": m["role"]} for m in h["autres_membres"]],
            }
            for h in data["foyers"]
        ],
        "requests": [_request(r) for r in data["demandes"]],
    }


def _identity_section(identity) -> Section:
    if not identity:
        return Section(
            title=_("Identité"), paragraphs=[_("Aucune fiche usager n'est encore rattachée à votre compte.")]
        )
    return Section(
        title=_("Identité"),
        rows=[
            (_("Nom de naissance"), identity["birth_name"]),
            (_("Nom d'usage"), identity["usage_name"] or "—"),
            (_("Prénoms"), identity["first_names"]),
            (_("Date de naissance"), identity["birth_date"] or "—"),
            (_("Lieu de naissance"), identity["birth_place"] or "—"),
            (_("Sexe"), identity["sex"]),
            (_("NIR"), identity["nir"] or "—"),
            (_("Niveau de garantie de l'identité"), identity["assurance_level"]),
        ],
    )


def _member(member) -> str:
    return f"{member['name']} ({member['role']})" if member["name"] else member["role"]


def _request_section(r) -> Section:
    rows = [
        (_("Démarche"), r["procedure"]),
        (_("Statut"), r["status"]),
        (_("Canal"), r["channel"]),
        (_("Déposée le"), r["submitted_at"] or _("brouillon")),
    ]
    rows += [
        (str(k), json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v) for k, v in r["answers"].items()
    ]
    if r["decision_reason"]:
        rows.append((_("Motif de la décision"), r["decision_reason"]))
    items = [
        f"{h['at'][:16].replace('T', ' ')} — {h['status']}" + (f" : {h['comment']}" if h["comment"] else "")
        for h in r["history"]
    ]
    items += [
        f"{m['at'][:16].replace('T', ' ')} — {m['from']} : {m['body']}"
        + (f" [{', '.join(m['attachments'])}]" if m["attachments"] else "")
        for m in r["messages"]
    ]
    return Section(title=_("Demande %(code)s") % {"code": r["tracking_code"]}, rows=rows, items=items)


def citizen_pdf(*, payload: dict) -> bytes:
    """The download as a readable PDF (French)."""
    sections = [
        Section(title=_("Compte"), rows=[(_("Adresse électronique"), payload["account"]["email"])]),
        _identity_section(payload["identity"]),
        Section(
            title=_("Adresses"),
            items=[
                " ".join(filter(None, [a["line1"], a["line2"], a["postcode"], a["city"]]))
                + f" ({a['start_date'] or '?'} → {a['end_date'] or ''})"
                for a in payload["addresses"]
            ]
            or [_("Aucune")],
        ),
        Section(
            title=_("Moyens de contact"),
            items=[f"{c['kind']} : {c['value']}" for c in payload["contact_points"]] or [_("Aucun")],
        ),
        Section(
            title=_("Foyer"),
            items=[
                f"{h['household']} — {h['my_role']} ; " + (", ".join(_member(m) for m in h["members"]) or _("seul·e"))
                for h in payload["household"]
            ]
            or [_("Aucun foyer enregistré")],
        ),
    ]
    sections += [_request_section(r) for r in payload["requests"]]
    return render_pdf(title=_("Mes données"), subtitle=payload["account"]["email"], sections=sections)
