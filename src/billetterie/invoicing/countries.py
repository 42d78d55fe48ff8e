"""A country's ISO 3166-1 alpha-2 code from its name as a buyer types it (« France », « Belgique »,
"Germany", « Côte d'Ivoire », or the code itself): the Factur-X XML needs the code (BT-55), the
invoice prints the name as typed. Known: the European Union and its neighbours, French-speaking
countries and France's main partners; another country is refused at checkout with a message that
asks for its code (then it must be one of these too)."""

from __future__ import annotations

import unicodedata

# code: its names (French first), compared without accents, case, hyphens nor apostrophes
COUNTRIES: dict[str, tuple[str, ...]] = {
    # the European Union
    "FR": ("France", "République française"),
    "AT": ("Autriche", "Austria", "Österreich"),
    "BE": ("Belgique", "Belgium", "België", "Belgien"),
    "BG": ("Bulgarie", "Bulgaria"),
    "CY": ("Chypre", "Cyprus"),
    "CZ": ("Tchéquie", "République tchèque", "Czechia", "Czech Republic"),
    "DE": ("Allemagne", "Germany", "Deutschland"),
    "DK": ("Danemark", "Denmark", "Danmark"),
    "EE": ("Estonie", "Estonia"),
    "ES": ("Espagne", "Spain", "España"),
    "FI": ("Finlande", "Finland", "Suomi"),
    "GR": ("Grèce", "Greece", "Hellas"),
    "HR": ("Croatie", "Croatia", "Hrvatska"),
    "HU": ("Hongrie", "Hungary", "Magyarország"),
    "IE": ("Irlande", "Ireland", "Éire"),
    "IT": ("Italie", "Italy", "Italia"),
    "LT": ("Lituanie", "Lithuania"),
    "LU": ("Luxembourg", "Luxemburg", "Lëtzebuerg"),
    "LV": ("Lettonie", "Latvia"),
    "MT": ("Malte", "Malta"),
    "NL": ("Pays-Bas", "Netherlands", "Nederland", "Hollande", "Holland"),
    "PL": ("Pologne", "Poland", "Polska"),
    "PT": ("Portugal",),
    "RO": ("Roumanie", "Romania", "România"),
    "SE": ("Suède", "Sweden", "Sverige"),
    "SI": ("Slovénie", "Slovenia", "Slovenija"),
    "SK": ("Slovaquie", "Slovakia", "Slovensko"),
    # Europe outside the Union
    "AD": ("Andorre", "Andorra"),
    "AL": ("Albanie", "Albania"),
    "BA": ("Bosnie-Herzégovine", "Bosnia and Herzegovina"),
    "CH": ("Suisse", "Switzerland", "Schweiz", "Svizzera"),
    "GB": ("Royaume-Uni", "United Kingdom", "UK", "Grande-Bretagne", "Great Britain", "Angleterre", "England",
           "Écosse", "Scotland", "Pays de Galles", "Wales", "Irlande du Nord", "Northern Ireland"),
    "IS": ("Islande", "Iceland"),
    "LI": ("Liechtenstein",),
    "MC": ("Monaco", "Principauté de Monaco"),
    "MD": ("Moldavie", "Moldova"),
    "ME": ("Monténégro", "Montenegro"),
    "MK": ("Macédoine du Nord", "North Macedonia"),
    "NO": ("Norvège", "Norway", "Norge"),
    "RS": ("Serbie", "Serbia"),
    "SM": ("Saint-Marin", "San Marino"),
    "TR": ("Turquie", "Turkey", "Türkiye"),
    "UA": ("Ukraine",),
    "VA": ("Vatican", "Saint-Siège", "Holy See", "Vatican City"),
    # France's overseas collectivities with a code of their own (the overseas departments are France)
    "BL": ("Saint-Barthélemy", "Saint Barthélemy"),
    "MF": ("Saint-Martin", "Saint Martin"),
    "NC": ("Nouvelle-Calédonie", "New Caledonia"),
    "PF": ("Polynésie française", "French Polynesia"),
    "PM": ("Saint-Pierre-et-Miquelon", "Saint Pierre and Miquelon"),
    "WF": ("Wallis-et-Futuna", "Wallis and Futuna"),
    # Africa and the Middle East
    "BF": ("Burkina Faso",),
    "BI": ("Burundi",),
    "BJ": ("Bénin", "Benin"),
    "CD": ("République démocratique du Congo", "RDC", "Democratic Republic of the Congo"),
    "CF": ("République centrafricaine", "Centrafrique", "Central African Republic"),
    "CG": ("Congo", "République du Congo", "Congo-Brazzaville"),
    "CI": ("Côte d'Ivoire", "Ivory Coast"),
    "CM": ("Cameroun", "Cameroon"),
    "DJ": ("Djibouti",),
    "DZ": ("Algérie", "Algeria"),
    "EG": ("Égypte", "Egypt"),
    "GA": ("Gabon",),
    "GN": ("Guinée", "Guinea"),
    "IL": ("Israël", "Israel"),
    "KM": ("Comores", "Comoros"),
    "LB": ("Liban", "Lebanon"),
    "MA": ("Maroc", "Morocco"),
    "MG": ("Madagascar",),
    "ML": ("Mali",),
    "MR": ("Mauritanie", "Mauritania"),
    "MU": ("Maurice", "Île Maurice", "Mauritius"),
    "NE": ("Niger",),
    "RW": ("Rwanda",),
    "SC": ("Seychelles",),
    "SN": ("Sénégal", "Senegal"),
    "TD": ("Tchad", "Chad"),
    "TG": ("Togo",),
    "TN": ("Tunisie", "Tunisia"),
    "ZA": ("Afrique du Sud", "South Africa"),
    # the Americas, Asia and Oceania
    "AR": ("Argentine", "Argentina"),
    "AU": ("Australie", "Australia"),
    "BR": ("Brésil", "Brazil", "Brasil"),
    "CA": ("Canada", "Québec", "Quebec"),
    "CL": ("Chili", "Chile"),
    "CN": ("Chine", "China"),
    "CO": ("Colombie", "Colombia"),
    "HT": ("Haïti", "Haiti"),
    "IN": ("Inde", "India"),
    "JP": ("Japon", "Japan"),
    "KR": ("Corée du Sud", "South Korea", "Korea"),
    "MX": ("Mexique", "Mexico", "México"),
    "NZ": ("Nouvelle-Zélande", "New Zealand"),
    "PE": ("Pérou", "Peru"),
    "SG": ("Singapour", "Singapore"),
    "US": ("États-Unis", "Etats-Unis d'Amérique", "États-Unis d'Amérique", "United States", "USA",
           "United States of America"),
    "VN": ("Viêt Nam", "Vietnam"),
}


def _key(text: str) -> str:
    """Without accents, case, hyphens, apostrophes nor dots: « Côte-d'Ivoire » is "cote d ivoire"."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    for mark in "-'’.":
        plain = plain.replace(mark, " ")
    return " ".join(plain.split())


_BY_NAME = {_key(name): code for code, names in COUNTRIES.items() for name in names}


def country_code(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country named in French or English (or given by its code),
    "FR" for an empty name; None for a country this table does not know."""
    key = _key(name)
    if not key:
        return "FR"
    if len(key) == 2 and key.upper() in COUNTRIES:
        return key.upper()
    return _BY_NAME.get(key)
