"""Derived geography: which ATS and ASST serve a comune, where sites go.

Pure functions over the records of `sources`; the rules are documented in
retecup/data/SOURCES.md ("Derived by the loader").
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from retecup.domain.text import fold
from retecup.loader.sources import Comune, District, Hospital

MILANO = "015146"

# ASST Pini/CTO (030704) has no hospital in lombardia_ospedali_indirizzi.csv;
# both its HSP11 hospitals (030911 Istituto Ortopedico Gaetano Pini, 030912
# CTO) are in Milan, hence ATS Milano.
PINI_CTO = "030704"
_ATS_WITHOUT_HOSPITAL = {PINI_CTO: "030321"}


@dataclass(frozen=True)
class PlannedSite:
    provider_code: str
    name: str
    address: str
    comune_istat: str


def distance_km(a: Comune, b: Comune) -> float:
    """Great-circle distance between two comuni's inner points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def comune_ats(
    comuni: tuple[Comune, ...], by_province: dict[str, str], exceptions: dict[str, str]
) -> dict[str, str]:
    """ATS of every comune: its province's, unless listed as an exception."""
    return {c.istat: exceptions.get(c.istat, by_province[c.province]) for c in comuni}


def asst_ats(hospitals: tuple[Hospital, ...], ats_of: dict[str, str]) -> dict[str, str]:
    """ATS of every ASST: the ATS of the comuni of its hospitals (one each)."""
    found: dict[str, set[str]] = defaultdict(set)
    for hospital in hospitals:
        if hospital.provider_kind == "ASST":
            found[hospital.provider_code].add(ats_of[hospital.comune_istat])

    result = dict(_ATS_WITHOUT_HOSPITAL)
    for asst, ats_codes in found.items():
        if len(ats_codes) != 1:
            raise ValueError(f"ASST {asst} has hospitals in several ATS: {ats_codes}")
        result[asst] = ats_codes.pop()
    return result


def milan_only_assts(districts: tuple[District, ...]) -> frozenset[str]:
    """ASSTs whose districts are all Milan municipi: they serve only the city."""
    names: dict[str, list[str]] = defaultdict(list)
    for district in districts:
        names[district.asst_code].append(district.name)
    city = {asst for asst, ds in names.items()
            if all(d.startswith("MUNICIPIO ") for d in ds)}
    return frozenset(city | {PINI_CTO})


def comune_asst(
    comuni: tuple[Comune, ...],
    ats_of: dict[str, str],
    hospitals: tuple[Hospital, ...],
    districts: tuple[District, ...],
) -> dict[str, str]:
    """The ASST serving each comune outside Milan (an approximation).

    The real district boundaries are not in the data. A comune named like a
    district takes that district's ASST; any other comune takes the ASST of
    the nearest ASST hospital in its own ATS, preferring its own province.
    Milan-only ASSTs are left out: Milan itself is split by municipio.
    """
    by_istat = {c.istat: c for c in comuni}
    city = milan_only_assts(districts)
    candidates = [(by_istat[h.comune_istat], h.provider_code) for h in hospitals
                  if h.provider_kind == "ASST" and h.provider_code not in city]
    named = {(fold(d.name), d.ats_code): d.asst_code for d in districts}

    result = {}
    for comune in comuni:
        if comune.istat == MILANO:
            continue
        ats = ats_of[comune.istat]
        override = named.get((fold(comune.name), ats))
        if override:
            result[comune.istat] = override
            continue
        same_ats = [(c, a) for c, a in candidates if ats_of[c.istat] == ats]
        same_province = [(c, a) for c, a in same_ats if c.province == comune.province]
        pool = same_province or same_ats
        nearest = min(pool, key=lambda ca: (distance_km(comune, ca[0]), ca[1]))
        result[comune.istat] = nearest[1]
    return result


def generated_sites(
    comuni: tuple[Comune, ...],
    asst_of: dict[str, str],
    districts: tuple[District, ...],
    min_population: int,
) -> list[PlannedSite]:
    """Generated outpatient sites, clearly named and addressed as such.

    One per comune of at least `min_population` people (one more per
    100,000), one per Milan municipio for the ASST that serves it, one for
    ASST Pini/CTO in Milan, and one in the largest comune of any ASST that
    would otherwise have none.
    """
    by_istat = {c.istat: c for c in comuni}
    milano = by_istat[MILANO]
    sites = [
        PlannedSite(d.asst_code, f"Poliambulatorio Milano {d.name.title()}",
                    _address(milano), MILANO)
        for d in districts if d.name.startswith("MUNICIPIO ")
    ]
    sites.append(PlannedSite(PINI_CTO, "Poliambulatorio ortopedico Milano",
                             _address(milano), MILANO))

    chosen = [c for c in comuni
              if c.istat in asst_of and c.population >= min_population]
    covered = {asst_of[c.istat] for c in chosen}
    for asst in sorted(set(asst_of.values()) - covered):
        served = [c for c in comuni if asst_of.get(c.istat) == asst]
        chosen.append(max(served, key=lambda c: (c.population, c.istat)))

    for comune in sorted(chosen, key=lambda c: c.istat):
        count = 1 + comune.population // 100_000
        for n in range(1, count + 1):
            suffix = f" {n}" if count > 1 else ""
            sites.append(PlannedSite(asst_of[comune.istat],
                                     f"Poliambulatorio {comune.name}{suffix}",
                                     _address(comune), comune.istat))
    return sites


def _address(comune: Comune) -> str:
    # Says plainly that the place is not real, wherever the address is shown.
    return (f"Sede dimostrativa generata, indirizzo non reale - "
            f"{comune.postcode} {comune.name} ({comune.province})")
