"""Steps the browser tests share: signing in, and the data they start from."""

import uuid
from datetime import date

from playwright.sync_api import Page, expect

from tests.factories import agendas as agenda_factory
from tests.factories import people, places


def new_nre() -> str:
    # A prescription books a service once: each test needs its own NRE.
    return f"030A{uuid.uuid4().int % 10**11:011d}"


def cardiology_agenda(conn, **kwargs) -> int:
    """An agenda in Milan, open every day 08:00-18:00 in 30-minute slots."""
    return agenda_factory.agenda(
        conn, services=(places.CARDIO_VISIT, places.ECG),
        bands=agenda_factory.every_day("08:00", "18:00", 30), **kwargs)


def sign_in_citizen(page: Page, cf: str, next_url: str = "/") -> None:
    page.goto(f"/accedi?next={next_url}")
    page.get_by_label("Codice fiscale").fill(cf)
    page.get_by_role("button", name="Invia il codice").click()

    code = page.locator("#demo-code").inner_text().strip()
    page.get_by_label("Codice ricevuto via SMS").fill(code)
    page.get_by_role("button", name="Accedi").click()
    expect(page.get_by_text("Accesso eseguito.")).to_be_visible()


def sign_in_operator(page: Page, token: str) -> None:
    page.goto("/operatore/accedi")
    page.get_by_label("Token di accesso").fill(token)
    page.get_by_role("button", name="Accedi").click()
    expect(page.get_by_text("Accesso eseguito.")).to_be_visible()


def operator_token(engine, role="operator", channel="front_office",
                   provider=places.ASST_NIGUARDA) -> str:
    with engine.begin() as conn:
        return people.token(conn, role, channel, provider=provider)


def prescription_fields(page: Page, nre: str, priority: str = "D") -> None:
    page.get_by_label("Numero di ricetta (NRE)").fill(nre)
    page.get_by_label("Classe di priorità").select_option(priority)
    page.get_by_label("Data della ricetta").fill(date.today().isoformat())
