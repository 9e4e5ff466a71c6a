"""Synthetic patients: invented people with valid codici fiscali.

Names are drawn with the loader's seeded generator from Faker's it_IT name
lists, so they are combinations of common Italian names, not anybody's
record. Residence follows real comune populations; birthplaces are Lombardy
comuni whose Belfiore code was in use on the birth date. Phone numbers start
+39 00, which no Italian number does (00 is the international prefix), and
e-mail addresses are at example.org: nobody can be reached through them.

The codice fiscale is built from python-codicefiscale's encoding functions
with the Belfiore code we already hold; `codicefiscale.encode` looks the
place up by scanning dates with dateutil (about 6 ms a call, 30 minutes for
the region profile), and its `is_valid` costs as much, so it checks a
deterministic sample here and every row in the integration test.
"""

import bisect
import itertools
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from codicefiscale import codicefiscale
from faker.providers.person.it_IT import Provider as ItalianNames

from retecup.domain.text import fold
from retecup.loader.sources import Comune

log = logging.getLogger(__name__)

VALIDATION_SAMPLE = 200
_FALLBACK_BIRTHPLACE = "F205"  # Milano, in use since 1873

# Age bands (years, inclusive) and their share, close to Lombardy's pyramid.
_AGE_BANDS = ((0, 14), (15, 39), (40, 64), (65, 79), (80, 95))
_AGE_WEIGHTS = (12, 25, 37, 17, 9)


@dataclass(frozen=True)
class Patient:
    cf: str
    given_name: str
    family_name: str
    birth_date: date
    comune_istat: str
    phone: str
    email: str


class _WeightedComuni:
    """Draws comuni by population with one binary search per draw."""

    def __init__(self, comuni: tuple[Comune, ...]):
        self.comuni = comuni
        self.cumulative = list(itertools.accumulate(c.population for c in comuni))

    def draw(self, rng: random.Random) -> Comune:
        point = rng.random() * self.cumulative[-1]
        return self.comuni[bisect.bisect_right(self.cumulative, point)]


def generate_patients(
    rng: random.Random, count: int, comuni: tuple[Comune, ...],
    belfiore_spans: dict[str, tuple[date, date]], today: date,
) -> list[Patient]:
    weighted = _WeightedComuni(comuni)
    seen: set[str] = set()
    patients: list[Patient] = []
    skipped = 0
    while len(patients) < count:
        patient = _one(rng, weighted, belfiore_spans, today, len(patients))
        if patient.cf in seen:
            skipped += 1  # two invented people with one code: draw another
            continue
        seen.add(patient.cf)
        patients.append(patient)

    _check_sample(rng, patients)
    log.info("patients generated", extra={"count": count, "cf_collisions": skipped})
    return patients


def _one(rng, weighted, spans, today, index) -> Patient:
    residence = weighted.draw(rng)
    female = rng.random() < 0.515
    given = rng.choice(ItalianNames.first_names_female if female
                       else ItalianNames.first_names_male)
    family = rng.choice(ItalianNames.last_names)
    born = _birth_date(rng, today)
    place = _birthplace(rng, weighted, residence, born, spans)

    code = (_surname_code(family) + _name_code(given)
            + _date_code(born, "F" if female else "M") + place)
    cf = code + codicefiscale.encode_cin(code)
    return Patient(cf, given, family, born, residence.istat,
                   phone=f"+3900{rng.randrange(10**8):08d}",
                   email=f"{_mailbox(given)}.{_mailbox(family)}.{index}@example.org")


def _birth_date(rng: random.Random, today: date) -> date:
    low, high = rng.choices(_AGE_BANDS, _AGE_WEIGHTS)[0]
    age = rng.randint(low, high)
    born = today - timedelta(days=age * 365 + rng.randrange(365))
    return min(born, today)


def _birthplace(rng, weighted, residence, born, spans) -> str:
    # Half are born where they live, the rest anywhere in Lombardy by size;
    # the code must have been in use on the birth date.
    if rng.random() < 0.5 and _in_use(residence, born, spans):
        return residence.belfiore
    for _ in range(3):
        comune = weighted.draw(rng)
        if _in_use(comune, born, spans):
            return comune.belfiore
    if _in_use(residence, born, spans):
        return residence.belfiore
    return _FALLBACK_BIRTHPLACE


def _in_use(comune: Comune, born: date, spans) -> bool:
    first, last = spans.get(comune.belfiore, (date.max, date.min))
    return first <= born <= last


@cache
def _surname_code(name: str) -> str:
    return codicefiscale.encode_lastname(name)


@cache
def _name_code(name: str) -> str:
    return codicefiscale.encode_firstname(name)


@lru_cache(maxsize=65536)
def _date_code(born: date, gender: str) -> str:
    return codicefiscale.encode_birthdate(datetime(born.year, born.month, born.day),
                                          gender)


@cache
def _mailbox(name: str) -> str:
    return fold(name).replace(" ", "")


def _check_sample(rng: random.Random, patients: list[Patient]) -> None:
    sample = rng.sample(patients, min(VALIDATION_SAMPLE, len(patients)))
    invalid = [p for p in sample if not codicefiscale.is_valid(p.cf)]
    if invalid:
        raise ValueError(f"{len(invalid)} generated codici fiscali are not valid")
