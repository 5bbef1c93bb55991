"""The readable PDF of an access-right archive (``archive.pdf`` in the ZIP), from the collected data."""

from __future__ import annotations

from grc.pdf import Section, render_pdf

WITHHELD_LABELS = {
    "membres_de_foyer": "membre(s) de foyer désigné(s) par leur seul rôle",
    "notes_privees": "note(s) privée(s) non communiquée(s)",
    "notes_avec_tiers": "note(s) contenant des informations sur des tiers non communiquée(s)",
    "documents_avec_tiers": "document(s) contenant des informations sur des tiers non communiqué(s)",
    "courriers_avec_tiers": "courrier(s) émanant de tiers ou les concernant non communiqué(s)",
    "commentaires_internes": "commentaire(s) d'étapes internes non communiqué(s)",
}


def _person(data: dict) -> list[Section]:
    identity = data["identite"]
    sections = [
        Section(
            title="Votre identité",
            rows=[
                ("Nom de naissance", identity["nom_de_naissance"]),
                ("Nom d'usage", identity["nom_d_usage"] or "—"),
                ("Prénoms", identity["prenoms"]),
                ("Date de naissance", identity["date_de_naissance"] or "—"),
                ("Lieu de naissance", identity["lieu_de_naissance"] or "—"),
                ("Sexe", identity["sexe"]),
                ("NIR", identity["nir"] or "—"),
                ("Niveau de garantie", identity["niveau_de_garantie"]),
            ],
        )
    ]
    if data["fiches_fusionnees"]:
        sections.append(
            Section(
                title="Fiches en double rattachées à la vôtre",
                items=[
                    f"Fiche n° {m['numero']} : {m['nom_de_naissance']} {m['prenoms']} {m['date_de_naissance'] or ''}"
                    for m in data["fiches_fusionnees"]
                ],
            )
        )
    sections.append(
        Section(
            title="Adresses et moyens de contact",
            items=[
                f"{a['adresse']} {a['complement']}, {a['code_postal']} {a['commune']} "
                f"(depuis {a['depuis'] or '?'}{', jusqu’au ' + a['jusqu_au'] if a['jusqu_au'] else ''})"
                for a in data["adresses"]
            ]
            + [f"{c['type']} : {c['valeur']}" for c in data["moyens_de_contact"]]
            or ["Aucun"],
        )
    )
    return sections


def _member(member: dict) -> str:
    return f"{member['nom']} ({member['role']})" if member["nom"] else member["role"]


def _households_and_account(data: dict) -> list[Section]:
    sections = [
        Section(
            title="Foyers",
            items=[
                f"{h['foyer']} — votre rôle : {h['votre_role']}"
                + (
                    f" — autres membres : {', '.join(_member(m) for m in h['autres_membres'])}"
                    if h["autres_membres"]
                    else ""
                )
                for h in data["foyers"]
            ]
            or ["Aucun"],
        )
    ]
    if data["compte_du_portail"]:
        account = data["compte_du_portail"]
        sections.append(
            Section(
                title="Compte du portail",
                rows=[
                    ("Adresse électronique", account["adresse_electronique"]),
                    ("Créé le", account["cree_le"] or ""),
                    ("Dernière connexion", account["derniere_connexion"] or "—"),
                ],
            )
        )
    return sections


def _social_file(social_file: dict) -> list[Section]:
    number = social_file["numero"]
    return [
        Section(
            title=f"Dossier social n° {number}",
            items=[
                f"Accompagnement {a['dispositif']} — {a['equipe']} — du {a['debut']}"
                + (f" au {a['fin']}" if a["fin"] else " (en cours)")
                + (f" — référent : {a['referent']}" if a["referent"] else "")
                + (f" — motif de clôture : {a['motif_de_cloture']}" if a["motif_de_cloture"] else "")
                for a in social_file["accompagnements"]
            ]
            + [f"Intervenant : {m['role']} — {m['professionnel']}" for m in social_file["intervenants"]]
            + [
                f"Partage avec {g['destinataire']} ({g['base_legale']}) : {g['finalite']}"
                for g in social_file["partages"]
            ]
            + [f"Accès d'urgence le {e['debut']} : {e['motif']}" for e in social_file["acces_d_urgence"]],
        ),
        Section(
            title=f"Notes du dossier n° {number}",
            paragraphs=[f"{n['date']} — {n['type']} ({n['auteur']})\n{n['texte']}" for n in social_file["notes"]]
            or ["Aucune note communicable."],
        ),
        Section(
            title=f"Documents du dossier n° {number}",
            items=[
                f"{d['type']} — {d['nom_d_origine']} — déposé le {d['depose_le']}"
                f" — fichier {d['fichier_dans_l_archive']}"
                for d in social_file["documents"]
            ]
            or ["Aucun document."],
        ),
    ]


def _request(r: dict) -> Section:
    paragraphs = [f"Démarche : {r['demarche']} — canal : {r['canal']} — statut : {r['statut']}"]
    if r["reponses"]:
        paragraphs.append("Réponses :\n" + "\n".join(f"{k} : {v}" for k, v in sorted(r["reponses"].items(), key=str)))
    if r["motif_de_la_decision"]:
        paragraphs.append(f"Motif de la décision : {r['motif_de_la_decision']}")
    paragraphs += [
        f"{e['date']} : {e['de'] or '—'} → {e['vers']}" + (f" — {e['commentaire']}" if e["commentaire"] else "")
        for e in r["etapes"]
    ]
    paragraphs += [f"Message du {m['date']} ({m['de']}) :\n{m['message']}" for m in r["messages"]]
    paragraphs += [f"Pièce jointe : {a['nom']} ({a['fichier_dans_l_archive']})" for a in r["pieces_jointes"]]
    return Section(title=f"Demande {r['numero_de_suivi']}", paragraphs=paragraphs)


def _letter(m: dict) -> Section:
    return Section(
        title=f"Courrier {m['numero_d_enregistrement']}",
        rows=[
            ("Reçu le", m["recu_le"] or ""),
            ("Type", m["type"] or "—"),
            ("Statut", m["statut"]),
            ("Expéditeur", m["expediteur"] or "—"),
            ("Numérisation", m["numerisation"] or "—"),
        ],
        paragraphs=[f"Texte reconnu :\n{m['texte_reconnu']}"] if m["texte_reconnu"] else [],
    )


def _rights_accesses_and_withheld(data: dict) -> list[Section]:
    sections = []
    if data["demandes_rgpd"]:
        sections.append(
            Section(
                title="Vos demandes d'exercice de droits",
                items=[
                    f"{g['reference']} — {g['droit']} — reçue le {g['recue_le']} — {g['statut']}"
                    for g in data["demandes_rgpd"]
                ],
            )
        )
    sections.append(
        Section(
            title="Accès à vos données",
            paragraphs=["Chaque consultation de vos données est enregistrée. Voici qui les a consultées et pourquoi."],
            items=[
                f"{a['date']} — {a['action']} — {a['par']}" + (f" — {a['finalite']}" if a["finalite"] else "")
                for a in data["acces_a_vos_donnees"]
            ]
            or ["Aucun accès enregistré."],
        )
    )
    counts = data["ce_qui_n_est_pas_communique"]["nombres"]
    sections.append(
        Section(
            title="Ce qui n'est pas communiqué",
            paragraphs=data["ce_qui_n_est_pas_communique"]["regles"],
            items=[f"{count} {WITHHELD_LABELS.get(key, key)}" for key, count in sorted(counts.items()) if count],
        )
    )
    return sections


def archive_pdf(*, data: dict) -> bytes:
    """The archive's content as a PDF, in French, section by section."""
    sections = _person(data) + _households_and_account(data)
    for social_file in data["dossiers_sociaux"]:
        sections += _social_file(social_file)
    sections += [_request(r) for r in data["demandes"]]
    sections += [_letter(m) for m in data["courriers"]]
    sections += _rights_accesses_and_withheld(data)
    return render_pdf(
        title="Vos données personnelles",
        subtitle="Réponse à votre demande de droit d'accès (article 15 du RGPD)",
        sections=sections,
    )
