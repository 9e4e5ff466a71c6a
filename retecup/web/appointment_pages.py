"""A patient's appointments: list, details, move, cancel, printable promemoria.

Shared by citizens (their own) and operators (their patients'); what each may
see and do is decided by the services, not here.
"""

from fastapi import Request
from starlette.responses import Response

from retecup.adapters import sql_appointments
from retecup.domain.errors import RetecupError
from retecup.domain.priority import Priority
from retecup.services import booking, patients, web_catalogue, web_patients
from retecup.services.visibility import load_visible
from retecup.web import offers, pdf, store
from retecup.web.flow import Paths
from retecup.web.messages import explain
from retecup.web.render import redirect, render
from retecup.web.sessions import now

ACTIVE = ("booked", "checked_in")
EVENTS = {"booked": "prenotato", "moved": "spostato", "cancelled": "disdetto",
          "revoked": "revocato (duplicato)", "checked_in": "accettato"}


def _engine(request: Request):
    return request.app.state.engine


def listing(request: Request, principal, cf: str, paths: Paths) -> Response:
    with _engine(request).begin() as conn:
        patient = web_patients.find(conn, principal, cf)
        views = patients.appointments_of(conn, principal, cf, None) if patient \
            else []
        _name_places(conn, views)
    moment = now()
    upcoming = [v for v in views if v["status"] in ACTIVE and v["ends_at"] > moment]
    past = [v for v in views if v not in upcoming]
    return render(request, "appointments.html", paths=paths, patient=patient,
                  upcoming=upcoming[::-1], past=past)


def detail(request: Request, principal, appointment_id: int, paths: Paths,
           revoked: str = "", error: str | None = None) -> Response:
    with _engine(request).begin() as conn:
        view = load_visible(conn, principal, appointment_id)
        service = web_catalogue.service(conn, view["service_code"])
        revocations = _revoked(conn, principal, revoked)
        _name_places(conn, [view, *revocations])
        history = sql_appointments.history(conn, appointment_id) \
            if paths.layout == "operator" else []
    return render(request, "appointment.html", paths=paths, ap=view,
                  service=service, revocations=revocations, error=error,
                  history=history, events=EVENTS,
                  booked_now=request.query_params.get("prenotato") == "1",
                  status=409 if error else 200)


def _revoked(conn, principal, ids: str) -> list[dict]:
    found = []
    for raw in ids.split(",")[:10]:
        if raw.isdigit():
            try:
                found.append(load_visible(conn, principal, int(raw)))
            except RetecupError:
                continue
    return found


def _name_places(conn, views: list[dict]) -> None:
    names = store.comune_names(conn, {v["site_comune"] for v in views})
    for view in views:
        view["site_comune_name"] = names.get(view["site_comune"], "")


def move_offers(request: Request, principal, appointment_id: int, paths: Paths,
                filters: offers.Filters, error: str | None = None) -> Response:
    """Other offers for the same service, to move the appointment to one."""
    with _engine(request).begin() as conn:
        view = load_visible(conn, principal, appointment_id)
        patient = web_patients.find(conn, principal, view["patient_cf"])
        service = web_catalogue.service(conn, view["service_code"])
        shown = offers.search(
            conn, principal, view["service_code"], patient["comune_istat"],
            Priority(view["priority"]) if view["priority"] else None,
            view["prescribed_on"], filters, now())
    shown.items[:] = [o for o in shown.items if o["slot_id"] != view["slot_id"]]
    return render(request, "offers.html", paths=paths, patient=patient,
                  order=None, service=service, shown=shown, filters=filters,
                  radii=offers.RADII, parts=offers.PARTS, error=error,
                  action=f"{paths.appointments}/{appointment_id}/sposta",
                  move=view, status=409 if error else 200)


def move(request: Request, principal, appointment_id: int, paths: Paths,
         slot_id: int) -> Response:
    cmd = booking.MoveAppointment(appointment_id, slot_id)
    try:
        with _engine(request).begin() as conn:
            booking.move(conn, principal, cmd, now())
    except RetecupError as error:
        return move_offers(request, principal, appointment_id, paths,
                           offers.Filters(), error=explain(error))
    return redirect(request, f"{paths.appointments}/{appointment_id}",
                    "Appuntamento spostato: ecco i nuovi dati.")


def cancel_form(request: Request, principal, appointment_id: int,
                paths: Paths) -> Response:
    with _engine(request).begin() as conn:
        view = load_visible(conn, principal, appointment_id)
        _name_places(conn, [view])
    return render(request, "cancel.html", paths=paths, ap=view)


def cancel(request: Request, principal, appointment_id: int, paths: Paths,
           reason: str) -> Response:
    reason = reason.strip()[:500] or None
    try:
        with _engine(request).begin() as conn:
            booking.cancel(conn, principal, appointment_id, reason, now())
    except RetecupError as error:
        return detail(request, principal, appointment_id, paths,
                      error=explain(error))
    return redirect(request, f"{paths.appointments}/{appointment_id}",
                    "Appuntamento disdetto: il posto è di nuovo libero per altri.")


def promemoria(request: Request, principal, appointment_id: int) -> Response:
    with _engine(request).begin() as conn:
        view = load_visible(conn, principal, appointment_id)
        patient = web_patients.find(conn, principal, view["patient_cf"])
        service = web_catalogue.service(conn, view["service_code"])
        _name_places(conn, [view])
    body = pdf.promemoria(view, patient, service)
    filename = f"promemoria-{view['code']}.pdf"
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "no-store"})
