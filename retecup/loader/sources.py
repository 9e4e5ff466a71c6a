"""The project's own copy of the reference files, read as typed records.

Files are read from the installed package (`retecup/data`), never from a
shared folder, so that a wheel carries everything the loader needs.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources


def read_rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("retecup") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@dataclass(frozen=True)
class Comune:
    istat: str
    name: str
    province: str
    belfiore: str
    is_capital: bool
    lat: float
    lon: float
    population: int
    postcode: str


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    full_name: str | None
    kind: str
    active: bool


@dataclass(frozen=True)
class Hospital:
    """A hospital of lombardia_ospedali_indirizzi.csv with its derived owner."""

    name: str
    address: str
    comune_istat: str
    provider_code: str
    provider_kind: str
    method: str


@dataclass(frozen=True)
class District:
    code: str
    name: str
    asst_code: str
    ats_code: str


@cache
def comuni() -> tuple[Comune, ...]:
    # The inner point is guaranteed to lie inside the comune; the centroid of
    # an odd-shaped comune may not. Distances are measured from it.
    return tuple(
        Comune(
            istat=row["codice_istat"],
            name=row["denominazione"],
            province=row["sigla_provincia"],
            belfiore=row["codice_catastale_belfiore"],
            is_capital=row["capoluogo_provincia"] == "1",
            lat=float(row["lat_punto_interno"]),
            lon=float(row["lon_punto_interno"]),
            population=int(row["popolazione_2023"]),
            postcode=row["cap"].split()[0] if row["cap"] else "",
        )
        for row in read_rows("lombardia_comuni.csv")
    )


@cache
def agencies() -> tuple[Agency, ...]:
    kinds = {"ATS": "ATS", "ASST": "ASST"}
    return tuple(
        Agency(
            code=row["codice_ministeriale"],
            name=row["denominazione"],
            full_name=row["denominazione_estesa_siss"] or None,
            kind=kinds.get(row["tipo"], "ASL"),
            active=row["stato"] == "attiva",
        )
        for row in read_rows("lombardia_aziende_sanitarie.csv")
    )


@cache
def province_ats() -> dict[str, str]:
    return {row["sigla_provincia"]: row["codice_ats"]
            for row in read_rows("lombardia_provincia_ats.csv")}


@cache
def ats_exceptions() -> dict[str, str]:
    """DERIVED: comuni whose ATS is not their province's (see SOURCES.md)."""
    return {row["codice_istat"]: row["codice_ats"]
            for row in read_rows("derived_comuni_ats_eccezioni.csv")}


@cache
def hospitals() -> tuple[Hospital, ...]:
    """The 50 hospitals with addresses, joined to the derived owner mapping."""
    owners = {row["denominazione"]: row
              for row in read_rows("derived_ospedali_erogatori.csv")}
    result = []
    for row in read_rows("lombardia_ospedali_indirizzi.csv"):
        owner = owners[row["denominazione"]]
        result.append(Hospital(
            name=row["denominazione"],
            address=row["indirizzo"],
            comune_istat=row["codice_istat_comune"],
            provider_code=owner["codice_ente"],
            provider_kind=owner["tipo_ente"],
            method=owner["metodo"],
        ))
    return tuple(result)


@cache
def districts() -> tuple[District, ...]:
    return tuple(
        District(row["codice_distretto"], row["distretto"], row["codice_asst"],
                 row["codice_ats"])
        for row in read_rows("lombardia_distretti_asst_ats.csv")
    )


@cache
def belfiore_validity() -> dict[str, tuple[date, date]]:
    """Per Belfiore code of a comune, the widest span it has been in use."""
    spans: dict[str, tuple[date, date]] = {}
    for row in read_rows("belfiore_codici_storici.csv"):
        if row["tipo"] != "comune":
            continue
        first = date.fromisoformat(row["data_istituzione"] or "1861-03-17")
        last = date.fromisoformat(row["data_soppressione"] or "9999-12-31")
        known = spans.get(row["codice_belfiore"])
        if known:
            first, last = min(first, known[0]), max(last, known[1])
        spans[row["codice_belfiore"]] = (first, last)
    return spans
