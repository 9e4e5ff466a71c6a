"""Synthetic patients with valid codici fiscali, and principals with tokens."""

import itertools
import random
from datetime import date

from codicefiscale import codicefiscale
from sqlalchemy import Connection, text

from retecup.services import tokens
from tests.factories import places

_GIVEN = ["Aurelio", "Benedetta", "Cosimo", "Delfina", "Eraldo", "Fiorella",
          "Gualtiero", "Ippolita", "Lodovico", "Marzia", "Nazario", "Ottavia"]
_FAMILY = ["Bramante", "Crivelli", "Foppa", "Luini", "Solari", "Zenale",
           "Bergognone", "Boltraffio", "Cesariano", "Melzi", "Oggiono", "Sforzini"]
_rng = random.Random(7)
_used: set[str] = set()
_counter = itertools.count()


def new_cf() -> tuple[str, str, str, date]:
    while True:
        given, family = _rng.choice(_GIVEN), _rng.choice(_FAMILY)
        born = date(1940 + _rng.randrange(70), 1 + _rng.randrange(12),
                    1 + _rng.randrange(28))
        cf = codicefiscale.encode(lastname=family, firstname=given,
                                  gender=_rng.choice("MF"),
                                  birthdate=born.strftime("%d/%m/%Y"),
                                  birthplace="F205")
        if cf not in _used:
            _used.add(cf)
            return cf, given, family, born


def patient(conn: Connection, comune: str = places.MILANO, phone=True) -> str:
    places.ensure_reference(conn)
    cf, given, family, born = new_cf()
    conn.execute(
        text("""INSERT INTO patient (cf, given_name, family_name, birth_date,
                comune_istat, phone, email, synthetic)
                VALUES (:cf, :g, :f, :b, :c, :ph, :em, true)
                ON CONFLICT (cf) DO NOTHING"""),
        {"cf": cf, "g": given, "f": family, "b": born, "c": comune,
         "ph": "+39 300 000 0000" if phone else None,
         "em": f"paziente{next(_counter)}@example.org"},
    )
    return cf


def token(conn: Connection, role: str, channel: str, cf: str | None = None,
          provider: str | None = None) -> str:
    places.ensure_reference(conn)
    return tokens.create(conn, role, channel, cf, provider)
