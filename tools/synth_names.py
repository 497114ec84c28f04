"""Vocabulary of the synthetic Dutch population: surnames (with tussenvoegsels), first names with the call
names people go by, streets, municipalities and the creditors that serve them.

Frequencies are rough shapes, not statistics: the common Dutch surnames are Zipf-weighted and a long tail
of composed names makes most people's surname rare, as in the real population. Municipality codes and
postcode ranges follow the hub's shipped sample routing table (hub/data/routing-sample.csv).
"""

from __future__ import annotations

from typing import Final

#: (prefix, surname), most common first. Turkish names keep their dotless i (\u0131), which folds to i.
COMMON_SURNAMES: Final = (
    *(("de", "Jong"), ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"), ("", "Bakker")),
    *(("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"), ("de", "Boer"), ("", "Mulder")),
    *(("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen")),
    *(("", "Dekker"), ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf")),
    *(("van der", "Meer"), ("van der", "Linden"), ("", "Kok"), ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen")),
    *(("van den", "Heuvel"), ("van der", "Veen"), ("van den", "Broek"), ("de", "Bruijn"), ("de", "Bruin")),
    *(("van der", "Heijden"), ("", "Schouten"), ("van", "Beek"), ("", "Willems"), ("van", "Vliet")),
    *(("van de", "Ven"), ("", "Hoekstra"), ("", "Maas"), ("", "Verhoeven"), ("", "Koster"), ("van", "Dam")),
    *(("van der", "Wal"), ("", "Prins"), ("", "Blom"), ("", "Huisman"), ("", "Peeters"), ("de", "Vos")),
    *(("", "Kuipers"), ("van", "Wijk"), ("", "Veenstra"), ("", "Post"), ("", "Kuiper"), ("van der", "Laan")),
    *(
        ("", "Y\u0131lmaz"),
        ("", "Kaya"),
        ("", "Demir"),
        ("", "Şahin"),
        ("", "Çelik"),
        ("", "Öztürk"),
        ("", "Y\u0131ld\u0131z"),
    ),
    *(("el", "Amrani"), ("", "Bouzid"), ("el", "Idrissi"), ("", "Benali"), ("", "Nguyen"), ("", "Tran")),
    *(("", "Singh"), ("", "Pinas"), ("", "Biharie"), ("", "Martina"), ("dos", "Santos"), ("", "Müller")),
    *(("", "Wójcik"), ("", "Kowalski"), ("", "Nowak"), ("", "Mohamed"), ("", "Ali"), ("", "Ahmed")),
    *(("", "Hassan"), ("ter", "Horst"), ("ten", "Cate"), ("in 't", "Veld"), ("van 't", "Hof"), ("op de", "Beek")),
)

#: Parts of the long tail of composed surnames ("Zandvliet", "van Wijnbergen", "Hoogeveen").
ROOTS: Final = (
    *("Zand", "Wijn", "Molen", "Brug", "Hoog", "Kamp", "Stroom", "Linde", "Eik", "Haver", "Rooze", "Tulp"),
    *("Berk", "Dijk", "Veld", "Hout", "Water", "Steen", "Kerk", "Brink", "Hof", "Akker", "Bloem", "Groen"),
    *("Wit", "Zwart", "Rood", "Klein", "Lange", "Boom", "Heuvel", "Duin", "Meer", "Beek", "Bosch", "Horst"),
    *("Wester", "Ooster", "Zuider", "Noorder", "Schaap", "Koe", "Paard", "Vink", "Mees", "Reiger", "Zwaan"),
    *("Lely", "Rijn", "Maas", "Schel", "Vecht", "Eem", "Dommel", "Gouw", "Haar", "Wolder", "Nijen", "Ruy"),
)
SUFFIXES: Final = (
    *("man", "mans", "veld", "berg", "dijk", "kamp", "huis", "horst", "ink", "ing", "stra", "sma", "ga"),
    *("ema", "inga", "broek", "hof", "bergen", "meijer", "boer", "kes", "ens", "en", "s", "sen", "werf"),
    *("vliet", "wijk", "hoven", "loo", "rade", "donk", "voort", "kuil", "ter", "er", "tjes", "hout"),
)
TAIL_PREFIXES: Final = (("", 0.82), ("van", 0.08), ("de", 0.04), ("van der", 0.03), ("van de", 0.02), ("ter", 0.01))

#: Official first names with the call name (roepnaam) their bearer goes by, when it is another name.
MALE_NAMES: Final = (
    *(("Johannes", "Hans"), ("Cornelis", "Kees"), ("Jacobus", "Koos"), ("Hendrik", "Henk"), ("Pieter", None)),
    *(("Willem", "Wim"), ("Gerrit", None), ("Dirk", None), ("Jeroen", None), ("Mark", None), ("Thomas", None)),
    *(("Daan", None), ("Sem", None), ("Lucas", None), ("Mohamed", None), ("Ahmed", None), ("Mehmet", None)),
    *(("Youssef", None), ("Abraham", "Bram"), ("Ruben", None), ("Niels", None), ("Tim", None), ("Kevin", None)),
    *(("Dennis", None), ("Stefan", None), ("Alexander", "Sander"), ("Sebastiaan", "Bas"), ("Joost", None)),
    *(("Maarten", None), ("Erik", None), ("Robertus", "Rob"), ("Franciscus", "Frans"), ("Petrus", "Peter")),
    *(("Michel", None), ("Patrick", None), ("Martijn", None), ("Jasper", None), ("Wouter", None), ("Koen", None)),
    *(("Rik", None), ("Mustafa", None), ("Ali", None), ("Emre", None), ("Hakan", None), ("Theodorus", "Dick")),
    *(("Josephus", "Sjef"), ("Adrianus", "Arie"), ("Lambertus", "Bert"), ("Gijsbertus", "Gijs")),
)
FEMALE_NAMES: Final = (
    *(("Maria", "Mieke"), ("Anna", None), ("Johanna", "Anneke"), ("Cornelia", "Corrie"), ("Elisabeth", "Lies")),
    *(("Wilhelmina", "Mien"), ("Geertruida", "Truus"), ("Sanne", None), ("Lisa", None), ("Emma", None)),
    *(("Julia", None), ("Sophie", None), ("Eva", None), ("Anne", None), ("Fleur", None), ("Iris", None)),
    *(("Laura", None), ("Lotte", None), ("Femke", None), ("Marieke", None), ("Linda", None), ("Sandra", None)),
    *(("Monique", None), ("Petronella", "Nel"), ("Ingrid", None), ("Esther", None), ("Fatima", None)),
    *(("Aïcha", None), ("Zeynep", None), ("Elif", None), ("Khadija", None), ("Naima", None), ("Yasmina", None)),
    *(("Mirjam", None), ("Ilse", None), ("Kim", None), ("Sabine", None), ("Wendy", None), ("Nicole", None)),
    *(("Daphne", None), ("Noor", None), ("Sara", None), ("Mila", None), ("Tess", None), ("Hélène", None)),
    *(("Jacoba", "Co"), ("Hendrika", "Riek"), ("Margaretha", "Greet"), ("Catharina", "Toos")),
)

STREET_STEMS: Final = (
    *("Lijsterbes", "Goudsbloem", "Korenbloem", "Zwanenvliet", "Reigersbek", "Nachtegaal", "Kastanje"),
    *("Eikenhorst", "Beukenrode", "Wilgen", "Populieren", "Merel", "Spreeuwen", "Rozen", "Tulpen", "Jasmijn"),
    *("Molen", "Dijk", "Haven", "Kerk", "Markt", "Schans", "Vesting", "Polder", "Sluis", "Brug", "Stations"),
)
STREET_KINDS: Final = ("straat", "laan", "weg", "hof", "kade", "pad", "plein", "singel", "dreef", "gracht")

#: code -> (name, share of the population, postcode ranges), after the sample routing table.
MUNICIPALITIES: Final = {
    "0363": ("Amsterdam", 0.30, ((1000, 1109), (1120, 1379))),
    "0599": ("Rotterdam", 0.25, ((2800, 3299),)),
    "0518": ("Den Haag", 0.18, ((2400, 2799),)),
    "0344": ("Utrecht", 0.12, ((3300, 3799),)),
    "0772": ("Eindhoven", 0.08, ((5200, 5999),)),
    "0014": ("Groningen", 0.07, ((9000, 9999),)),
}

#: Creditor organisations by kind. Housing corporations, water companies and tax offices are local
#: (one list per municipality code); energy companies and health insurers serve everyone.
ENERGY: Final = ("vattenfall", "eneco", "essent", "budget-energie")
HEALTH_INSURERS: Final = ("zilveren-kruis", "cz-groep", "vgz", "menzis")
WATER: Final = {"0363": "waternet", "0599": "evides", "0518": "dunea", "0344": "vitens", "0772": "brabant-water"}
WATER_DEFAULT: Final = "waterbedrijf-groningen"


def housing_corporations(code: str) -> tuple[str, str]:
    return (f"woningcorporatie-{code}-a", f"woningcorporatie-{code}-b")


def tax_office(code: str) -> str:
    """The municipality's tax department, a creditor of its own (sector overige)."""
    return f"belastingen-{code}"


def creditor_kinds() -> dict[str, str]:
    """Every creditor organisation id of the population, with its organisation kind."""
    kinds = {org: "energy" for org in ENERGY} | {org: "health_insurer" for org in HEALTH_INSURERS}
    kinds |= {org: "water" for org in (*WATER.values(), WATER_DEFAULT)}
    for code in MUNICIPALITIES:
        kinds |= dict.fromkeys(housing_corporations(code), "housing")
        kinds[tax_office(code)] = "municipal_taxes"
    return kinds
