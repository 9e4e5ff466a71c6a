"""The operator console: sign in with a token, find or register a patient.

Front office, pharmacy and contact centre sign in by pasting, once, the bearer
token `retecup token create` printed for them. The token is checked and then
forgotten: the session keeps only the principal it stands for.
"""

import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from retecup.domain.access import Principal, Role
from retecup.domain.errors import InvalidInput, RetecupError
from retecup.services import patients, tokens, web_patients
from retecup.web import appointment_pages, sessions, store
from retecup.web.flow import operator_paths
from retecup.web.messages import explain
from retecup.web.render import redirect, render
from retecup.web.sessions import Csrf, signed_in

log = logging.getLogger(__name__)

router = APIRouter(prefix="/operatore", include_in_schema=False)
Operator = Annotated[Principal, signed_in("operator")]
FormStr = Annotated[str, Form()]
ADMIN_ROLES = {Role.PROVIDER_ADMIN, Role.REGION_ADMIN}


@router.get("/accedi")
def login_form(request: Request, next: str = "/operatore") -> Response:
    return render(request, "operator/login.html", next_url=next, error=None)


@router.post("/accedi", dependencies=[Csrf])
def login(request: Request, token: FormStr = "",
          next: FormStr = "/operatore") -> Response:
    try:
        with request.app.state.engine.begin() as conn:
            principal = tokens.authenticate(conn, token.strip())
            if principal.role is Role.CITIZEN:
                raise InvalidInput("token", "token di un cittadino")
            sessions.sign_in(request, conn, principal.id, "operator")
    except RetecupError:
        return render(request, "operator/login.html", next_url=next, status=401,
                      error="Token non valido, revocato o non di un operatore.")
    log.info("operator signed in", extra={"principal_id": principal.id})
    target = next if next.startswith("/operatore") else "/operatore"
    return redirect(request, target, "Accesso eseguito.")


@router.post("/esci", dependencies=[Csrf])
def logout(request: Request) -> Response:
    with request.app.state.engine.begin() as conn:
        sessions.sign_out(request, conn)
    return redirect(request, "/operatore/accedi", "Sessione chiusa.")


@router.get("")
def home(request: Request, who: Operator) -> Response:
    return render(request, "operator/home.html", who=who,
                  is_admin=who.role in ADMIN_ROLES, error=None, cf="")


@router.get("/assistiti")
def find_patient(request: Request, who: Operator, cf: str = "") -> Response:
    try:
        with request.app.state.engine.begin() as conn:
            patient = web_patients.find(conn, who, cf)
    except RetecupError as error:
        return render(request, "operator/home.html", who=who, cf=cf, status=422,
                      is_admin=who.role in ADMIN_ROLES, error=explain(error))
    if patient:
        return redirect(request, f"/operatore/assistiti/{patient['cf']}")
    return render(request, "operator/register.html", who=who, form={"cf": cf},
                  error=None, suggestions=[],
                  flash="Assistito non ancora registrato: inserisca i suoi dati.")


@router.post("/assistiti", dependencies=[Csrf])
def register(request: Request, who: Operator, cf: FormStr = "",
             given_name: FormStr = "", family_name: FormStr = "",
             birth_date: FormStr = "", comune: FormStr = "", phone: FormStr = "",
             email: FormStr = "") -> Response:
    form = {"cf": cf, "given_name": given_name, "family_name": family_name,
            "birth_date": birth_date, "comune": comune, "phone": phone,
            "email": email}
    suggestions: list[dict] = []
    try:
        with request.app.state.engine.begin() as conn:
            istat, suggestions = _comune_code(conn, comune)
            if istat is None:
                raise InvalidInput("comune", "comune non riconosciuto")
            cmd = patients.RegisterPatient(
                cf=cf, given_name=given_name.strip(),
                family_name=family_name.strip(), birth_date=_day(birth_date),
                comune=istat, phone=phone.strip() or None,
                email=email.strip() or None)
            row, _ = patients.register(conn, who, cmd)
    except RetecupError as error:
        return render(request, "operator/register.html", who=who, form=form,
                      error=explain(error), suggestions=suggestions, status=422)
    return redirect(request, f"/operatore/assistiti/{row['cf']}",
                    "Assistito registrato.")


def _comune_code(conn, typed: str) -> tuple[str | None, list[dict]]:
    """The ISTAT code of the comune typed by name; else close names to pick."""
    typed = typed.strip()
    if typed.isdigit():
        return typed, []
    found = store.comuni_like(conn, typed, 8) if typed else []
    exact = [c for c in found if c["name"].lower() == typed.lower()]
    if len(exact) == 1:
        return exact[0]["istat"], []
    return None, found


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("birth_date", "data di nascita non valida") from None


@router.get("/assistiti/{cf}")
def patient(request: Request, who: Operator, cf: str) -> Response:
    return appointment_pages.listing(request, who, cf, operator_paths(cf))
