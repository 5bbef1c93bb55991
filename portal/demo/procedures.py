"""The demo procedures of the portal: what each asks (its form), who handles it, which are only announced.

Data only; ``portal.demo.catalogue`` publishes them as pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grc.models import Citizen


@dataclass
class F:
    """A form field of a demo procedure."""

    label: str
    field_type: str = "singleline"
    required: bool = True
    help_text: str = ""
    choices: str = ""
    accepted_types: str = "pdf,jpg,jpeg,png"
    max_size_mb: int = 10
    step: int = 1
    step_title: str = ""
    prefill: str = ""
    # (label of an earlier field, answer that shows this one)
    condition: tuple[str, str] = ()


@dataclass
class Procedure:
    slug: str
    title: str
    theme: str
    summary: str
    team: str = ""
    keywords: str = ""
    description: str = ""
    eligibility: str = ""
    documents: list[str] = field(default_factory=list)
    fields: list[F] = field(default_factory=list)
    service_level_days: int = 30
    assurance: int = Citizen.Assurance.DECLARED
    acknowledgement: str = ""
    is_open: bool = True
    opening_note: str = ""
    applicants: str = "person"


ACK = (
    "Votre demande a bien été reçue par le Département d'Ille-et-Vilaine. Elle sera examinée par le service "
    "indiqué ci-dessus. Vous serez informé(e) par courriel de chaque étape et pourrez suivre son avancement "
    "dans Mon espace. Conservez votre numéro de suivi : il vous sera demandé si vous contactez le service."
)


def _structure_fields(*, project_label="Intitulé du projet") -> list[F]:
    return [
        F("Nom de la structure", help_text="Tel qu'il figure dans vos statuts."),
        F("Numéro SIRET", help_text="14 chiffres, sans espace."),
        F("Numéro RNA", required=False, help_text="Pour les associations : W suivi de 9 chiffres."),
        F("Commune du siège"),
        F("Nom du représentant légal"),
        F("Adresse électronique de contact", "email"),
        F("Téléphone de contact", required=False),
        F(project_label),
        F("Description du projet", "multiline", help_text="Objectifs, public visé, calendrier, partenaires."),
        F("Date de début du projet", "date"),
        F("Budget total du projet (en euros)", "number"),
        F("Montant demandé au Département (en euros)", "number"),
    ]


def _subsidy_files() -> list[F]:
    return [
        F("Budget prévisionnel du projet", "file", accepted_types="pdf,xlsx,ods", max_size_mb=10),
        F("Statuts de la structure", "file", accepted_types="pdf", max_size_mb=10),
        F("Relevé d'identité bancaire (RIB)", "file", accepted_types="pdf,jpg,jpeg,png", max_size_mb=5),
        F(
            "J'atteste sur l'honneur l'exactitude des informations fournies",
            "checkbox",
            help_text="Une fausse déclaration expose au remboursement de l'aide.",
        ),
    ]


SUBSIDY_DOCS = [
    "Statuts de la structure (à jour)",
    "Budget prévisionnel du projet",
    "Relevé d'identité bancaire au nom de la structure",
    "Dernier bilan financier approuvé (pour une structure existant depuis plus d'un an)",
]
SUBSIDY_ELIGIBILITY = (
    "<p>Les associations loi 1901 et les structures de droit public ou privé dont le siège ou l'activité "
    "se situe en Ille-et-Vilaine. La demande doit être déposée avant le début du projet.</p>"
)


def _subsidy(slug, title, summary, description, extra: list[F], *, keywords="", eligibility=SUBSIDY_ELIGIBILITY):
    return Procedure(
        slug=slug,
        title=title,
        theme="culture-sport",
        summary=summary,
        team="subventions-culture-sport",
        keywords=f"subvention aide financière {keywords}",
        description=description,
        eligibility=eligibility,
        documents=SUBSIDY_DOCS,
        fields=[*_structure_fields(), *extra, *_subsidy_files()],
        service_level_days=60,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK + " Les demandes de subvention sont présentées à la commission permanente du Département, "
        "qui se réunit chaque mois.",
        applicants="both",
    )


PROCEDURES = [
    _subsidy(
        "aide-manifestations-culturelles",
        "Aide aux manifestations culturelles",
        "Une subvention pour les festivals, concerts, spectacles et expositions organisés en Ille-et-Vilaine.",
        "<p>Le Département soutient les manifestations culturelles qui rayonnent sur le territoire, "
        "en particulier en milieu rural, et qui associent les habitants.</p>",
        [
            F(
                "Discipline principale",
                "dropdown",
                choices="Musique\nThéâtre\nDanse\nArts visuels\nArts de la rue\nLivre et lecture\nPluridisciplinaire",
            ),
            F("Nombre de spectateurs attendus", "number"),
        ],
        keywords="festival spectacle concert exposition",
    ),
    _subsidy(
        "aide-clubs-sportifs-haut-niveau",
        "Aide aux clubs sportifs de haut niveau",
        "Un soutien au fonctionnement des clubs évoluant au niveau national.",
        "<p>Cette aide accompagne les clubs dont une équipe première évolue en championnat national, "
        "pour leurs frais de déplacement et d'encadrement.</p>",
        [
            F("Discipline sportive"),
            F("Niveau de l'équipe première", "dropdown", choices="Élite / Pro\nNationale 1\nNationale 2\nNationale 3"),
            F("Nombre de licenciés", "number"),
        ],
        keywords="club sport championnat national",
    ),
    _subsidy(
        "aide-emploi-sportif",
        "Aide à l'emploi sportif",
        "Une aide dégressive sur trois ans pour créer un poste d'éducateur sportif qualifié.",
        "<p>Le Département participe au salaire d'un éducateur sportif diplômé recruté par une association "
        "ou un groupement d'employeurs, pendant trois ans.</p>",
        [
            F("Type de contrat", "radio", choices="CDI\nCDD d'au moins 12 mois"),
            F("Diplôme de l'éducateur", help_text="Par exemple BPJEPS, DEJEPS, licence STAPS."),
            F("Temps de travail hebdomadaire (heures)", "number"),
        ],
        keywords="emploi éducateur salarié",
    ),
    _subsidy(
        "aide-equipement-culturel",
        "Aide à l'équipement culturel",
        "Une aide à l'investissement pour équiper une salle, un lieu de spectacle ou de pratique artistique.",
        "<p>Achat de matériel scénique, instruments, aménagement de salles : le Département finance jusqu'à "
        "30 % de la dépense éligible.</p>",
        [
            F("Nature de l'équipement", "multiline"),
            F("Devis", "file", accepted_types="pdf", max_size_mb=10),
        ],
        keywords="investissement matériel salle",
    ),
    _subsidy(
        "aide-ecoles-musique",
        "Aide aux écoles de musique",
        "Un soutien aux écoles de musique, de danse et de théâtre inscrites au schéma départemental.",
        "<p>L'aide tient compte du nombre d'élèves, de la qualification des enseignants et des actions "
        "menées avec les écoles du territoire.</p>",
        [
            F("Nombre d'élèves inscrits", "number"),
            F("Nombre d'enseignants", "number"),
            F("Disciplines enseignées", "checkboxes", choices="Musique\nDanse\nThéâtre\nArts du cirque"),
        ],
        keywords="école musique enseignement artistique conservatoire",
    ),
    _subsidy(
        "aide-residences-artistes",
        "Aide aux résidences d'artistes",
        "Une aide pour accueillir des artistes en résidence de création sur le territoire.",
        "<p>Le Département soutient les résidences qui associent la population (ateliers, rencontres, "
        "sorties de résidence) en dehors des grandes villes.</p>",
        [
            F("Nom de l'artiste ou de la compagnie accueillie"),
            F("Durée de la résidence (jours)", "number"),
            F("Actions avec les habitants", "multiline"),
        ],
        keywords="résidence création artiste compagnie",
    ),
    _subsidy(
        "aide-sportifs-haut-niveau",
        "Aide aux sportifs de haut niveau",
        "Une bourse individuelle pour les sportifs inscrits sur les listes ministérielles.",
        "<p>La bourse aide les sportifs d'Ille-et-Vilaine inscrits sur les listes du ministère des Sports "
        "à financer leur préparation et leurs déplacements.</p>",
        [
            F("Discipline sportive"),
            F("Liste ministérielle", "radio", choices="Élite\nSenior\nRelève\nEspoir\nCollectif national"),
            F("Attestation d'inscription sur la liste", "file", accepted_types="pdf,jpg,jpeg,png", max_size_mb=5),
        ],
        keywords="bourse athlète sportif individuel",
        eligibility="<p>Les sportifs domiciliés en Ille-et-Vilaine inscrits sur une liste ministérielle de "
        "haut niveau l'année de la demande, licenciés dans un club du département.</p>",
    ),
    _subsidy(
        "aide-education-artistique",
        "Aide aux projets d'éducation artistique et culturelle",
        "Une aide aux projets menés avec des collèges ou des structures jeunesse.",
        "<p>Rencontres avec des artistes, pratique artistique, fréquentation des œuvres : le Département "
        "soutient les projets construits avec les équipes éducatives.</p>",
        [
            F("Établissement ou structure partenaire"),
            F("Niveaux concernés", "checkboxes", choices="6e\n5e\n4e\n3e\nHors temps scolaire"),
            F("Nombre de jeunes concernés", "number"),
        ],
        keywords="EAC collège jeunesse éducation",
    ),
    Procedure(
        slug="fapa",
        title="Fonds d'appui aux partenaires et associations (FAPA)",
        theme="associations",
        summary="Une aide ponctuelle aux associations et partenaires du Département pour un projet d'intérêt local.",
        team="fapa",
        keywords="FAPA association partenaire fonds appui subvention",
        description="<p>Le FAPA soutient les projets associatifs d'intérêt départemental qui ne relèvent d'aucun "
        "autre dispositif : lien social, vie locale, solidarité, environnement.</p>",
        eligibility="<p>Associations déclarées depuis au moins un an, ayant leur siège en Ille-et-Vilaine.</p>",
        documents=SUBSIDY_DOCS,
        fields=[
            *_structure_fields(),
            F(
                "Domaine du projet",
                "dropdown",
                choices="Lien social\nSolidarité\nEnvironnement\nVie locale\nÉducation populaire\nAutre",
            ),
            *_subsidy_files(),
        ],
        service_level_days=60,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK,
    ),
    Procedure(
        slug="transport-scolaire-adapte",
        title="Transport scolaire adapté",
        theme="enfance-scolarite",
        summary="La prise en charge du trajet domicile–établissement d'un élève en situation de handicap.",
        team="transport-scolaire-adapte",
        keywords="transport scolaire handicap MDPH élève taxi",
        description="<p>Lorsque le handicap d'un élève ne lui permet pas d'utiliser les transports en commun, "
        "le Département organise et finance son transport entre le domicile et l'établissement scolaire.</p>"
        "<p>Faites la demande au plus tard le 15 juin pour la rentrée de septembre.</p>",
        eligibility="<p>Les élèves domiciliés en Ille-et-Vilaine, scolarisés de la maternelle au lycée (ou en "
        "études supérieures), dont la MDPH a reconnu le besoin d'un transport adapté.</p>",
        documents=[
            "Notification de la MDPH (commission des droits et de l'autonomie)",
            "Certificat de scolarité ou d'inscription pour l'année à venir",
        ],
        fields=[
            F("Nom de l'élève"),
            F("Prénom de l'élève"),
            F("Date de naissance de l'élève", "date"),
            F("Établissement scolaire fréquenté à la rentrée"),
            F("Commune de l'établissement"),
            F(
                "Classe à la rentrée",
                "dropdown",
                choices="Maternelle\nÉlémentaire\nULIS école\nCollège\nULIS collège\nLycée\nEnseignement supérieur",
            ),
            F("Adresse de prise en charge", "multiline", required=False, help_text="Si différente de votre adresse."),
            F("Jours de transport", "checkboxes", choices="Lundi\nMardi\nMercredi\nJeudi\nVendredi"),
            F("L'élève se déplace en fauteuil roulant", "radio", choices="Oui\nNon"),
            F(
                "Notification de la MDPH",
                "file",
                help_text="La décision de la CDAPH mentionnant le transport.",
                accepted_types="pdf,jpg,jpeg,png",
                max_size_mb=10,
            ),
            F("Certificat de scolarité", "file", required=False, accepted_types="pdf,jpg,jpeg,png", max_size_mb=10),
            F("Informations utiles au transporteur", "multiline", required=False),
        ],
        service_level_days=30,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK + " Le service transport scolaire adapté vous contactera pour organiser le trajet.",
    ),
    Procedure(
        slug="demande-de-mediation",
        title="Demande de médiation",
        theme="contact",
        summary="Un désaccord avec un service du Département ? Le médiateur examine votre situation.",
        team="mediation",
        keywords="médiateur litige réclamation désaccord recours",
        description="<p>Le médiateur du Département intervient gratuitement lorsque vous êtes en désaccord avec "
        "une décision ou un service du Département, après une première réclamation restée sans réponse "
        "satisfaisante.</p>",
        eligibility="<p>Toute personne ou association ayant déjà fait une réclamation écrite auprès du service "
        "concerné.</p>",
        documents=["La copie de votre réclamation et de la réponse reçue, le cas échéant"],
        fields=[
            F(
                "Objet de la médiation",
                "dropdown",
                choices="Aide sociale (RSA, APA, PCH…)\nTransport scolaire\nRoutes et voirie\n"
                "Subvention\nAccueil et relation avec un service\nAutre",
            ),
            F("Service concerné"),
            F("Numéro de dossier ou de demande", required=False),
            F("Exposé de la situation", "multiline"),
            F("Démarches déjà effectuées", "multiline"),
            F("Réclamation et réponse reçue", "file", required=False, accepted_types="pdf,jpg,jpeg,png,docx,odt"),
            F("Souhaitez-vous être rappelé(e) ?", "radio", choices="Oui\nNon"),
        ],
        service_level_days=30,
        assurance=Citizen.Assurance.DECLARED,
        acknowledgement=ACK + " Le médiateur vous répond dans un délai d'un mois.",
    ),
    Procedure(
        slug="contacter-un-service",
        title="Contacter un service du Département",
        theme="contact",
        summary="Posez votre question au service concerné ; vous recevez la réponse dans Mon espace.",
        team="relation-usagers",
        keywords="contact question message écrire service",
        description="<p>Votre message est transmis au service choisi. Pour une demande d'aide, utilisez plutôt "
        "la démarche correspondante : elle sera traitée plus vite.</p>",
        eligibility="<p>Toute personne.</p>",
        fields=[
            F(
                "Service",
                "dropdown",
                choices="Action sociale (CDAS)\nAutonomie (APA, PCH)\nEnfance et famille\nInsertion et RSA\n"
                "Transport scolaire adapté\nCulture et sport\nRoutes\nAutre",
            ),
            F("Objet"),
            F("Votre message", "multiline"),
            F("Pièce jointe", "file", required=False, accepted_types="pdf,jpg,jpeg,png,docx,odt", max_size_mb=5),
            F("Être recontacté(e) par", "radio", choices="Courriel\nTéléphone"),
            F("Téléphone", required=False, help_text="Si vous souhaitez être rappelé(e)."),
        ],
        service_level_days=15,
        assurance=Citizen.Assurance.DECLARED,
        acknowledgement=ACK,
    ),
]

ANNOUNCEMENTS: list[Procedure] = []  # every planned procedure is open now (issue 19)

_LOCATION = [
    F("Commune", step=2, step_title="Localisation et dates"),
    F(
        "Route départementale (numéro) et points de repère",
        help_text="Par ex. RD 137, du PR 12+300 au PR 12+800.",
        step=2,
    ),
    F(
        "Latitude du point de travaux",
        "number",
        required=False,
        help_text="Cliquez sur la carte, ou saisissez-la (par ex. 48.1113).",
        step=2,
    ),
    F("Longitude du point de travaux", "number", required=False, help_text="Par ex. -1.68.", step=2),
    F("Date de début", "date", step=2),
    F("Date de fin", "date", step=2),
]
_APPLICANT = [
    F("Nom de l'entreprise ou de l'organisme", prefill="organisation_name", step_title="Le demandeur"),
    F("Numéro SIRET", prefill="organisation_siret"),
    F("Adresse électronique de contact", "email", prefill="email"),
]

PLANNED = [
    Procedure(
        "suivi-pmi",
        "Protection maternelle et infantile : demande de consultation ou de visite",
        "enfance-scolarite",
        "Demander une consultation, une visite à domicile d'une puéricultrice ou un bilan en PMI.",
        team="pmi-cdas-guichen",
        keywords="PMI protection maternelle infantile enfant grossesse puéricultrice",
        description="<p>Les équipes de PMI accompagnent gratuitement les futurs parents et les enfants de moins de "
        "6 ans : consultations, visites à domicile, bilans de santé en école maternelle.</p>",
        fields=[
            F("Nom", prefill="last_name"),
            F("Prénoms", prefill="first_names"),
            F("Adresse électronique de contact", "email", prefill="email"),
            F("Vous êtes", "radio", choices="Enceinte\nParent d'un enfant de moins de 6 ans"),
            F("Date prévue de l'accouchement", "date", condition=("Vous êtes", "Enceinte")),
            F(
                "Date de naissance de l'enfant",
                "date",
                condition=("Vous êtes", "Parent d'un enfant de moins de 6 ans"),
            ),
            F("Votre demande", "radio", choices="Consultation au CDAS\nVisite à domicile\nBilan de santé"),
            F("Commune de résidence"),
            F("Précisions", "multiline", required=False),
        ],
        service_level_days=10,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK,
    ),
    Procedure(
        "demande-rsa",
        "Revenu de solidarité active (RSA) : demande et accompagnement",
        "solidarites",
        "Déposer une demande de RSA et choisir votre accompagnement vers l'emploi.",
        team="rsa-cdas-couronne-rennaise-sud",
        keywords="RSA revenu solidarité insertion",
        description="<p>Le RSA assure un revenu minimum et un accompagnement. Le Département instruit la demande "
        "avec la CAF ou la MSA, et vous propose un référent.</p>",
        documents=["Pièce d'identité ou titre de séjour", "Relevé d'identité bancaire", "Avis d'imposition"],
        fields=[
            F("Nom", prefill="last_name", step_title="Votre situation"),
            F("Prénoms", prefill="first_names"),
            F("Date de naissance", "date", prefill="birth_date"),
            F(
                "Situation familiale",
                "dropdown",
                choices="Seul(e)\nEn couple\nSeul(e) avec enfant(s)\nEn couple avec enfant(s)",
            ),
            F("Nombre d'enfants à charge", "number", required=False),
            F("Organisme qui verse vos prestations", "radio", choices="CAF\nMSA"),
            F("Numéro d'allocataire", required=False, step=2, step_title="Ressources et pièces"),
            F("Ressources des trois derniers mois (en euros)", "number", step=2),
            F("Pièce d'identité ou titre de séjour", "file", step=2),
            F("Relevé d'identité bancaire", "file", step=2),
        ],
        service_level_days=30,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK,
    ),
    Procedure(
        "declaration-travaux",
        "Déclaration de travaux L49 (réseaux de communications électroniques)",
        "routes-territoire",
        "Pour les opérateurs : déclarer des travaux de réseau (article L49 du CPCE) sur une route départementale.",
        team="routes-voirie",
        keywords="L49 travaux réseau fibre opérateur télécommunications",
        description="<p>L'article L49 du code des postes et des communications électroniques permet au Département "
        "de coordonner les travaux des opérateurs avec ses propres chantiers (pose de fourreaux).</p>",
        fields=[
            *_APPLICANT,
            F("Nature du réseau", "dropdown", choices="Fibre optique\nCuivre\nRéseau mobile\nAutre", step=2),
            *_LOCATION,
            F("Linéaire de travaux (en mètres)", "number", step=3, step_title="Les travaux"),
            F("Description des travaux", "multiline", step=3),
            F("Plan des travaux", "file", accepted_types="pdf", step=3),
        ],
        service_level_days=30,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK,
        applicants="organisation",
    ),
    Procedure(
        "arrete-circulation",
        "Guichet unique des arrêtés de voirie : permission de voirie et arrêté de circulation",
        "routes-territoire",
        "Une seule demande pour occuper une route départementale (permission de voirie) ou y réglementer la "
        "circulation (arrêté de circulation) pendant un chantier ou une manifestation.",
        team="routes-voirie",
        keywords="arrêté circulation route fermeture déviation permission voirie alignement",
        fields=[
            *_APPLICANT,
            F("Vous demandez", "checkboxes", choices="Permission de voirie\nArrêté de circulation", step=2),
            F(
                "Mesure de circulation",
                "dropdown",
                choices="Alternat\nFermeture avec déviation\nLimitation de vitesse",
                required=False,
                condition=("Vous demandez", "Arrêté de circulation"),
                step=2,
            ),
            *_LOCATION,
            F("Nature des travaux ou de la manifestation", "multiline", step=3, step_title="Les travaux"),
            F("Plan de signalisation", "file", accepted_types="pdf", required=False, step=3),
        ],
        service_level_days=15,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK,
        applicants="both",
    ),
    Procedure(
        "aides-agricoles",
        "Aides à l'agriculture",
        "routes-territoire",
        "Les aides du Département aux exploitations agricoles (installation, investissements, circuits courts).",
        team="agriculture",
        keywords="agriculture agricole exploitation installation",
        fields=[
            *_APPLICANT,
            F("Aide demandée", "dropdown", choices="Installation\nInvestissement\nCircuits courts", step=2),
            F("Description du projet", "multiline", step=2),
            F("Montant demandé (en euros)", "number", step=2),
            F("Devis", "file", accepted_types="pdf", step=2),
        ],
        service_level_days=60,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK,
        applicants="organisation",
    ),
    Procedure(
        "notaires-recuperation-aide-sociale",
        "Notaires : aide sociale récupérable sur succession",
        "solidarites",
        "Pour les offices notariaux : savoir si des aides sociales sont récupérables sur une succession.",
        team="recours-succession",
        keywords="notaire succession récupération aide sociale créance",
        fields=[
            F("Office notarial", prefill="organisation_name", step_title="L'office"),
            F("Numéro SIRET de l'office", prefill="organisation_siret"),
            F("Nom de naissance du défunt", step=2, step_title="Le défunt"),
            F("Nom d'usage du défunt", required=False, step=2),
            F("Prénoms du défunt", step=2),
            F("Date de naissance du défunt", "date", step=2),
            F("Date du décès", "date", step=2),
            F("Dernière commune de résidence du défunt", step=2),
            F("Acte de décès", "file", accepted_types="pdf", step=2),
        ],
        service_level_days=60,
        assurance=Citizen.Assurance.EMAIL_VERIFIED,
        acknowledgement=ACK,
        applicants="organisation",
    ),
]

FEATURED = [
    "transport-scolaire-adapte",
    "fapa",
    "aide-manifestations-culturelles",
    "aide-clubs-sportifs-haut-niveau",
    "demande-de-mediation",
    "contacter-un-service",
]
