"""Pages from Jinja2 templates, with Italian dates, amounts and labels."""

from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from retecup.domain.schedule import ROME
from retecup.web import sessions
from retecup.web.settings import get_web_settings

TEMPLATES = Path(__file__).parent / "templates"

WEEKDAYS = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato",
            "domenica"]
MONTHS = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
          "agosto", "settembre", "ottobre", "novembre", "dicembre"]

STATUS = {"booked": "Prenotato", "cancelled": "Disdetto", "revoked": "Revocato",
          "checked_in": "Accettato", "completed": "Eseguito",
          "no_show": "Non presentato"}
CHANNELS = {"web": "sito web", "app": "app", "pharmacy": "farmacia",
            "contact_center": "Contact Center", "front_office": "sportello CUP",
            "gp": "medico di base", "specialist": "specialista",
            "care_manager": "ente gestore"}
PRIORITIES = {"U": "U - urgente (entro 72 ore)", "B": "B - breve (entro 10 giorni)",
              "D": "D - differibile (entro 30 o 60 giorni)",
              "P": "P - programmata (entro 120 giorni)"}
ROLES = {"operator": "Operatore di sportello", "pharmacist": "Farmacista",
         "contact_center": "Operatore Contact Center",
         "provider_admin": "Amministrazione dell'ente",
         "region_admin": "Regione", "gp": "Medico", "specialist": "Specialista",
         "citizen": "Cittadino"}


def long_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(ROME)
    return f"{long_date(local.date())}, ore {local:%H:%M}"


def long_date(value: date | None) -> str:
    if value is None:
        return ""
    return (f"{WEEKDAYS[value.weekday()]} {value.day} "
            f"{MONTHS[value.month - 1]} {value.year}")


def last_day(deadline: datetime | None) -> str:
    """The last allowed day of a priority deadline (the midnight ending it)."""
    if deadline is None:
        return ""
    return long_date((deadline.astimezone(ROME) - timedelta(seconds=1)).date())


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ROME).date()
    return value.strftime("%d/%m/%Y")


def clock(value: datetime | None) -> str:
    return value.astimezone(ROME).strftime("%H:%M") if value else ""


def euro(cents: int | None) -> str:
    if cents is None:
        return ""
    whole, part = divmod(int(cents), 100)
    return f"{whole:,}".replace(",", ".") + f",{part:02d} €"


@lru_cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        long_datetime=long_datetime, long_date=long_date, last_day=last_day,
        short_date=short_date,
        clock=clock, euro=euro, urlquote=lambda v: quote(str(v), safe=""),
        status=lambda s: STATUS.get(s, s), channel=lambda c: CHANNELS.get(c, c),
        role=lambda r: ROLES.get(str(r), str(r)),
    )
    env.globals.update(priorities=PRIORITIES)
    return env


def render(request: Request, name: str, status: int = 200, **context) -> Response:
    session = sessions.load(request)
    flash = context.pop("flash", None) or sessions.pop_flash(request)
    body = environment().get_template(name).render(
        request=request, session=session, csrf=session.csrf, flash=flash,
        demo=get_web_settings().demo, path=request.url.path, **context)
    return sessions.attach_cookie(request, HTMLResponse(body, status_code=status))


def redirect(request: Request, url: str, message: str | None = None) -> Response:
    if message:
        sessions.flash(request, message)
    # 303: the browser follows a POST with a GET, so a reload never re-posts.
    response = RedirectResponse(url, status_code=303)
    return sessions.attach_cookie(request, response)
