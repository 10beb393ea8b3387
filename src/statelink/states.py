"""The jurisdictions on the network: 50 states and DC, by NCIC code.

NCIC codes equal postal codes except Nebraska, which is ``NB`` on the network
(postal ``NE``). Populations are the 2020 Census resident counts (U.S. Census
Bureau, apportionment and DC tables); they size each state's synthetic records.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class State:
    code: str  # NCIC code, used everywhere on the network
    postal: str  # USPS code, used in postal addresses
    name: str
    fips: str  # two-digit FIPS state code
    population: int


_ROWS: tuple[tuple[str, str, str, str, int], ...] = (
    ("AL", "AL", "Alabama", "01", 5_024_279),
    ("AK", "AK", "Alaska", "02", 733_391),
    ("AZ", "AZ", "Arizona", "04", 7_151_502),
    ("AR", "AR", "Arkansas", "05", 3_011_524),
    ("CA", "CA", "California", "06", 39_538_223),
    ("CO", "CO", "Colorado", "08", 5_773_714),
    ("CT", "CT", "Connecticut", "09", 3_605_944),
    ("DE", "DE", "Delaware", "10", 989_948),
    ("DC", "DC", "District of Columbia", "11", 689_545),
    ("FL", "FL", "Florida", "12", 21_538_187),
    ("GA", "GA", "Georgia", "13", 10_711_908),
    ("HI", "HI", "Hawaii", "15", 1_455_271),
    ("ID", "ID", "Idaho", "16", 1_839_106),
    ("IL", "IL", "Illinois", "17", 12_812_508),
    ("IN", "IN", "Indiana", "18", 6_785_528),
    ("IA", "IA", "Iowa", "19", 3_190_369),
    ("KS", "KS", "Kansas", "20", 2_937_880),
    ("KY", "KY", "Kentucky", "21", 4_505_836),
    ("LA", "LA", "Louisiana", "22", 4_657_757),
    ("ME", "ME", "Maine", "23", 1_362_359),
    ("MD", "MD", "Maryland", "24", 6_177_224),
    ("MA", "MA", "Massachusetts", "25", 7_029_917),
    ("MI", "MI", "Michigan", "26", 10_077_331),
    ("MN", "MN", "Minnesota", "27", 5_706_494),
    ("MS", "MS", "Mississippi", "28", 2_961_279),
    ("MO", "MO", "Missouri", "29", 6_154_913),
    ("MT", "MT", "Montana", "30", 1_084_225),
    ("NB", "NE", "Nebraska", "31", 1_961_504),
    ("NV", "NV", "Nevada", "32", 3_104_614),
    ("NH", "NH", "New Hampshire", "33", 1_377_529),
    ("NJ", "NJ", "New Jersey", "34", 9_288_994),
    ("NM", "NM", "New Mexico", "35", 2_117_522),
    ("NY", "NY", "New York", "36", 20_201_249),
    ("NC", "NC", "North Carolina", "37", 10_439_388),
    ("ND", "ND", "North Dakota", "38", 779_094),
    ("OH", "OH", "Ohio", "39", 11_799_448),
    ("OK", "OK", "Oklahoma", "40", 3_959_353),
    ("OR", "OR", "Oregon", "41", 4_237_256),
    ("PA", "PA", "Pennsylvania", "42", 13_002_700),
    ("RI", "RI", "Rhode Island", "44", 1_097_379),
    ("SC", "SC", "South Carolina", "45", 5_118_425),
    ("SD", "SD", "South Dakota", "46", 886_667),
    ("TN", "TN", "Tennessee", "47", 6_910_840),
    ("TX", "TX", "Texas", "48", 29_145_505),
    ("UT", "UT", "Utah", "49", 3_271_616),
    ("VT", "VT", "Vermont", "50", 643_077),
    ("VA", "VA", "Virginia", "51", 8_631_393),
    ("WA", "WA", "Washington", "53", 7_705_281),
    ("WV", "WV", "West Virginia", "54", 1_793_716),
    ("WI", "WI", "Wisconsin", "55", 5_893_718),
    ("WY", "WY", "Wyoming", "56", 576_851),
)

STATES: dict[str, State] = {row[0]: State(*row) for row in _ROWS}
"""Every jurisdiction by NCIC code, in alphabetical order of name."""

CODES: tuple[str, ...] = tuple(sorted(STATES))

NATIONWIDE = "NL"
"""Destination code for every state that answers a message key (also Nlets' own ORI prefix)."""

BY_FIPS: dict[str, State] = {s.fips: s for s in STATES.values()}


def is_state(code: str) -> bool:
    return code in STATES
