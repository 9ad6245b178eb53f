"""Role names as CRMs and sales teams spell them, per DMU and PSU role key (METHOD.md section 2).
No I/O.

English names are the values of Salesforce's standard value sets (``ContactRole`` and
``AccountContactMultiRoles``: Business User, Decision Maker, Economic Buyer, Economic Decision
Maker, Evaluator, Executive Sponsor, Influencer, Technical Buyer; ``SalesTeamRole``: Account
Manager, Channel Manager, Executive Sponsor, Lead Qualifier, Pre-Sales Consultant, Sales Manager,
Sales Rep; "StandardValueSet Names and Standard Picklist Fields", Metadata API Developer Guide)
and the labels of HubSpot's ``hs_buying_role`` options (Blocker, Budget holder, Champion,
Decision maker, End user, Executive sponsor, Influencer, Legal and compliance, Other). Dutch
names are METHOD.md's own (Beslisser, Inkoper, Adviseur, Beinvloeder, Gebruiker, Ondersteuner;
Verkoper, Directeur/MT-lid, Ondersteuner/binnendienst, Uitvoerder, Administrateur) and their
common variants; German names are the usual terms of German sales literature for the same
roles (Entscheider, Einkaeufer, Berater, Beeinflusser, Anwender).

Values with no role on purpose (Blocker, Other, Channel Manager, Lead Qualifier) are not listed:
a value that matches nothing is left unmapped, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..domain.model import DmuRole, PsuRole

__all__ = ["DMU_NAMES", "PSU_NAMES", "RoleName"]

#: ``(name, language)``: one spelling of a role and the language it is in.
RoleName = tuple[str, str]


def _names(en: str, nl: str, de: str) -> tuple[RoleName, ...]:
    return tuple(
        (name.strip(), language)
        for language, text in (("en", en), ("nl", nl), ("de", de))
        for name in text.split("|")
        if name.strip()
    )


DMU_NAMES: Mapping[DmuRole, tuple[RoleName, ...]] = {
    DmuRole.DECIDER: _names(
        "Decision Maker|Economic Decision Maker|Decider|Final Decision Maker|Executive Sponsor"
        "|Board Member|Approver",
        "Beslisser|Beslissingsnemer|Besluitvormer|Eindbeslisser|Directie",
        "Entscheider|Entscheidungsträger|Entscheidungstraeger|Geschäftsführung",
    ),
    DmuRole.BUYER: _names(
        "Economic Buyer|Buyer|Budget Holder|Purchaser|Purchasing|Procurement",
        "Inkoper|Inkoop|Budgethouder|Budgetbeheerder",
        "Einkäufer|Einkaeufer|Einkauf|Budgetverantwortlicher|Budgetinhaber",
    ),
    DmuRole.ADVISOR: _names(
        "Advisor|Adviser|Evaluator|Technical Buyer|Technical Evaluator|Legal and Compliance"
        "|Legal|Consultant",
        "Adviseur|Raadgever|Beoordelaar|Technisch adviseur",
        "Berater|Bewerter|Gutachter|Technischer Einkäufer|Rechtsabteilung",
    ),
    DmuRole.INFLUENCER: _names(
        "Influencer|Champion|Coach",
        "Beïnvloeder|Beinvloeder|Ambassadeur|Pleitbezorger",
        "Beeinflusser|Fürsprecher|Befürworter",
    ),
    DmuRole.USER: _names(
        "User|Business User|End User",
        "Gebruiker|Eindgebruiker",
        "Anwender|Benutzer|Nutzer|Endanwender|Endnutzer",
    ),
    DmuRole.SUPPORTER: _names(
        "Supporter|Support|Administrative Support|Assistant|Office Manager",
        "Ondersteuner|Ondersteuning|Secretaresse|Officemanager",
        "Unterstützer|Unterstuetzer|Assistenz|Sachbearbeiter",
    ),
}

PSU_NAMES: Mapping[PsuRole, tuple[RoleName, ...]] = {
    PsuRole.ACCOUNT_MANAGER: _names(
        "Account Manager|Key Account Manager|Account Executive|Account Owner|Account Director",
        "Accountmanager|Relatiebeheerder|Key accountmanager|Accounthouder",
        "Kundenbetreuer|Key Account Manager|Kundenberater",
    ),
    PsuRole.SALES_REP: _names(
        "Sales Rep|Sales Representative|Salesperson|Sales Executive|Field Sales",
        "Verkoper|Vertegenwoordiger|Buitendienst|Verkoopadviseur",
        "Verkäufer|Verkaeufer|Vertriebsmitarbeiter|Außendienst|Aussendienst",
    ),
    PsuRole.SALES_MANAGER: _names(
        "Sales Manager|Sales Director|Head of Sales|Regional Sales Manager",
        "Verkoopmanager|Verkoopleider|Salesmanager|Commercieel manager",
        "Vertriebsleiter|Verkaufsleiter|Vertriebsmanager",
    ),
    PsuRole.EXECUTIVE: _names(
        "Executive Sponsor|Executive|Director|Managing Director|CEO",
        "Directeur|Directiesponsor|Directie|MT-lid|Algemeen directeur",
        "Geschäftsführer|Geschaeftsfuehrer|Vorstand|Direktor",
    ),
    PsuRole.SUPPORT: _names(
        "Pre-Sales Consultant|Presales|Sales Support|Inside Sales|Support|Customer Service",
        "Ondersteuner|Binnendienst|Verkoopondersteuning|Klantenservice",
        "Innendienst|Vertriebsinnendienst|Vertriebsunterstützung|Kundendienst",
    ),
    PsuRole.DELIVERY: _names(
        "Delivery|Project Manager|Implementation|Implementation Consultant|Service Delivery",
        "Uitvoerder|Uitvoering|Projectleider|Projectmanager",
        "Projektleiter|Umsetzung|Projektmanager",
    ),
    PsuRole.ADMINISTRATION: _names(
        "Administration|Administrator|Billing|Accounts Receivable|Back Office",
        "Administrateur|Administratie|Facturatie|Debiteurenbeheer",
        "Verwaltung|Buchhaltung|Fakturierung",
    ),
}
