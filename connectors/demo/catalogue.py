"""Fixed vocabulary of the demo data set: names, titles, places, products and our sales team.

Pure data, no I/O. The demo company is a Dutch technical wholesaler selling to installers, builders,
manufacturers and service companies in the Netherlands and Flanders. E-mail addresses use the
reserved ``.example`` top-level domain (RFC 2606), so a demo imported into a real CRM can never mail
anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CITIES",
    "COMPANY_STEMS",
    "DMU_ROLES",
    "FIRST_NAMES",
    "GATEKEEPER_TITLES",
    "INDUSTRY_WORDS",
    "LAST_NAMES",
    "MEMBERS",
    "OTHER_TITLES",
    "PRODUCTS",
    "PSU_ROLES",
    "TITLES",
    "Member",
    "Product",
]

DMU_ROLES = ("decider", "buyer", "advisor", "influencer", "user", "supporter")
PSU_ROLES = (
    "account_manager",
    "sales_rep",
    "sales_manager",
    "executive",
    "support",
    "delivery",
    "administration",
)


@dataclass(frozen=True)
class Product:
    """A catalogue line; ``margin`` is the typical gross margin as a fraction of the amount."""

    code: str
    name: str
    margin: float


PRODUCTS = (
    Product("BEV-1010", "Bouten en moeren", 0.34),
    Product("BEV-1020", "Schroeven", 0.36),
    Product("BEV-1030", "Pluggen en ankers", 0.33),
    Product("BEV-1040", "Lijmen en kitten", 0.30),
    Product("GRS-2010", "Handgereedschap", 0.32),
    Product("GRS-2020", "Accugereedschap", 0.18),
    Product("GRS-2030", "Meetgereedschap", 0.25),
    Product("GRS-2040", "Zaag- en slijpmiddelen", 0.34),
    Product("PBM-3010", "Werkhandschoenen", 0.37),
    Product("PBM-3020", "Werkschoenen", 0.28),
    Product("PBM-3030", "Valbeveiliging", 0.24),
    Product("PBM-3040", "Werkkleding", 0.30),
    Product("ELK-4010", "Kabel en leidingen", 0.12),
    Product("ELK-4020", "Schakelmateriaal", 0.20),
    Product("ELK-4030", "Verlichting", 0.22),
    Product("ELK-4040", "Laadpalen", 0.14),
    Product("INS-5010", "Buizen en fittingen", 0.18),
    Product("INS-5020", "Pompen", 0.16),
    Product("INS-5030", "Warmtepompen", 0.12),
    Product("INS-5040", "Sanitair", 0.22),
    Product("LAS-6010", "Lasapparatuur", 0.15),
    Product("LAS-6020", "Lastoevoegmaterialen", 0.26),
    Product("SMR-7010", "Smeermiddelen", 0.28),
    Product("SMR-7020", "Hydraulische olie", 0.20),
    Product("VPK-8010", "Verpakkingsmateriaal", 0.24),
    Product("VPK-8020", "Stretchfolie", 0.18),
    Product("RNG-8030", "Reinigingsmiddelen", 0.30),
    Product("SRV-9010", "Onderhoudscontracten", 0.39),
    Product("SRV-9020", "Kalibratie", 0.38),
    Product("SRV-9030", "Trainingen", 0.35),
)

#: (industry, words that end a company name in that industry)
INDUSTRY_WORDS = (
    ("construction", ("Bouw", "Bouwgroep", "Aannemers", "Renovatie")),
    ("installation", ("Installatietechniek", "Installaties", "Klimaattechniek")),
    ("electrical", ("Elektrotechniek", "Elektro", "Energietechniek")),
    ("manufacturing", ("Metaal", "Machinebouw", "Staalbouw", "Precisietechniek")),
    ("food", ("Food", "Voedingsmiddelen", "Zuivel")),
    ("logistics", ("Logistics", "Transport", "Distributie")),
    ("facility services", ("Facilitair", "Facility Services", "Schoonmaak")),
    ("agriculture", ("Agro", "Tuinbouw", "Kwekerijen")),
    ("maritime", ("Scheepsbouw", "Maritiem", "Jachtbouw")),
    ("energy", ("Solar", "Windtechniek", "Warmte")),
)

COMPANY_STEMS = (
    "Van Dijk",
    "De Vries",
    "Bakker",
    "Jansen",
    "Hoekstra",
    "Van den Berg",
    "Smits",
    "Kuipers",
    "Verhoeven",
    "Wouters",
    "Mertens",
    "Peeters",
    "Janssens",
    "Brouwer",
    "Van Leeuwen",
    "Dijkstra",
    "Van der Heijden",
    "Schouten",
    "Kok",
    "Claes",
    "Maes",
    "Goossens",
    "Rijnmond",
    "Brabant",
    "Twente",
    "Kempen",
    "Zeeland",
    "Veluwe",
    "Noord",
    "Delta",
    "Hollandia",
    "Limburg",
    "Westland",
    "Drechtsteden",
    "IJssel",
    "Maasland",
    "Schelde",
    "Waal",
    "Friesland",
    "Gooi",
    "Achterhoek",
    "Haven",
    "Polder",
    "Duin",
    "Eems",
    "Vecht",
)

#: (city, ISO country code); mostly the Netherlands, some Flanders.
CITIES = (
    ("Rotterdam", "NL"),
    ("Amsterdam", "NL"),
    ("Utrecht", "NL"),
    ("Eindhoven", "NL"),
    ("'s-Hertogenbosch", "NL"),
    ("Tilburg", "NL"),
    ("Breda", "NL"),
    ("Zwolle", "NL"),
    ("Apeldoorn", "NL"),
    ("Arnhem", "NL"),
    ("Nijmegen", "NL"),
    ("Groningen", "NL"),
    ("Enschede", "NL"),
    ("Venlo", "NL"),
    ("Dordrecht", "NL"),
    ("Leiden", "NL"),
    ("Haarlem", "NL"),
    ("Almere", "NL"),
    ("Amersfoort", "NL"),
    ("Deventer", "NL"),
    ("Helmond", "NL"),
    ("Roosendaal", "NL"),
    ("Middelburg", "NL"),
    ("Leeuwarden", "NL"),
    ("Alkmaar", "NL"),
    ("Antwerpen", "BE"),
    ("Gent", "BE"),
    ("Mechelen", "BE"),
    ("Hasselt", "BE"),
    ("Kortrijk", "BE"),
)

FIRST_NAMES = (
    "Jan",
    "Pieter",
    "Kees",
    "Mark",
    "Dennis",
    "Sander",
    "Jeroen",
    "Bas",
    "Niels",
    "Tom",
    "Ruud",
    "Erik",
    "Martijn",
    "Joost",
    "Hans",
    "Wim",
    "Frank",
    "Bart",
    "Stijn",
    "Wouter",
    "Koen",
    "Pieter-Jan",
    "Mohamed",
    "Emre",
    "Yusuf",
    "Rachid",
    "Lars",
    "Thomas",
    "Anna",
    "Linda",
    "Sandra",
    "Marloes",
    "Ingrid",
    "Esther",
    "Sanne",
    "Femke",
    "Iris",
    "Eline",
    "Lisa",
    "Kim",
    "Nicole",
    "Monique",
    "Petra",
    "Annelies",
    "Sofie",
    "Lien",
    "Fatima",
    "Ayşe",
    "Naima",
    "Wendy",
    "Mirjam",
    "Renée",
    "Zoë",
    "Inge",
)

#: (tussenvoegsel, surname): the Dutch particle is lower case inside a full name.
LAST_NAMES = (
    ("de", "Jong"),
    ("", "Jansen"),
    ("de", "Vries"),
    ("van den", "Berg"),
    ("van", "Dijk"),
    ("", "Bakker"),
    ("", "Janssen"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("de", "Wit"),
    ("", "Dijkstra"),
    ("de", "Graaf"),
    ("van der", "Meer"),
    ("van der", "Linden"),
    ("", "Kok"),
    ("", "Jacobs"),
    ("de", "Haan"),
    ("", "Vermeulen"),
    ("van den", "Heuvel"),
    ("van der", "Veen"),
    ("van den", "Broek"),
    ("de", "Bruijn"),
    ("van der", "Heijden"),
    ("", "Schouten"),
    ("van", "Beek"),
    ("", "Willems"),
    ("van", "Vliet"),
    ("", "Peeters"),
    ("", "Maes"),
    ("", "Goossens"),
    ("", "Wouters"),
    ("", "Mertens"),
    ("", "Öztürk"),
    ("", "Yılmaz"),  # noqa: RUF001 -- a Turkish name, spelt with its dotless i
    ("", "El Amrani"),
    ("", "Bennani"),
    ("", "Müller"),
    ("", "Çelik"),
)

#: Job titles that go with each DMU role at a customer (Dutch, as they appear in the CRM).
TITLES = {
    "decider": ("Directeur", "Algemeen directeur", "Directeur-eigenaar", "Operationeel directeur"),
    "buyer": ("Inkoper", "Hoofd inkoop", "Senior inkoper", "Category manager"),
    "advisor": ("Technisch adviseur", "Projectleider", "Kwaliteitsmanager", "Extern adviseur"),
    "influencer": ("Werkvoorbereider", "Productiemanager", "Hoofd technische dienst", "Engineer"),
    "user": ("Monteur", "Magazijnmedewerker", "Uitvoerder", "Servicetechnicus"),
    "supporter": ("Office manager", "Administratief medewerker", "Crediteurenadministratie"),
}
GATEKEEPER_TITLES = ("Receptionist", "Managementassistent", "Secretaresse")
OTHER_TITLES = ("Calculator", "Controller", "HR-adviseur", "Marketingmedewerker", "Planner")


@dataclass(frozen=True)
class Member:
    """Someone in our own sales team; ``role`` is the PSU role they usually take on an account."""

    id: str
    name: str
    email: str
    capacity_per_week: int | None
    role: str


#: Twelve people. Empty capacities take the config default; Fleur and Jeroen have little time,
#: so the contact plan runs over their capacity.
MEMBERS = (
    Member("m-01", "Sanne de Boer", "s.deboer@groothandel-demo.example", 12, "account_manager"),
    Member("m-02", "Daan Visser", "d.visser@groothandel-demo.example", None, "account_manager"),
    Member("m-03", "Fleur Mulder", "f.mulder@groothandel-demo.example", 4, "account_manager"),
    Member("m-04", "Bram Smit", "b.smit@groothandel-demo.example", None, "sales_rep"),
    Member("m-05", "Lotte Bakker", "l.bakker@groothandel-demo.example", 15, "sales_rep"),
    Member("m-06", "Eva de Graaf", "e.degraaf@groothandel-demo.example", 6, "sales_manager"),
    Member("m-07", "Jeroen Hendriks", "j.hendriks@groothandel-demo.example", 2, "executive"),
    Member("m-08", "Noor Dekker", "n.dekker@groothandel-demo.example", None, "support"),
    Member("m-09", "Ruben van Leeuwen", "r.vanleeuwen@groothandel-demo.example", 20, "support"),
    Member("m-10", "Anouk Brouwer", "a.brouwer@groothandel-demo.example", None, "delivery"),
    Member("m-11", "Youssef El Amrani", "y.elamrani@groothandel-demo.example", None, "delivery"),
    Member("m-12", "Marieke Jacobs", "m.jacobs@groothandel-demo.example", 8, "administration"),
)
