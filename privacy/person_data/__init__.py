"""One collector of a person's data, for two audiences: the citizen's own download ("Mes données",
``audience="citizen"``) and the DPO's access-right archive (Art. 15 RGPD, ``audience="dpo_archive"``).

The sections come from the apps that hold the data (``grc.person_data_registry``); the rules on what is
communicated are the same for both audiences (``docs/data-protection.md``, "What a person gets"):

* **the person** is the citizen and every record merged into it, plus their own portal account;
* **households**: the household's name, the person's role and dates, and the name and role of the
  members whose time in the household overlapped theirs; of other members, the role only; never another
  member's birth date, NIR, address or contact points;
* **notes**: private notes are withheld, and so are notes, documents and letters the DPO flagged as
  holding third-party information (``Withholding``); the comments of internal request steps are withheld;
* **professionals** are designated by team and role, not by name, unless the DPO decides so.

The citizen's download holds the sections a citizen sees in Mon espace (identity, addresses, contact
points, households, portal account, requests); the archive holds every section, the files, and what was
withheld with counts.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from grc import person_data_registry
from grc.person_data_registry import CITIZEN, DPO_ARCHIVE, PersonScope, StaffNames, iso, person_ids

__all__ = ["CITIZEN", "DPO_ARCHIVE", "WITHHELD_RULES", "collect_person_data", "person_ids"]

WITHHELD_RULES = [
    "Les membres de vos foyers sont désignés par leur nom et leur rôle (conjoint, enfant…) lorsque vous avez "
    "fait partie du foyer en même temps qu'eux, par leur seul rôle sinon : leurs dates de naissance, "
    "adresses et coordonnées ne vous sont pas communiquées.",
    "Les notes privées (notes de travail personnelles d'un professionnel) ne sont pas communiquées.",
    "Les notes, documents et courriers signalés par leur auteur ou par le délégué à la protection des données "
    "comme contenant des informations sur d'autres personnes (tiers) ne sont pas communiqués.",
    "Les commentaires des étapes internes de vos demandes ne sont pas communiqués.",
    "Les comptes rendus de vos rendez-vous rédigés par les professionnels (ce qui a été fait) ne figurent pas "
    "dans ce téléchargement : demandez-les au délégué à la protection des données (droit d'accès).",
    "Les noms des agents qui ont consulté vos données ne sont pas communiqués : leur équipe et leur fonction "
    "le sont (sauf décision contraire du délégué à la protection des données).",
]


def collect_person_data(*, citizen, audience: str, account=None, include_staff_names: bool = False):
    """Everything ``audience`` gets about the person: ``(data, files)``, ``data`` a JSON-ready dict with one
    key per section and ``files`` [(name in the archive, FieldFile)].

    ``citizen`` may be ``None`` (a portal account that has no record yet): then only ``account``'s own
    data. ``account`` defaults to the citizen's portal account. Reads without permission checks or access
    log: the callers (``privacy.archive``, ``privacy.selectors.my_data``) check and log."""
    if account is None and citizen is not None:
        account = citizen.user
    scope = PersonScope(
        citizen=citizen,
        ids=person_ids(citizen.pk) if citizen is not None else [],
        account=account,
        audience=audience,
        staff=StaffNames(
            include_names=include_staff_names, own_account_id=account.pk if account is not None else None
        ),
    )
    data = {
        "responsable_du_traitement": getattr(settings, "GRC_ORGANISATION_NAME", "Département"),
        "etabli_le": iso(timezone.now()),
    }
    for section in person_data_registry.sections(audience):
        data[section.key] = section.build(scope)
    data["ce_qui_n_est_pas_communique"] = {"regles": WITHHELD_RULES, "nombres": dict(scope.withheld)}
    return data, scope.files
