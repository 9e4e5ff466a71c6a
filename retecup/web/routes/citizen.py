"""The citizen's area: sign in, book, see, move and cancel appointments."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from retecup.domain.access import Principal
from retecup.domain.errors import RetecupError
from retecup.services import patients, web_patients
from retecup.web import appointment_pages as pages
from retecup.web import auth, booking_pages, sessions, store
from retecup.web.flow import CITIZEN, Order
from retecup.web.messages import explain
from retecup.web.offers import Filters
from retecup.web.render import redirect, render
from retecup.web.sessions import Csrf, now, signed_in
from retecup.web.settings import get_web_settings

router = APIRouter(include_in_schema=False)
Citizen = Annotated[Principal, signed_in("citizen")]
FormStr = Annotated[str, Form()]
DEMO_PATIENTS = 6


@router.get("/")
def home(request: Request) -> Response:
    session = sessions.load(request)
    if session.area != "citizen":
        return render(request, "home.html", patient=None, upcoming=[])

    principal = session.principal
    with request.app.state.engine.begin() as conn:
        patient = web_patients.find(conn, principal, principal.cf)
        views = patients.appointments_of(conn, principal, principal.cf, "booked")
    return render(request, "home.html", patient=patient, upcoming=views[::-1][:3])


@router.get("/accedi")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next)


def _login_page(request: Request, next_url: str, error: str | None = None,
                cf: str = "") -> Response:
    demo_patients = []
    if get_web_settings().demo:
        with request.app.state.engine.begin() as conn:
            demo_patients = store.demo_patients(conn, DEMO_PATIENTS)
    return render(request, "login.html", next_url=_local(next_url), error=error,
                  cf=cf, demo_patients=demo_patients, status=422 if error else 200)


@router.post("/accedi", dependencies=[Csrf])
def login_start(request: Request, cf: FormStr = "", next: FormStr = "/") -> Response:
    authenticator = auth.AUTHENTICATORS["otp"]
    try:
        with request.app.state.engine.begin() as conn:
            challenge = authenticator.start(conn, cf, now())
    except RetecupError as error:
        return _login_page(request, next, explain(error), cf)
    except auth.SignInFailed as failed:
        return _login_page(request, next, failed.message, cf)
    return render(request, "login_code.html", challenge=challenge,
                  next_url=_local(next))


@router.post("/accedi/codice", dependencies=[Csrf])
def login_finish(request: Request, challenge: FormStr = "", code: FormStr = "",
                 next: FormStr = "/") -> Response:
    authenticator = auth.AUTHENTICATORS["otp"]
    try:
        with request.app.state.engine.begin() as conn:
            identity = authenticator.finish(conn, challenge, code, now())
            principal_id = auth.web_principal(conn, identity)
            sessions.sign_in(request, conn, principal_id, "citizen")
    except auth.SignInFailed as failed:
        retry = auth.Challenge(challenge, "il numero registrato")
        return render(request, "login_code.html", challenge=retry,
                      next_url=_local(next), error=failed.message, status=422)
    return redirect(request, _local(next), "Accesso eseguito.")


@router.post("/esci", dependencies=[Csrf])
def logout(request: Request) -> Response:
    with request.app.state.engine.begin() as conn:
        sessions.sign_out(request, conn)
    return redirect(request, "/", "Sei uscito dall'area personale.")


def _local(url: str) -> str:
    # Only paths of this site: an open redirect would let a phishing link
    # borrow our sign-in page.
    return url if url.startswith("/") and not url.startswith("//") else "/"


# Booking ---------------------------------------------------------------------


@router.get("/prenota")
def book_start(request: Request, who: Citizen, q: str = "", service: str = "",
               nre: str = "", priority: str = "", prescribed_on: str = ""):
    order = Order.of(service, nre, priority, prescribed_on)
    return booking_pages.start(request, who, who.cf, CITIZEN, order, q)


@router.get("/prenota/servizi")
def book_search(request: Request, who: Citizen, q: str = "", service: str = ""):
    return booking_pages.service_results(request, q, service)


@router.get("/prenota/offerte")
def book_offers(request: Request, who: Citizen, service: str = "", nre: str = "",
                priority: str = "", prescribed_on: str = "", raggio: str = "",
                dal: str = "", fascia: str = ""):
    order = Order.of(service, nre, priority, prescribed_on)
    filters = Filters.parse(raggio, dal, fascia)
    return booking_pages.offer_list(request, who, who.cf, CITIZEN, order, filters)


@router.post("/prenota/scegli", dependencies=[Csrf])
def book_choose(request: Request, who: Citizen, slot_id: Annotated[int, Form()],
                service: FormStr = "", nre: FormStr = "", priority: FormStr = "",
                prescribed_on: FormStr = ""):
    order = Order.of(service, nre, priority, prescribed_on)
    return booking_pages.choose(request, who, who.cf, CITIZEN, order, slot_id)


@router.post("/prenota/conferma", dependencies=[Csrf])
def book_confirm(request: Request, who: Citizen, slot_id: Annotated[int, Form()],
                 hold_id: FormStr = "", service: FormStr = "", nre: FormStr = "",
                 priority: FormStr = "", prescribed_on: FormStr = ""):
    order = Order.of(service, nre, priority, prescribed_on)
    return booking_pages.confirm(request, who, who.cf, CITIZEN, order, slot_id,
                                 hold_id)


# Appointments ----------------------------------------------------------------


@router.get("/appuntamenti")
def appointments(request: Request, who: Citizen):
    return pages.listing(request, who, who.cf, CITIZEN)


@router.get("/appuntamenti/{appointment_id}")
def appointment(request: Request, who: Citizen, appointment_id: int,
                revocati: str = ""):
    return pages.detail(request, who, appointment_id, CITIZEN, revocati)


@router.get("/appuntamenti/{appointment_id}/sposta")
def move_offers(request: Request, who: Citizen, appointment_id: int,
                raggio: str = "", dal: str = "", fascia: str = ""):
    filters = Filters.parse(raggio, dal, fascia)
    return pages.move_offers(request, who, appointment_id, CITIZEN, filters)


@router.post("/appuntamenti/{appointment_id}/sposta", dependencies=[Csrf])
def move(request: Request, who: Citizen, appointment_id: int,
         slot_id: Annotated[int, Form()]):
    return pages.move(request, who, appointment_id, CITIZEN, slot_id)


@router.get("/appuntamenti/{appointment_id}/disdici")
def cancel_form(request: Request, who: Citizen, appointment_id: int):
    return pages.cancel_form(request, who, appointment_id, CITIZEN)


@router.post("/appuntamenti/{appointment_id}/disdici", dependencies=[Csrf])
def cancel(request: Request, who: Citizen, appointment_id: int,
           reason: FormStr = ""):
    return pages.cancel(request, who, appointment_id, CITIZEN, reason)


@router.get("/appuntamenti/{appointment_id}/promemoria.pdf")
def promemoria(request: Request, who: Citizen, appointment_id: int):
    return pages.promemoria(request, who, appointment_id)
