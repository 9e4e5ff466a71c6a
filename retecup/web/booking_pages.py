"""Booking pages shared by citizens and operators.

Search a service, see the earliest offers around the patient's comune, keep
one for a few minutes (a hold) while the patient reads the summary, book it.
Each step is one transaction through the same services the API uses.
"""

import logging
import secrets
import uuid
from datetime import date

from fastapi import Request
from starlette.responses import Response

from retecup.domain.access import Principal
from retecup.domain.errors import InvalidInput, RetecupError
from retecup.services import (
    booking,
    catalogue,
    holds,
    web_catalogue,
    web_patients,
)
from retecup.web import offers, store
from retecup.web.flow import Order, Paths
from retecup.web.messages import explain
from retecup.web.render import redirect, render
from retecup.web.sessions import now

log = logging.getLogger(__name__)

RESULTS = 8


def _engine(request: Request):
    return request.app.state.engine


def start(request: Request, principal: Principal, cf: str, paths: Paths,
          order: Order, q: str = "", error: str | None = None) -> Response:
    """The first step: the prescription and the service, found by its name."""
    with _engine(request).begin() as conn:
        patient = web_patients.find(conn, principal, cf)
        results, search_error = _search(conn, q)
        chosen = _known(conn, order.service)
    return render(request, "book_start.html", paths=paths, patient=patient,
                  order=order, q=q, results=results, chosen=chosen,
                  sample=_sample_prescription(order),
                  search_error=search_error, error=error,
                  status=422 if error else 200)


def service_results(request: Request, q: str, selected: str = "") -> Response:
    """The htmx fragment of live results under the search field."""
    with _engine(request).begin() as conn:
        results, search_error = _search(conn, q)
        chosen = _known(conn, selected)
    return render(request, "_service_results.html", q=q, results=results,
                  search_error=search_error, selected=selected, chosen=chosen)


def _sample_prescription(order: Order) -> str:
    """A made-up prescription for demo installations, as a query string."""
    nre = f"030D{secrets.randbelow(10**11):011d}"
    return Order(order.service, nre, "D", date.today().isoformat()).query()


def _known(conn, code: str) -> list[dict]:
    try:
        return [web_catalogue.service(conn, code)] if code else []
    except InvalidInput:
        return []


def _search(conn, q: str) -> tuple[list[dict], str | None]:
    if not q.strip():
        return [], None
    try:
        return catalogue.search(conn, q[:200], RESULTS), None
    except InvalidInput as error:
        return [], explain(error)


def offer_list(request: Request, principal: Principal, cf: str, paths: Paths,
               order: Order, filters: offers.Filters,
               error: str | None = None) -> Response:
    """The earliest offers for the order, around the patient's comune."""
    try:
        rx = order.prescription()
        if not order.service:
            raise InvalidInput("service", "scegliere una prestazione")
    except InvalidInput as invalid:
        return start(request, principal, cf, paths, order, error=explain(invalid))

    try:
        with _engine(request).begin() as conn:
            patient = web_patients.find(conn, principal, cf)
            service = web_catalogue.service(conn, order.service)
            shown = offers.search(
                conn, principal, order.service, patient["comune_istat"],
                rx.priority if rx else None, rx.prescribed_on if rx else None,
                filters, now())
    except InvalidInput as invalid:
        return start(request, principal, cf, paths, order, error=explain(invalid))
    return render(request, "offers.html", paths=paths, patient=patient,
                  order=order, service=service, shown=shown, filters=filters,
                  radii=offers.RADII, parts=offers.PARTS, error=error,
                  action=f"{paths.book}/scegli", move=None,
                  status=409 if error else 200)


def choose(request: Request, principal: Principal, cf: str, paths: Paths,
           order: Order, slot_id: int) -> Response:
    """Holds the chosen slot and shows the summary to confirm."""
    try:
        with _engine(request).begin() as conn:
            held = holds.hold(conn, principal, slot_id, now())
            patient = web_patients.find(conn, principal, cf)
            service = web_catalogue.service(conn, order.service)
            slot = store.slot_summary(conn, slot_id)
    except RetecupError as error:
        return offer_list(request, principal, cf, paths, order,
                          offers.Filters(), error=explain(error))

    return render(request, "confirm.html", paths=paths, patient=patient,
                  order=order, service=service, slot=slot, hold=held)


def confirm(request: Request, principal: Principal, cf: str, paths: Paths,
            order: Order, slot_id: int, hold_id: str) -> Response:
    """Books the held slot; on success, the confirmation page."""
    try:
        cmd = booking.BookSlot(
            patient_cf=cf, slot_id=slot_id, service=order.service,
            prescription=order.prescription(), hold_id=_uuid(hold_id),
        )
        with _engine(request).begin() as conn:
            booked = booking.book(conn, principal, cmd, now())
    except RetecupError as error:
        return offer_list(request, principal, cf, paths, order, offers.Filters(),
                          error=explain(error))

    appointment = booked.appointment
    revoked = ",".join(str(r["id"]) for r in booked.revoked)
    target = f"{paths.appointments}/{appointment['id']}?prenotato=1"
    if revoked:
        target += f"&revocati={revoked}"
    return redirect(request, target)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
