"""Open-data exports of the lieux: the CSV of the « lieux de médiation numérique » standard, and the same places
as data·inclusion v1 structures and services (as the national tools map them), validated with the official
``data-inclusion-schema`` models.

Ids are stable: a place's ``identifier`` never changes, its data·inclusion structure is ``cd35--<identifier>``
(the Département's source name in data·inclusion) and each of its services ``cd35--<identifier>--<service>``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from data_inclusion.schema import v1 as di
from django.utils.text import slugify

from .models import Frais, Lieu, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, PublicAdresse, Service
from .selectors import lieux_published

DI_SOURCE = "cd35"
LIST_SEPARATOR = "|"  # the standard's separator of multiple values in one CSV cell

CSV_COLUMNS = [
    "id",
    "pivot",
    "nom",
    "adresse",
    "complement_adresse",
    "commune",
    "code_postal",
    "code_insee",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "itinerance",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def lieu_csv_row(lieu: Lieu) -> list[str]:
    """One place as a row of the standard's CSV (columns in ``CSV_COLUMNS`` order)."""
    values = {
        "id": lieu.identifier,
        "commune": lieu.commune.name,
        "code_insee": lieu.commune_id,
        "date_maj": lieu.updated_on.isoformat(),
    }
    return [_cell(values[c] if c in values else getattr(lieu, c)) for c in CSV_COLUMNS]


def lieux_csv_lines(lieux: Iterable[Lieu] | None = None) -> Iterator[str]:
    """The CSV, line by line (for a streaming response): header, then one row per published place."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for lieu in lieux if lieux is not None else lieux_published().order_by("pk").iterator(chunk_size=500):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(lieu_csv_row(lieu))
        yield buffer.getvalue()


# How the national tools read a place's services in data·inclusion's thematiques.
THEMATIQUES = {
    Service.DEMARCHES: [di.Thematique.NUMERIQUE__ACCEDER_A_DES_SERVICES_EN_LIGNE],
    Service.OUTILS_QUOTIDIEN: [di.Thematique.NUMERIQUE__MAITRISER_LES_FONDAMENTAUX_DU_NUMERIQUE],
    Service.INSERTION_PRO: [
        di.Thematique.NUMERIQUE__MAITRISER_LES_FONDAMENTAUX_DU_NUMERIQUE,
        di.Thematique.PREPARER_SA_CANDIDATURE__ORGANISER_SES_DEMARCHES_DE_RECHERCHE_DEMPLOI,
    ],
    Service.SECURITE: [di.Thematique.NUMERIQUE__MAITRISER_LES_FONDAMENTAUX_DU_NUMERIQUE],
    Service.PARENTALITE: [di.Thematique.NUMERIQUE__MAITRISER_LES_FONDAMENTAUX_DU_NUMERIQUE],
    Service.LOISIRS: [di.Thematique.NUMERIQUE__MAITRISER_LES_FONDAMENTAUX_DU_NUMERIQUE],
    Service.COMPREHENSION: [di.Thematique.NUMERIQUE__MAITRISER_LES_FONDAMENTAUX_DU_NUMERIQUE],
    Service.ACCES_MATERIEL: [di.Thematique.NUMERIQUE__ACCEDER_A_UNE_CONNEXION_INTERNET],
    Service.MATERIEL_PRIX_SOLIDAIRE: [di.Thematique.NUMERIQUE__ACQUERIR_UN_EQUIPEMENT],
}
PUBLICS = {
    PublicAdresse.JEUNES: di.Public.JEUNES,
    PublicAdresse.ETUDIANTS: di.Public.ETUDIANTS,
    PublicAdresse.FAMILLES: di.Public.FAMILLES,
    PublicAdresse.SENIORS: di.Public.SENIORS,
    PublicAdresse.FEMMES: di.Public.FEMMES,
}
HANDICAPS = {
    PriseEnCharge.SURDITE,
    PriseEnCharge.HANDICAPS_MOTEURS,
    PriseEnCharge.HANDICAPS_MENTAUX,
    PriseEnCharge.DEFICIENCE_VISUELLE,
}
MOBILISATION = {
    ModaliteAcces.SE_PRESENTER: di.ModeMobilisation.SE_PRESENTER,
    ModaliteAcces.TELEPHONER: di.ModeMobilisation.TELEPHONER,
    ModaliteAcces.MAIL: di.ModeMobilisation.ENVOYER_UN_COURRIEL,
    ModaliteAcces.PRESCRIPTION: di.ModeMobilisation.ENVOYER_UN_COURRIEL,
    ModaliteAcces.RDV_EN_LIGNE: di.ModeMobilisation.UTILISER_LIEN_MOBILISATION,
}
RESEAUX = {
    "France Services": di.ReseauPorteur.FRANCE_SERVICE,
    "Conseillers numériques": di.ReseauPorteur.CONSEILLERS_NUMERIQUES,
    "Aidants Connect": di.ReseauPorteur.AIDANTS_CONNECT,
    "La Croix Rouge": di.ReseauPorteur.CROIX_ROUGE,
    "Emmaüs Connect": di.ReseauPorteur.EMMAUS,
    "Relais numérique (Emmaüs Connect)": di.ReseauPorteur.EMMAUS,
    "Point d'accès numérique CAF": di.ReseauPorteur.CAF,
}


def di_structure_id(lieu: Lieu) -> str:
    return f"{DI_SOURCE}--{lieu.identifier}"


def _description(lieu: Lieu) -> str:
    text = lieu.presentation_detail or lieu.presentation_resume
    if len(text) >= 5:
        return text[:2000]
    return f"Lieu de médiation numérique à {lieu.commune.name} : {', '.join(lieu.services)}."[:2000]


def _common(lieu: Lieu) -> dict:
    return {
        "source": DI_SOURCE,
        "date_maj": lieu.updated_on,
        "commune": lieu.commune.name,
        "code_postal": lieu.code_postal,
        "code_insee": lieu.commune_id,
        "adresse": lieu.adresse,
        "complement_adresse": lieu.complement_adresse or None,
        "latitude": lieu.latitude,
        "longitude": lieu.longitude,
        "telephone": lieu.telephone or None,
        "courriel": lieu.courriels[0] if lieu.courriels else None,
        "horaires_accueil": lieu.horaires or None,
    }


def lieu_to_di_structure(lieu: Lieu) -> di.Structure:
    """The place as a data·inclusion v1 structure (validated by the official model; raises if invalid)."""
    reseaux = {RESEAUX[p] for p in lieu.dispositif_programmes_nationaux if p in RESEAUX}
    return di.Structure.model_validate(
        {
            **_common(lieu),
            "id": di_structure_id(lieu),
            "nom": lieu.nom[:150].rstrip("."),
            "description": _description(lieu),
            "siret": lieu.pivot if len(lieu.pivot) == 14 else None,
            "site_web": lieu.site_web[0] if lieu.site_web else None,
            "accessibilite_lieu": lieu.fiche_acces_libre or None,
            "reseaux_porteurs": sorted(reseaux) or None,
        }
    )


def _frais(lieu: Lieu) -> tuple[di.Frais | None, str | None]:
    # data·inclusion knows only gratuit / payant: « gratuit sous condition » is gratuit, with the condition said.
    if Frais.GRATUIT in lieu.frais_a_charge:
        return di.Frais.GRATUIT, None
    if Frais.GRATUIT_SOUS_CONDITION in lieu.frais_a_charge:
        return di.Frais.GRATUIT, "Gratuit sous condition"
    if Frais.PAYANT in lieu.frais_a_charge:
        return di.Frais.PAYANT, None
    return None, None


def _publics(lieu: Lieu) -> list:
    publics = {PUBLICS[p] for p in lieu.publics_specifiquement_adresses if p in PUBLICS}
    if HANDICAPS & set(lieu.prise_en_charge_specifique):
        publics.add(di.Public.PERSONNES_EN_SITUATION_DE_HANDICAP)
    return sorted(publics) or [di.Public.TOUS_PUBLICS]


def _type(lieu: Lieu, service: str) -> di.TypeService:
    if service in (Service.ACCES_MATERIEL, Service.MATERIEL_PRIX_SOLIDAIRE):
        return di.TypeService.AIDE_MATERIELLE
    if lieu.modalites_accompagnement == [ModaliteAccompagnement.ATELIER]:
        return di.TypeService.ATELIER
    return di.TypeService.ACCOMPAGNEMENT


def lieu_to_di_services(lieu: Lieu) -> list[di.Service]:
    """One data·inclusion v1 service per médiation service the place offers (validated by the official model)."""
    frais, frais_precisions = _frais(lieu)
    only_remote = lieu.modalites_accompagnement == [ModaliteAccompagnement.A_DISTANCE]
    modes_accueil = {di.ModeAccueil.A_DISTANCE} if only_remote else {di.ModeAccueil.EN_PRESENTIEL}
    if ModaliteAccompagnement.A_DISTANCE in lieu.modalites_accompagnement:
        modes_accueil.add(di.ModeAccueil.A_DISTANCE)
    mobilisation = {MOBILISATION[m] for m in lieu.modalites_acces if m in MOBILISATION}
    if not lieu.prise_rdv:
        mobilisation.discard(di.ModeMobilisation.UTILISER_LIEN_MOBILISATION)
    services = []
    for service in lieu.services:
        services.append(
            di.Service.model_validate(
                {
                    **_common(lieu),
                    "id": f"{di_structure_id(lieu)}--{slugify(service)}",
                    "structure_id": di_structure_id(lieu),
                    "nom": service,
                    "description": _description(lieu),
                    "type": _type(lieu, service),
                    "thematiques": THEMATIQUES[service],
                    "frais": frais,
                    "frais_precisions": frais_precisions,
                    "publics": _publics(lieu),
                    "modes_accueil": sorted(modes_accueil),
                    "zone_eligibilite": ["35"],
                    "lien_mobilisation": lieu.prise_rdv or None,
                    "modes_mobilisation": sorted(mobilisation) or None,
                    "mobilisable_par": [di.PersonneMobilisatrice.USAGERS, di.PersonneMobilisatrice.PROFESSIONNELS],
                }
            )
        )
    return services


def lieux_to_di(lieux: Iterable[Lieu] | None = None) -> dict:
    """Every published place as data·inclusion v1: ``{"structures": [...], "services": [...]}`` (JSON-ready)."""
    structures, services = [], []
    for lieu in lieux if lieux is not None else lieux_published().order_by("pk"):
        structures.append(lieu_to_di_structure(lieu).model_dump(mode="json", exclude_none=True))
        services.extend(s.model_dump(mode="json", exclude_none=True) for s in lieu_to_di_services(lieu))
    return {"structures": structures, "services": services}
