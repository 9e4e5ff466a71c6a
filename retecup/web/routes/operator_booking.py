"""Booking, moving and cancelling on a patient's behalf, from the console."""

from typing import Annotated

from fastapi import APIRouter, Form, Request

from retecup.domain import identifiers
from retecup.domain.access import Principal
from retecup.web import appointment_pages as pages
from retecup.web import booking_pages
from retecup.web.flow import Order, Paths, operator_paths
from retecup.web.offers import Filters
from retecup.web.sessions import Csrf, signed_in

router = APIRouter(prefix="/operatore", include_in_schema=False)
Operator = Annotated[Principal, signed_in("operator")]
FormStr = Annotated[str, Form()]
APPOINTMENTS = Paths(book="/operatore", appointments="/operatore/appuntamenti",
                     layout="operator")


def _paths(cf: str) -> tuple[str, Paths]:
    cf = identifiers.codice_fiscale(cf)
    return cf, operator_paths(cf)


@router.get("/assistiti/{cf}/prenota")
def book_start(request: Request, who: Operator, cf: str, q: str = "",
               service: str = "", nre: str = "", priority: str = "",
               prescribed_on: str = ""):
    cf, paths = _paths(cf)
    order = Order.of(service, nre, priority, prescribed_on)
    return booking_pages.start(request, who, cf, paths, order, q)


@router.get("/assistiti/{cf}/prenota/servizi")
def book_search(request: Request, who: Operator, cf: str, q: str = "",
                service: str = ""):
    return booking_pages.service_results(request, q, service)


@router.get("/assistiti/{cf}/prenota/offerte")
def book_offers(request: Request, who: Operator, cf: str, service: str = "",
                nre: str = "", priority: str = "", prescribed_on: str = "",
                raggio: str = "", dal: str = "", fascia: str = ""):
    cf, paths = _paths(cf)
    order = Order.of(service, nre, priority, prescribed_on)
    filters = Filters.parse(raggio, dal, fascia)
    return booking_pages.offer_list(request, who, cf, paths, order, filters)


@router.post("/assistiti/{cf}/prenota/scegli", dependencies=[Csrf])
def book_choose(request: Request, who: Operator, cf: str,
                slot_id: Annotated[int, Form()], service: FormStr = "",
                nre: FormStr = "", priority: FormStr = "",
                prescribed_on: FormStr = ""):
    cf, paths = _paths(cf)
    order = Order.of(service, nre, priority, prescribed_on)
    return booking_pages.choose(request, who, cf, paths, order, slot_id)


@router.post("/assistiti/{cf}/prenota/conferma", dependencies=[Csrf])
def book_confirm(request: Request, who: Operator, cf: str,
                 slot_id: Annotated[int, Form()], hold_id: FormStr = "",
                 service: FormStr = "", nre: FormStr = "", priority: FormStr = "",
                 prescribed_on: FormStr = ""):
    cf, paths = _paths(cf)
    order = Order.of(service, nre, priority, prescribed_on)
    return booking_pages.confirm(request, who, cf, paths, order, slot_id, hold_id)


@router.get("/appuntamenti/{appointment_id}")
def appointment(request: Request, who: Operator, appointment_id: int,
                revocati: str = ""):
    return pages.detail(request, who, appointment_id, APPOINTMENTS, revocati)


@router.get("/appuntamenti/{appointment_id}/sposta")
def move_offers(request: Request, who: Operator, appointment_id: int,
                raggio: str = "", dal: str = "", fascia: str = ""):
    filters = Filters.parse(raggio, dal, fascia)
    return pages.move_offers(request, who, appointment_id, APPOINTMENTS, filters)


@router.post("/appuntamenti/{appointment_id}/sposta", dependencies=[Csrf])
def move(request: Request, who: Operator, appointment_id: int,
         slot_id: Annotated[int, Form()]):
    return pages.move(request, who, appointment_id, APPOINTMENTS, slot_id)


@router.get("/appuntamenti/{appointment_id}/disdici")
def cancel_form(request: Request, who: Operator, appointment_id: int):
    return pages.cancel_form(request, who, appointment_id, APPOINTMENTS)


@router.post("/appuntamenti/{appointment_id}/disdici", dependencies=[Csrf])
def cancel(request: Request, who: Operator, appointment_id: int,
           reason: FormStr = ""):
    return pages.cancel(request, who, appointment_id, APPOINTMENTS, reason)


@router.get("/appuntamenti/{appointment_id}/promemoria.pdf")
def promemoria(request: Request, who: Operator, appointment_id: int):
    return pages.promemoria(request, who, appointment_id)
