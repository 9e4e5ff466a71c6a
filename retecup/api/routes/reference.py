"""Health and the catalogue."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from retecup.api import schemas
from retecup.api.deps import Caller, transaction
from retecup.services import catalogue

router = APIRouter()


@router.get("/health", response_model=schemas.Health, tags=["system"])
def health() -> dict:
    """Liveness: no token needed."""
    return {"status": "ok"}


@router.get("/services", response_model=schemas.ServiceList, tags=["catalogue"])
def search_services(
    request: Request, caller: Caller,
    q: Annotated[schemas.Text, Query(max_length=200)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict:
    """Catalogue search, tolerant of case, accents, word order and small typos."""
    with transaction(request) as conn:
        found = catalogue.search(conn, q, limit)
    return {"items": [_service(s) for s in found]}


def _service(row: dict) -> dict:
    return {
        "code": row["code"], "description": row["description"],
        "branch": row["branch"], "tariff_eur": row["tariff_cents"] / 100,
        "tariff_illustrative": row["tariff_source"] == "illustrative",
        "kind": row["kind"],
    }
