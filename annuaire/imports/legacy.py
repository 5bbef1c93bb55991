"""data·inclusion v0 (the shape DORA still emits) to v1: each v0 field mapped as the national pipeline maps it.

What v1 has no place for (``typologie``, ``rna``, labels, ``cumulable``…) is dropped and said so in the report;
values with no v1 equivalent (an old thématique, a profil that is not a v1 public) are dropped with a warning,
never guessed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import schema

# Keys only v0 has: one of them on a line makes it a v0 line.
V0_MARKERS = frozenset(
    {"typologie", "rna", "antenne", "labels_nationaux", "labels_autres", "profils", "types", "zone_diffusion_type"}
)
V0_DROPPED = frozenset(
    {
        "typologie",
        "rna",
        "antenne",
        "labels_nationaux",
        "labels_autres",
        "cumulable",
        "recurrence",
        "modes_orientation_accompagnateur_autres",
        "modes_orientation_beneficiaire_autres",
        "zone_diffusion_nom",
        "thematiques_structure",
        "courriel_contact",
        "page_web",
    }
)
FRAIS_V0 = {
    "gratuit": "gratuit",
    "gratuit-sous-conditions": "gratuit",
    "payant": "payant",
    "adhesion": "payant",
    "pass-numerique": "payant",
}
TYPES_V0 = {
    "accompagnement": "accompagnement",
    "aide-financiere": "aide-financiere",
    "aide-materielle": "aide-materielle",
    "atelier": "atelier",
    "formation": "formation",
    "information": "information",
    "numerique": "accompagnement",
    "autonomie": "information",
    "delegation": "accompagnement",
    "financement": "aide-financiere",
}
PROFILS_V0 = {
    "tous-publics": "tous-publics",
    "adultes": "tous-publics",
    "femmes": "femmes",
    "familles-enfants": "familles",
    "jeunes": "jeunes",
    "jeunes-16-26": "jeunes",
    "seniors-65": "seniors",
    "personnes-handicapees": "personnes-en-situation-de-handicap",
    "beneficiaires-rsa": "beneficiaires-des-minimas-sociaux",
    "demandeurs-demploi": "demandeurs-emploi",
    "etudiants": "etudiants",
    "salaries": "actifs",
    "sans-domicile-fixe": "personnes-en-situation-durgence",
    "victimes": "personnes-en-situation-durgence",
    "personnes-de-nationalite-etrangere": "personnes-exilees",
    "public-langues-etrangeres": "personnes-exilees",
}
ORIENTATION_TO_MOBILISABLE = {
    "modes_orientation_accompagnateur": "professionnels",
    "modes_orientation_beneficiaire": "usagers",
}
THEMATIQUES_V1 = frozenset(member.value for member in schema.Thematique)


def is_v0(row: dict) -> bool:
    return bool(V0_MARKERS.intersection(row))


def _as_list(value) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


def _mapped(values, table: dict, field: str, warnings: list[str]) -> list[str]:
    out = []
    for value in _as_list(values):
        if value in table:
            out.append(table[value])
        else:
            warnings.append(_("%(field)s : valeur v0 « %(value)s » sans équivalent en v1, ignorée") % locals())
    return sorted(set(out))


def structure_from_v0(row: dict, warnings: list[str]) -> dict:
    """A v0 structure line as a v1 one (``date_maj`` may be a datetime in v0: its date is kept)."""
    out = {key: value for key, value in row.items() if key not in V0_DROPPED and key != "thematiques"}
    if out.get("date_maj"):
        out["date_maj"] = str(out["date_maj"])[:10]
    dropped = sorted(V0_DROPPED.intersection(row) | ({"thematiques"} & set(row)))
    if dropped:
        warnings.append(_("champs v0 sans équivalent en v1, non repris : %(f)s") % {"f": ", ".join(dropped)})
    return out


def service_from_v0(row: dict, warnings: list[str]) -> dict:
    """A v0 service line as a v1 one."""
    out = {key: value for key, value in row.items() if key not in V0_DROPPED}
    for key in ("types", "frais", "profils", "zone_diffusion_type", "zone_diffusion_code", "contact_nom",
                "contact_prenom", "pre_requis", "justificatifs", "prise_rdv", "formulaire_en_ligne",
                *ORIENTATION_TO_MOBILISABLE):  # fmt: skip
        out.pop(key, None)
    if out.get("date_maj"):
        out["date_maj"] = str(out["date_maj"])[:10]
    types = _mapped(row.get("types"), TYPES_V0, "types", warnings)
    out["type"] = types[0] if types else None
    frais = _mapped(row.get("frais"), FRAIS_V0, "frais", warnings)
    out["frais"] = "payant" if "payant" in frais else (frais[0] if frais else None)
    publics = _mapped(row.get("profils"), PROFILS_V0, "profils", warnings)
    out["publics"] = ["tous-publics"] if "tous-publics" in publics else (publics or None)
    thematiques = []
    for value in _as_list(row.get("thematiques")):
        if value in THEMATIQUES_V1:
            thematiques.append(value)
        else:
            warnings.append(_("thématique v0 « %(value)s » absente de la v1, ignorée") % {"value": value})
    out["thematiques"] = sorted(set(thematiques)) or None
    code = row.get("zone_diffusion_code")
    out["zone_eligibilite"] = [str(code)] if code else None
    names = " ".join(str(row.get(k) or "").strip() for k in ("contact_prenom", "contact_nom")).strip()
    out["contact_nom_prenom"] = names or None
    conditions = [", ".join(_as_list(row.get(k))) for k in ("pre_requis", "justificatifs")]
    out["conditions_acces"] = "\n".join(c for c in conditions if c) or None
    out["lien_mobilisation"] = row.get("prise_rdv") or row.get("formulaire_en_ligne") or None
    mobilisable = [who for key, who in ORIENTATION_TO_MOBILISABLE.items() if _as_list(row.get(key))]
    out["mobilisable_par"] = mobilisable or None
    return out
