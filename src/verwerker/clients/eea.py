"""Which countries may receive personal data (P22: no personal data to parties outside the EU).

The EU's 27 member states plus the three EEA states (Iceland, Liechtenstein, Norway), to which the
GDPR applies through the EEA Agreement. ISO 3166-1 alpha-2 codes; Greece is GR (not the EU's own EL).
"""

EU = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
EEA = EU | frozenset({"IS", "LI", "NO"})


def is_eea(country: str) -> bool:
    return country.strip().upper() in EEA
