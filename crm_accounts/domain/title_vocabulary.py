"""The shipped job-title vocabulary for DMU role suggestions, in English, Dutch and German. Data
only; :mod:`.titles` matches titles against it. No I/O.

Words and phrases are written as people write them; matching ignores case, accents on umlauts
(``ä`` = ``ae``), hyphens and punctuation. A phrase of several words matches those words in a
row. Compounds such as ``Einkaufsleiter`` or ``inkoopmanager`` are split into known pieces, so
``einkauf`` + ``leiter`` needs no entry of its own.
"""

from __future__ import annotations

__all__ = ["COMPOUND_PIECES", "ROLE_WORDS", "STOP_WORDS", "SUPPORT_ONLY_WORDS"]

_DECIDER = ("decider",)
_BUYER = ("buyer",)
_ADVISOR = ("advisor",)
_INFLUENCER = ("influencer",)
_USER = ("user",)
_SUPPORTER = ("supporter",)
_DECIDER_BUYER = ("decider", "buyer")


def _words(roles: tuple[str, ...], *phrases: str) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(phrases, roles)


_DECIDER_WORDS = (
    "ceo", "cfo", "coo", "cto", "cio", "cxo", "owner", "co-owner", "founder", "co-founder",
    "president", "vice president", "vp", "svp", "evp", "managing director", "general manager",
    "director", "managing partner", "chairman", "chairwoman", "board member",
    "chief executive officer", "chief financial officer", "chief operating officer",
    "chief technology officer", "chief information officer", "country manager", "plant manager",
    "directeur", "directrice", "algemeen directeur", "dga", "directeur-grootaandeelhouder",
    "eigenaar", "mede-eigenaar", "oprichter", "bestuurder", "statutair bestuurder",
    "bestuursvoorzitter", "voorzitter raad van bestuur", "zaakvoerder", "bedrijfsleider",
    "vestigingsmanager", "directielid", "gedelegeerd bestuurder", "geschäftsführer",
    "geschäftsführerin", "geschäftsführung", "inhaber", "inhaberin", "gründer", "gründerin",
    "vorstand", "vorstandsvorsitzender", "vorstandsvorsitzende", "vorstandsmitglied",
    "direktor", "direktorin", "werkleiter", "werkleiterin", "niederlassungsleiter",
    "niederlassungsleiterin", "betriebsleiter", "betriebsleiterin", "prokurist", "prokuristin",
    "gesellschafter", "gesellschafterin", "geschäftsführender gesellschafter",
    "kaufmännischer leiter", "kaufmännische leiterin", "kaufmännische leitung",
)  # fmt: skip

_DECIDER_BUYER_WORDS = (
    "chief procurement officer", "chief purchasing officer",
)  # fmt: skip

_BUYER_WORDS = (
    "buyer", "purchaser", "purchasing", "purchase", "procurement", "sourcing",
    "category manager", "commodity manager", "purchasing agent", "vendor manager",
    "supplier manager", "inkoper", "inkoopster", "inkoop", "categorymanager",
    "category-manager", "einkäufer", "einkäuferin", "einkauf", "beschaffung", "beschaffer",
    "beschafferin",
)  # fmt: skip

_ADVISOR_WORDS = (
    "consultant", "advisor", "adviser", "counsel", "legal counsel", "general counsel", "lawyer",
    "solution architect", "enterprise architect", "architect", "controller",
    "compliance officer", "auditor", "adviseur", "raadgever", "jurist", "bedrijfsjurist",
    "advocaat", "architect", "controllerin", "berater", "beraterin", "unternehmensberater",
    "justiziar", "justiziarin", "syndikus", "architekt", "architektin",
)  # fmt: skip

_INFLUENCER_WORDS = (
    "project manager", "project lead", "project leader", "product manager", "program manager",
    "programme manager", "it manager", "it", "ict", "engineering manager", "quality manager",
    "qa manager", "operations manager", "technical manager", "r&d manager", "head of r&d",
    "projectleider", "projectmanager", "productmanager", "programmamanager",
    "kwaliteitsmanager", "operationeel manager", "technisch manager", "projektleiter",
    "projektleiterin", "projektmanager", "projektmanagerin", "produktmanager",
    "produktmanagerin", "qualitätsmanager", "qualitätsmanagerin", "technischer leiter",
    "technische leiterin", "entwicklungsleiter", "entwicklungsleiterin",
)  # fmt: skip

_USER_WORDS = (
    "engineer", "technician", "operator", "planner", "developer", "warehouse", "mechanic",
    "nurse", "monteur", "werkvoorbereider", "planner", "ontwikkelaar", "magazijnmedewerker",
    "productiemedewerker", "operator", "technicus", "verpleegkundige", "ingenieur",
    "ingenieurin", "techniker", "technikerin", "entwickler", "entwicklerin", "lagerist",
    "lageristin", "disponent", "disponentin", "maschinenführer",
)  # fmt: skip

_SUPPORTER_WORDS = (
    "administration", "administrative", "administrator", "bookkeeper", "accounts payable",
    "customer service", "back office", "office", "administratief medewerker", "administratie",
    "administratief", "boekhouder", "crediteurenadministratie", "binnendienst", "backoffice",
    "klantenservice", "sachbearbeiter", "sachbearbeiterin", "buchhaltung", "buchhalter",
    "buchhalterin", "innendienst", "kundenservice", "verwaltung",
)  # fmt: skip

#: Words and phrases that name a DMU role.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    **_words(_DECIDER, *_DECIDER_WORDS),
    **_words(_DECIDER_BUYER, *_DECIDER_BUYER_WORDS),
    **_words(_BUYER, *_BUYER_WORDS),
    **_words(_ADVISOR, *_ADVISOR_WORDS),
    **_words(_INFLUENCER, *_INFLUENCER_WORDS),
    **_words(_USER, *_USER_WORDS),
    **_words(_SUPPORTER, *_SUPPORTER_WORDS),
}

#: Words that make a person support someone else: the title is ``supporter`` whatever else it
#: names (``Assistant to the CEO``, ``Assistentin der Geschäftsführung``).
SUPPORT_ONLY_WORDS: tuple[str, ...] = (
    "assistant", "personal assistant", "executive assistant", "secretary", "receptionist",
    "office manager", "officemanager",
    "assistent", "assistente", "secretaresse", "managementassistent", "receptioniste",
    "assistentin", "assistenz", "sekretär", "sekretärin", "teamassistenz", "empfang",
)  # fmt: skip

#: Words after which a title gets no suggestion at all: people who are not (or not yet) part of
#: the customer's buying team, or our own kind of people at the customer (its sales force).
STOP_WORDS: tuple[str, ...] = (
    "intern", "internship", "trainee", "student", "former", "ex", "retired", "sales",
    "account manager", "key account manager", "business development",
    "stagiair", "stagiaire", "werkstudent", "gepensioneerd", "verkoop", "verkoper",
    "accountmanager", "praktikant", "praktikantin", "vertrieb", "verkauf", "verkäufer",
    "verkäuferin", "auszubildender", "auszubildende", "azubi",
)  # fmt: skip

#: Parts of compounds that do not change the role: seniority and "manager"-like words. Together
#: with the one-word entries above they are the pieces a compound title may be split into.
COMPOUND_PIECES: tuple[str, ...] = (
    "leiter", "leiterin", "leitung", "manager", "managerin", "medewerker", "mitarbeiter",
    "mitarbeiterin", "chef", "chefin", "hoofd", "head", "lead", "coordinator", "coördinator",
    "koordinator", "koordinatorin", "specialist", "spezialist", "spezialistin", "senior",
    "junior", "team", "teamleider", "teamleiter", "teamleiterin", "abteilungsleiter",
    "abteilungsleiterin", "bereichsleiter", "bereichsleiterin", "officer", "referent",
    "referentin", "directeur", "direktor",
)  # fmt: skip
