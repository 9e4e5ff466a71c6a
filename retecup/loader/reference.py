"""Reference data: agencies, comuni, providers, hospital sites, branches, services.

Upserts that leave existing rows alone (ON CONFLICT DO NOTHING), so loading
again, or another profile, changes nothing. Real providers only: the ASST and
IRCCS present in the data, and the accredited home-care (C-DOM) providers of
the SISS examples, which get no outpatient agendas.
"""

import csv
import logging
import os
from pathlib import Path

import psycopg

from retecup.domain.catalogue import REGION, derive, parse_tariff_eur
from retecup.loader import geography, sources

log = logging.getLogger(__name__)

TARIFF_FILE_VARIABLE = "RETECUP_TARIFF_FILE"
_HOSPITALS_SOURCE = "lombardia_ospedali_indirizzi.csv"
_SISS_SOURCE = "lombardia_sedi_erogatori_esempio_siss.csv"

# Istituto Auxologico Italiano: an IRCCS with HSP11 code 030936 whose three
# hospitals' names all say Milan. The file has no address, so no site.
_AUXOLOGICO = ("030936", "IST. AUXOLOGICO ITALIANO", "030321")


def _insert(conn: psycopg.Connection, table: str, columns: tuple[str, ...],
            rows: list[tuple], conflict: str) -> int:
    placeholders = ", ".join(["%s"] * len(columns))
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
           f"ON CONFLICT {conflict} DO NOTHING")
    with conn.cursor() as cur:
        cur.executemany(sql, rows)
    return len(rows)


def load_agencies(conn, ats_of_asst: dict[str, str]) -> int:
    rows = [(a.code, a.name, a.full_name, a.kind, a.active,
             ats_of_asst.get(a.code) if a.kind == "ASST" else None)
            for a in sorted(sources.agencies(),
                            key=lambda a: (a.kind != "ATS", a.code))]
    return _insert(conn, "health_agency",
                   ("code", "name", "full_name", "kind", "active", "ats_code"),
                   rows, "(code)")


def load_comuni(conn, ats_of_comune: dict[str, str]) -> int:
    rows = [(c.istat, c.name, c.province, c.belfiore, c.is_capital, c.lat, c.lon,
             c.population, ats_of_comune[c.istat]) for c in sources.comuni()]
    return _insert(conn, "comune",
                   ("istat", "name", "province", "belfiore", "is_capital", "lat",
                    "lon", "population", "ats_code"), rows, "(istat)")


def load_providers(conn, ats_of_asst: dict[str, str],
                   ats_of_comune: dict[str, str]) -> int:
    rows = [(a.code, a.full_name or a.name, "ASST", ats_of_asst[a.code], False,
             "lombardia_aziende_sanitarie.csv")
            for a in sources.agencies() if a.kind == "ASST"]

    for h in sources.hospitals():
        if h.provider_kind == "IRCCS":
            rows.append((h.provider_code, h.name, "IRCCS",
                         ats_of_comune[h.comune_istat], False,
                         f"{_HOSPITALS_SOURCE} + derived_ospedali_erogatori.csv"))
    code, name, ats = _AUXOLOGICO
    rows.append((code, name, "IRCCS", ats, False,
                 "lombardia_strutture_ricovero_hsp11.csv"))

    for row in sources.read_rows(_SISS_SOURCE):
        if row["tipo_struttura_codice"] == "C-DOM":
            name = row["denominazione"].lstrip(": ").strip()
            rows.append((row["codice_ministeriale"], name, "private", row["codice_ats"],
                         False, f"{_SISS_SOURCE} (C-DOM, cure domiciliari)"))
    return _insert(conn, "provider",
                   ("code", "name", "kind", "ats_code", "generated", "source"),
                   rows, "(code)")


def load_hospital_sites(conn) -> int:
    # The data has no building coordinates: a site stands at its comune's point.
    comuni = {c.istat: c for c in sources.comuni()}
    rows = [(h.provider_code, h.name, h.address, h.comune_istat,
             comuni[h.comune_istat].lat, comuni[h.comune_istat].lon, False,
             _HOSPITALS_SOURCE) for h in sources.hospitals()]
    return _insert_sites(conn, rows)


def load_generated_sites(conn, planned: list[geography.PlannedSite]) -> int:
    comuni = {c.istat: c for c in sources.comuni()}
    rows = [(s.provider_code, s.name, s.address, s.comune_istat,
             comuni[s.comune_istat].lat, comuni[s.comune_istat].lon, True, "generated")
            for s in planned]
    return _insert_sites(conn, rows)


def _insert_sites(conn, rows) -> int:
    return _insert(conn, "site",
                   ("provider_code", "name", "address", "comune_istat", "lat", "lon",
                    "generated", "source"), rows, "(provider_code, name)")


def load_branches(conn) -> int:
    rows = [(r["codice_branca"], r["descrizione"])
            for r in sources.read_rows("branche_specialistiche.csv")]
    return _insert(conn, "branch", ("code", "name"), rows, "(code)")


def load_services(conn) -> int:
    infos = [derive(r["codice"], r["descrizione"])
             for r in sources.read_rows("prestazioni_catalogo_nazionale.csv")]
    rows = [(i.code, i.description, i.branch_code, i.kind, i.tariff_cents,
             i.tariff_source, i.duplicate_group, i.search_text, i.preparation)
            for i in infos]
    count = _insert(conn, "service",
                    ("code", "description", "branch_code", "kind", "tariff_cents",
                     "tariff_source", "duplicate_group", "search_text", "preparation"),
                    rows, "(code)")
    _apply_tariff_file(conn)
    return count


def _apply_tariff_file(conn) -> None:
    """Real tariffs, when a region supplies a CSV with codice,tariffa_eur."""
    path = os.environ.get(TARIFF_FILE_VARIABLE)
    if not path:
        return
    with Path(path).open(encoding="utf-8", newline="") as handle:
        tariffs = [(parse_tariff_eur(r["tariffa_eur"]), REGION, r["codice"].strip())
                   for r in csv.DictReader(handle)]
    with conn.cursor() as cur:
        cur.executemany("UPDATE service SET tariff_cents = %s, tariff_source = %s "
                        "WHERE code = %s", tariffs)
    log.info("regional tariffs applied", extra={"rows": len(tariffs)})


def kinds(conn) -> dict[str, str]:
    return dict(conn.execute("SELECT code, kind FROM service").fetchall())
