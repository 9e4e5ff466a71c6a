"""How a citizen proves who they are, behind one interface.

Every method is two steps: `start` (the citizen gives the codice fiscale, or
is sent to an identity provider) and `finish` (the citizen brings back the
answer: a code received by SMS, or the authorization code of an OpenID Connect
redirect). SPID and CIE through OpenID Connect fit the same two calls: `start`
returns the provider's URL in `Challenge.redirect_url`, `finish` exchanges the
code and returns the codice fiscale the provider asserts.
"""

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection

from retecup.adapters import sql_people
from retecup.domain import identifiers
from retecup.services import tokens
from retecup.web import store
from retecup.web.settings import get_web_settings

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Challenge:
    id: str
    hint: str
    redirect_url: str | None = None
    demo_code: str | None = None


@dataclass(frozen=True)
class Identity:
    cf: str
    method: str


class SignInFailed(Exception):
    """The answer was wrong, late or used up; `message` is for the citizen."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Authenticator(Protocol):
    method: str

    def start(self, conn: Connection, cf: str, now: datetime) -> Challenge: ...

    def finish(self, conn: Connection, challenge_id: str, answer: str,
               now: datetime) -> Identity: ...


class PhoneCode:
    """A six-digit code for the mobile phone on file.

    TODO: send it by SMS when the reminders issue brings the SMS adapter; until
    then, in demo mode, the page shows it (marked DEMO) and the log says so.
    """

    method = "otp"

    def start(self, conn: Connection, cf: str, now: datetime) -> Challenge:
        cf = identifiers.codice_fiscale(cf)
        settings = get_web_settings()
        recent = store.count_recent_codes(conn, cf, now - timedelta(hours=1))
        if recent >= settings.codes_per_hour:
            raise SignInFailed("Troppe richieste di codice: riprovi tra un'ora.")

        code = f"{secrets.randbelow(10**6):06d}"
        patient = sql_people.patient_by_cf(conn, cf)
        reachable = bool(patient and patient["phone"])
        # An unknown CF gets a challenge too, that no code opens: the page
        # must not tell who is registered.
        stored = code if reachable else secrets.token_hex(16)
        expires = now + timedelta(minutes=settings.code_minutes)
        code_id = uuid.uuid4()
        store.insert_code(conn, code_id, cf, _digest(code_id, stored), now, expires)

        demo = code if (reachable and settings.demo) else None
        if demo:
            log.warning("DEMO one-time code shown on the page, no SMS sent",
                        extra={"challenge_id": str(code_id)})
        hint = _masked(patient["phone"]) if reachable else "numero registrato"
        return Challenge(str(code_id), hint, demo_code=demo)

    def finish(self, conn: Connection, challenge_id: str, answer: str,
               now: datetime) -> Identity:
        try:
            code_id = uuid.UUID(challenge_id)
        except ValueError:
            raise SignInFailed("Richiesta di accesso non valida.") from None
        row = store.lock_code(conn, code_id, now)
        if row is None or row["attempts"] >= get_web_settings().code_attempts:
            raise SignInFailed("Il codice è scaduto o già usato: ne chieda uno nuovo.")

        good = hmac.compare_digest(row["code_hash"],
                                   _digest(code_id, answer.strip()))
        store.code_attempt(conn, code_id, now if good else None)
        if not good:
            raise SignInFailed("Il codice non è corretto: controlli l'SMS e riprovi.")
        return Identity(row["cf"], self.method)


def _digest(code_id: uuid.UUID, code: str) -> bytes:
    return hashlib.sha256(code_id.bytes + code.encode()).digest()


def _masked(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return f"cellulare che termina con {digits[-3:]}"


def web_principal(conn: Connection, identity: Identity) -> int:
    """A citizen principal for one browser session, on the web channel.

    Its bearer token is thrown away at once: the session, not a token, speaks
    for it, and signing out revokes it. History rows name it, so each booking
    is traceable to the session that made it.
    """
    token = tokens.create(conn, "citizen", "web", cf=identity.cf)
    principal = tokens.authenticate(conn, token)
    log.info("citizen signed in", extra={"principal_id": principal.id,
                                         "method": identity.method})
    return principal.id


AUTHENTICATORS: dict[str, Authenticator] = {"otp": PhoneCode()}
