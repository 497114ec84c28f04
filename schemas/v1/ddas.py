"""The DDAS v0.9 vocabularies (VNG/Divosa exchange model; ../shared/ddas/json_schema_Uitwisselmodel.json)
that municipalities record outcomes in. Shared by the hub and the municipality adapter."""

from __future__ import annotations

from typing import Final

#: EnumContactsoort.
CONTACT_KINDS: Final = (
    "Mail",
    "Brief",
    "SMS/Whatsapp",
    "Telefoon",
    "Huisbezoek",
    "Kaartje",
    "Overige",
    "Administratief",
)
#: EnumDagdeel.
PARTS_OF_DAY: Final = ("Ochtend", "Middag", "Avond")
#: EnumSignaalstatus.
SIGNAL_STATUSES: Final = (
    "Nog niet opgepakt",
    "Niet opgepakt: onterecht signaal",
    "Inwoner is overleden",
    "Persoon is geen inwoner (meer) in de gemeente",
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: andere reden",
)
#: EnumEindresultaat; the first five mean the signal was not picked up.
RESULTS: Final = (
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: onterecht signaal",
    "Inwoner is overleden",
    "Persoon is geen inwoner (meer) in de gemeente",
    "Niet opgepakt: andere reden",
    "Inwoner al bekend bij schuldhulpverlening",
    "Inwoner heeft al een ander lopend traject",
    "Definitief geen contact kunnen krijgen",
    "Geen reactie na eerder contact",
    "Inwoner hoeft geen hulp vanuit vroegsignalering",
    "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    "(Budget)advies en/of quick fix",
    "Vervolghulp en/of verwijzing financieel",
    "Verwijzing zonder contact",
    "Vervolghulp en/of verwijzing niet financieel",
)
NOT_PICKED_UP_RESULTS: Final = frozenset(RESULTS[:5])
