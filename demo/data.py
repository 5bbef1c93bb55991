"""Static reference data for the demo: Ille-et-Vilaine communes, organisation, name pools, planted duplicates.

Commune codes are the real INSEE codes (not the postcodes); several communes share a postcode.
"""

from __future__ import annotations

import datetime
import random
from typing import NamedTuple

from faker.providers.person.fr_FR import Provider as _FrenchNames

from grc.nir import key as nir_key


def demo_random(seed: int) -> random.Random:
    """A seeded generator for synthetic demo data (reproducible on purpose; never used for secrets)."""
    return random.Random(seed)  # noqa: S311


class Commune(NamedTuple):
    name: str
    postcode: str
    insee: str


COMMUNES = [
    Commune("Rennes", "35000", "35238"),
    Commune("Saint-Malo", "35400", "35288"),
    Commune("Vitré", "35500", "35360"),
    Commune("Fougères", "35300", "35115"),
    Commune("Redon", "35600", "35236"),
    Commune("Cesson-Sévigné", "35510", "35051"),
    Commune("Bruz", "35170", "35047"),
    Commune("Betton", "35830", "35024"),
    Commune("Dinard", "35800", "35093"),
    Commune("Combourg", "35270", "35085"),
    Commune("Montfort-sur-Meu", "35160", "35188"),
    Commune("Guichen", "35580", "35126"),
    Commune("Bain-de-Bretagne", "35470", "35012"),
    Commune("Saint-Jacques-de-la-Lande", "35136", "35281"),
    Commune("Chantepie", "35135", "35055"),
    Commune("Pacé", "35740", "35210"),
    Commune("Le Rheu", "35650", "35240"),
    Commune("Chartres-de-Bretagne", "35131", "35066"),
    Commune("Vern-sur-Seiche", "35770", "35352"),
    Commune("Thorigné-Fouillard", "35235", "35334"),
    Commune("Acigné", "35690", "35001"),
    Commune("Saint-Grégoire", "35760", "35278"),
    Commune("Mordelles", "35310", "35196"),
    Commune("Liffré", "35340", "35152"),
    Commune("Janzé", "35150", "35136"),
    Commune("Châteaugiron", "35410", "35069"),
    Commune("La Guerche-de-Bretagne", "35130", "35125"),
    Commune("Châteaubourg", "35220", "35068"),
    Commune("Cancale", "35260", "35049"),
    Commune("Dol-de-Bretagne", "35120", "35095"),
    Commune("Saint-Briac-sur-Mer", "35800", "35256"),
    Commune("Pleurtuit", "35730", "35228"),
    Commune("Saint-Aubin-du-Cormier", "35140", "35253"),
    Commune("Saint-Aubin-d'Aubigné", "35250", "35251"),
    Commune("Louvigné-du-Désert", "35420", "35162"),
    Commune("Plélan-le-Grand", "35380", "35223"),
    Commune("Iffendic", "35750", "35133"),
    Commune("Saint-Méen-le-Grand", "35290", "35297"),
    Commune("Montauban-de-Bretagne", "35360", "35184"),
    Commune("Bréal-sous-Montfort", "35310", "35037"),
    Commune("Pipriac", "35550", "35220"),
    Commune("Grand-Fougeray", "35390", "35124"),
    Commune("Retiers", "35240", "35239"),
    Commune("Argentré-du-Plessis", "35370", "35006"),
    Commune("Melesse", "35520", "35173"),
    Commune("Tinténiac", "35190", "35337"),
    Commune("Noyal-Châtillon-sur-Seiche", "35230", "35206"),
    Commune("Laillé", "35890", "35139"),
    Commune("Pont-Péan", "35131", "35363"),
    Commune("Goven", "35580", "35123"),
    Commune("Vezin-le-Coquet", "35132", "35353"),
    Commune("L'Hermitage", "35590", "35131"),
    Commune("Montgermont", "35760", "35189"),
    Commune("La Mézière", "35520", "35177"),
    Commune("Saint-Lunaire", "35800", "35287"),
    Commune("Châteauneuf-d'Ille-et-Vilaine", "35430", "35070"),
    Commune("Saint-Méloir-des-Ondes", "35350", "35299"),
    Commune("Miniac-Morvan", "35540", "35179"),
    Commune("Pleine-Fougères", "35610", "35226"),
    Commune("Lécousse", "35133", "35150"),
    Commune("Domloup", "35410", "35099"),
    Commune("Noyal-sur-Vilaine", "35530", "35207"),
    Commune("Servon-sur-Vilaine", "35530", "35327"),
    Commune("Bécherel", "35190", "35022"),
    Commune("Guignen", "35580", "35127"),
]
COMMUNES_BY_NAME = {c.name: c for c in COMMUNES}

# Birth places outside Ille-et-Vilaine: (name, INSEE code used in the NIR, country).
# People born abroad have "99" + the INSEE country code in their NIR.
OTHER_BIRTH_PLACES = [
    ("Nantes", "44109", "France"),
    ("Brest", "29019", "France"),
    ("Quimper", "29232", "France"),
    ("Lorient", "56121", "France"),
    ("Vannes", "56260", "France"),
    ("Saint-Brieuc", "22278", "France"),
    ("Laval", "53130", "France"),
    ("Angers", "49007", "France"),
    ("Le Mans", "72181", "France"),
    ("Caen", "14118", "France"),
    ("Paris 15e Arrondissement", "75115", "France"),
    ("Lille", "59350", "France"),
    ("Bordeaux", "33063", "France"),
    ("Toulouse", "31555", "France"),
    ("Porto", "99139", "Portugal"),
    ("Casablanca", "99350", "Maroc"),
    ("Alger", "99352", "Algérie"),
    ("Tunis", "99351", "Tunisie"),
]

STREET_TYPES = ["rue", "rue", "rue", "avenue", "boulevard", "allée", "impasse", "place", "chemin", "square"]
STREET_NAMES = [
    "de la Gare", "de Brest", "de Nantes", "de Fougères", "du Général de Gaulle", "Jean Jaurès", "Victor Hugo",
    "de la Mairie", "des Écoles", "du Stade", "de la Libération", "Pasteur", "Anne de Bretagne",
    "du Château", "des Tilleuls", "des Lilas", "de l'Église", "Saint-Martin", "de la Poterie", "du Moulin",
    "des Genêts", "de la Vilaine", "du Calvaire", "de Saint-Malo", "de Vitré", "Du Guesclin",
    "Surcouf", "de la Chalotais", "Duguay-Trouin", "Nominoë", "de Bretagne", "des Ajoncs", "de la Rance",
]  # fmt: skip

# Organisation. Territories are the six agences départementales of Ille-et-Vilaine.
TERRITORIES = [
    ("pays-de-rennes", "Pays de Rennes"),
    ("pays-de-saint-malo", "Pays de Saint-Malo"),
    ("pays-de-vitre", "Pays de Vitré"),
    ("pays-de-fougeres", "Pays de Fougères"),
    ("pays-de-redon-vallons", "Pays de Redon-Vallons"),
    ("pays-de-broceliande", "Pays de Brocéliande"),
]


class CdasSpec(NamedTuple):
    code: str
    name: str
    territory: str
    commune: str


CDAS = [
    CdasSpec("cdas-saint-malo", "CDAS Saint-Malo", "pays-de-saint-malo", "Saint-Malo"),
    CdasSpec("cdas-la-baie", "CDAS de la Baie", "pays-de-saint-malo", "Dol-de-Bretagne"),
    CdasSpec("cdas-pays-de-dinard", "CDAS Pays de Dinard", "pays-de-saint-malo", "Dinard"),
    CdasSpec("cdas-marches-de-bretagne", "CDAS Marches de Bretagne", "pays-de-fougeres", "Louvigné-du-Désert"),
    CdasSpec("cdas-fougeres", "CDAS Fougères", "pays-de-fougeres", "Fougères"),
    CdasSpec("cdas-vitre", "CDAS Vitré", "pays-de-vitre", "Vitré"),
    CdasSpec("cdas-roche-aux-fees", "CDAS Pays de la Roche-aux-Fées", "pays-de-vitre", "Janzé"),
    CdasSpec("cdas-guichen", "CDAS Guichen", "pays-de-redon-vallons", "Guichen"),
    CdasSpec("cdas-redon", "CDAS Pays de Redon", "pays-de-redon-vallons", "Redon"),
    CdasSpec("cdas-bain-de-bretagne", "CDAS Bain-de-Bretagne", "pays-de-redon-vallons", "Bain-de-Bretagne"),
    CdasSpec("cdas-broceliande", "CDAS Brocéliande", "pays-de-broceliande", "Montfort-sur-Meu"),
    CdasSpec("cdas-saint-meen-montauban", "CDAS Saint-Méen-Montauban", "pays-de-broceliande", "Saint-Méen-le-Grand"),
    CdasSpec("cdas-couronne-rennaise-est", "CDAS Couronne rennaise Est", "pays-de-rennes", "Cesson-Sévigné"),
    CdasSpec("cdas-couronne-rennaise-sud", "CDAS Couronne rennaise Sud", "pays-de-rennes", "Chartres-de-Bretagne"),
    CdasSpec("cdas-couronne-rennaise-nord", "CDAS Couronne rennaise Nord", "pays-de-rennes", "Betton"),
    CdasSpec("cdas-couronne-rennaise-ouest", "CDAS Couronne rennaise Ouest", "pays-de-rennes", "Le Rheu"),
    CdasSpec("cdas-rennes-centre", "CDAS Rennes Centre", "pays-de-rennes", "Rennes"),
    CdasSpec("cdas-rennes-villejean", "CDAS Rennes Villejean", "pays-de-rennes", "Rennes"),
    CdasSpec("cdas-rennes-le-blosne", "CDAS Rennes Le Blosne", "pays-de-rennes", "Rennes"),
    CdasSpec("cdas-rennes-maurepas", "CDAS Rennes Maurepas", "pays-de-rennes", "Rennes"),
]

HEADQUARTERS = ("Hôtel du Département", "1 avenue de la Préfecture, 35042 Rennes Cedex")
MAILROOM = ("Service courrier — Hôtel du Département", "1 avenue de la Préfecture, 35042 Rennes Cedex")

# Teams in every CDAS: (code prefix, Team.Kind value, label).
CDAS_TEAMS = [
    ("pmi", "pmi", "PMI"),
    ("rsa", "rsa", "RSA / insertion"),
    ("ase", "ase", "ASE"),
    ("apa-pch", "apa_pch", "APA / PCH"),
    ("asp", "polyvalence", "Action sociale de proximité"),
]
# Département-wide teams: (code, Team.Kind value, name, site: "hq" or "mailroom").
DEPARTEMENT_TEAMS = [
    ("transport-scolaire-adapte", "transport", "Transport scolaire adapté", "hq"),
    ("subventions-culture-sport", "subventions", "Subventions culture / sport", "hq"),
    ("mediation", "mediation", "Médiation", "hq"),
    ("courrier", "courrier", "Courrier", "mailroom"),
    ("protection-des-donnees", "dpo", "Protection des données (DPO)", "hq"),
    ("administration-fonctionnelle", "autre", "Administration fonctionnelle", "hq"),
]

DEMO_EMAIL_DOMAIN = "demo.grc.local"
SYSTEM_ACCOUNT_EMAIL = f"systeme.demo@{DEMO_EMAIL_DOMAIN}"
DEFAULT_PASSWORD = "demo-grc-2026!"  # noqa: S105 -- demo accounts only, printed by seed_demo


class StaffSpec(NamedTuple):
    email: str
    first_name: str
    last_name: str
    role: str  # Membership.Role value
    team: str  # Team code
    superuser: bool = False


DEMO_STAFF = [
    StaffSpec(f"ts.vitre@{DEMO_EMAIL_DOMAIN}", "Nolwenn", "Le Bihan", "social_worker", "asp-cdas-vitre"),
    StaffSpec(f"ts.saint-malo@{DEMO_EMAIL_DOMAIN}", "Yann", "Kerhervé", "social_worker", "asp-cdas-saint-malo"),
    StaffSpec(f"ts.pmi.guichen@{DEMO_EMAIL_DOMAIN}", "Sophie", "Rouxel", "social_worker", "pmi-cdas-guichen"),
    StaffSpec(
        f"instructeur.rsa@{DEMO_EMAIL_DOMAIN}", "Karim", "Benali", "instructor", "rsa-cdas-couronne-rennaise-sud"
    ),
    StaffSpec(
        f"instructeur.transport@{DEMO_EMAIL_DOMAIN}", "Claire", "Jégou", "instructor", "transport-scolaire-adapte"
    ),
    StaffSpec(f"courrier@{DEMO_EMAIL_DOMAIN}", "Gwenaël", "Tanguy", "mailroom_agent", "courrier"),
    StaffSpec(f"responsable.vitre@{DEMO_EMAIL_DOMAIN}", "Anne", "Hamon", "team_manager", "asp-cdas-vitre"),
    StaffSpec(f"dpo@{DEMO_EMAIL_DOMAIN}", "Pierre", "Riou", "dpo", "protection-des-donnees"),
    StaffSpec(
        f"admin@{DEMO_EMAIL_DOMAIN}", "Maël", "Le Corre", "functional_admin", "administration-fonctionnelle", True
    ),
]

PORTAL_ACCOUNT_EMAIL = f"usager@{DEMO_EMAIL_DOMAIN}"
PORTAL_CITIZEN = {
    "birth_name": "Rolland",
    "usage_name": "",
    "first_names": "Camille, Louise",
    "birth_date": datetime.date(1991, 6, 23),
    "birth_place": "Rennes",
    "birth_place_code": "35238",
    "sex": "F",
}
# Her home (she and her son live there since 2019).
PORTAL_ADDRESS = {
    "line1": "12 rue de la Poterie",
    "postcode": "35000",
    "city": "Rennes",
    "insee_code": "35238",
    "start_date": datetime.date(2019, 9, 1),
}
# Her son, in her household: the access archive shows him by his role only.
PORTAL_CHILD = {
    "birth_name": "Rolland",
    "usage_name": "",
    "first_names": "Elouan",
    "birth_date": datetime.date(2017, 2, 9),
    "birth_place": "Rennes",
    "birth_place_code": "35238",
    "sex": "M",
}

# Name pools (Faker's French lists plus Breton names, compound first names and particles).
BRETON_LAST_NAMES = [
    "Le Goff", "Le Gall", "Le Roux", "Le Bihan", "Le Corre", "Le Floch", "Le Guen", "Le Moal", "Le Bras", "Le Breton",
    "Guillou", "Jégou", "Tanguy", "Hamon", "Riou", "Kerboriou", "Quéré", "Morvan", "Caradec", "Le Cam",
    "Le Hir", "Le Meur", "Le Page", "Le Pape", "Le Du", "Le Berre", "Le Gac", "Nicolas", "Guégan", "Kervella",
    "Rouxel", "Hervé", "Boulaire", "Lebreton", "Le Duff", "Cadiou", "Le Nours", "Pichon", "Lemoine", "Gautier",
    "d'Arvor", "de La Rivière", "Du Guesclin", "de Kerguelen", "Le Mée", "Hellec", "Josse", "Raoul", "Renault",
]  # fmt: skip
LAST_NAMES = sorted(set(_FrenchNames.last_names) | set(BRETON_LAST_NAMES))
FIRST_NAMES_MALE = sorted(
    set(_FrenchNames.first_names_male)
    | {"Jean-Pierre", "Jean-Marc", "Jean-Luc", "Pierre-Yves", "Yann", "Erwan", "Gwenaël", "Loïc", "Mathéo", "Killian"}
)
FIRST_NAMES_FEMALE = sorted(
    set(_FrenchNames.first_names_female)
    | {"Marie-Anne", "Anne-Sophie", "Marie-Claire", "Nolwenn", "Maëlle", "Gwenola", "Soazig", "Léna", "Anaïs"}
)


class PlantedPair(NamedTuple):
    """Two citizen records planted on purpose; ``duplicate`` False for homonyms that are two people."""

    kind: str
    a: dict
    b: dict
    duplicate: bool = True


def _person(birth_name, first_names, birth_date, sex, birth_place="Rennes", usage_name="", nir=""):
    code = COMMUNES_BY_NAME[birth_place].insee if birth_place in COMMUNES_BY_NAME else ""
    for name, insee, _country in OTHER_BIRTH_PLACES:
        if name == birth_place:
            code = insee
    return {
        "birth_name": birth_name,
        "usage_name": usage_name,
        "first_names": first_names,
        "birth_date": birth_date,
        "birth_place": birth_place,
        "birth_place_code": code,
        "sex": sex,
        "nir": nir,
    }


def _nir(sex: str, birth_date: datetime.date, place_code: str, order: int) -> str:
    first13 = f"{1 if sex == 'M' else 2}{birth_date:%y%m}{place_code}{order:03d}"
    return f"{first13}{nir_key(first13):02d}"


_D = datetime.date
PLANTED_KINDS = [
    "accents_case",
    "particle",
    "compound_first_name",
    "usage_vs_birth_name",
    "day_month_swap",
    "birth_date_digit",
    "name_typo",
    "same_nir",
    "homonym",
]
PLANTED_PAIRS = [
    PlantedPair(
        "accents_case",
        _person("Lefèvre", "Hélène", _D(1978, 4, 12), "F", "Vitré"),
        _person("LEFEVRE", "Helene", _D(1978, 4, 12), "F", "Vitré"),
    ),
    PlantedPair(
        "accents_case",
        _person("Gérard", "Françoise, Noëlle", _D(1956, 11, 3), "F", "Fougères"),
        _person("GERARD", "FRANCOISE NOELLE", _D(1956, 11, 3), "F", "Fougères"),
    ),
    PlantedPair(
        "particle",
        _person("Le Goff", "Ronan", _D(1969, 2, 27), "M", "Brest"),
        _person("Legoff", "Ronan", _D(1969, 2, 27), "M", "Brest"),
    ),
    PlantedPair(
        "particle",
        _person("d'Arvor", "Gaëlle", _D(1983, 9, 8), "F", "Saint-Malo"),
        _person("Darvor", "Gaëlle", _D(1983, 9, 8), "F", "Saint-Malo"),
    ),
    PlantedPair(
        "compound_first_name",
        _person("Quéméner", "Jean-Pierre", _D(1961, 7, 19), "M", "Redon"),
        _person("Quéméner", "Jean Pierre", _D(1961, 7, 19), "M", "Redon"),
    ),
    PlantedPair(
        "compound_first_name",
        _person("Berthelot", "Marie-Anne, Yvonne", _D(1974, 1, 30), "F", "Combourg"),
        _person("Berthelot", "Marie", _D(1974, 1, 30), "F", "Combourg"),
    ),
    PlantedPair(
        "usage_vs_birth_name",
        _person("Morel", "Isabelle", _D(1980, 5, 16), "F", "Laval", usage_name="Garnier"),
        _person("Garnier", "Isabelle", _D(1980, 5, 16), "F", "Laval"),
    ),
    PlantedPair(
        "usage_vs_birth_name",
        _person("Le Bris", "Solenn", _D(1988, 12, 2), "F", "Rennes", usage_name="Pasquier"),
        _person("Pasquier", "Solenn", _D(1988, 12, 2), "F", "Rennes"),
    ),
    PlantedPair(
        "day_month_swap",
        _person("Bouvier", "Thomas", _D(1985, 3, 7), "M", "Bruz"),
        _person("Bouvier", "Thomas", _D(1985, 7, 3), "M", "Bruz"),
    ),
    PlantedPair(
        "day_month_swap",
        _person("Lucas", "Manon", _D(1999, 10, 4), "F", "Cesson-Sévigné"),
        _person("Lucas", "Manon", _D(1999, 4, 10), "F", "Cesson-Sévigné"),
    ),
    PlantedPair(
        "birth_date_digit",
        _person("Chevalier", "Bernard", _D(1952, 5, 14), "M", "Janzé"),
        _person("Chevalier", "Bernard", _D(1952, 5, 19), "M", "Janzé"),
    ),
    PlantedPair(
        "birth_date_digit",
        _person("Texier", "Odile", _D(1963, 8, 21), "F", "Dinard"),
        _person("Texier", "Odile", _D(1968, 8, 21), "F", "Dinard"),
    ),
    PlantedPair(
        "name_typo",
        _person("Dupont", "Michel", _D(1958, 6, 9), "M", "Rennes"),
        _person("Dupond", "Michel", _D(1958, 6, 9), "M", "Rennes"),
    ),
    PlantedPair(
        "name_typo",
        _person("Guillou", "Annick", _D(1949, 3, 25), "F", "Quimper"),
        _person("Guilou", "Annick", _D(1949, 3, 25), "F", "Quimper"),
    ),
    # The same NIR cannot be held by two active records (constraint unique_active_nir): the second
    # record of each pair is the same person entered without the NIR, whose identity (sex, birth
    # month/year, birth place) is exactly what the first record's NIR encodes.
    PlantedPair(
        "same_nir",
        _person("Mahé", "Christophe", _D(1971, 10, 1), "M", "Vannes", nir=_nir("M", _D(1971, 10, 1), "56260", 123)),
        _person("Mahe", "Christophe, Louis", _D(1971, 10, 1), "M", "Vannes"),
    ),
    PlantedPair(
        "same_nir",
        _person("Benali", "Samira", _D(1984, 2, 11), "F", "Alger", nir=_nir("F", _D(1984, 2, 11), "99352", 48)),
        _person("Ben Ali", "Samira", _D(1984, 2, 11), "F", "Alger"),
    ),
    PlantedPair(
        "homonym",
        _person("Martin", "Jean", _D(1950, 1, 15), "M", "Rennes"),
        _person("Martin", "Jean", _D(1987, 9, 30), "M", "Brest"),
        duplicate=False,
    ),
    PlantedPair(
        "homonym",
        _person("Le Gall", "Marie", _D(1962, 4, 2), "F", "Saint-Brieuc"),
        _person("Le Gall", "Marie", _D(1995, 11, 18), "F", "Redon"),
        duplicate=False,
    ),
]
