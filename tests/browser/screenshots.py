"""Pictures of the main pages for the README, on the loaded reference data.

    export RETECUP_DATABASE_URL=postgresql://...   # loaded with `retecup load`
    retecup serve --port 8010 &
    python -m tests.browser.screenshots --base-url http://127.0.0.1:8010

It books, as a synthetic patient of Milan, the first visit the demo offers,
then signs in as that provider's desk and administrator. The pictures go to
docs/screenshots/; the data it adds is what a person trying the demo adds.
"""

import argparse
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import text

from retecup.adapters.database import get_engine
from retecup.domain.schedule import ROME
from retecup.services import tokens
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from tests.browser.flows import prescription_fields, sign_in_citizen

OUT = Path(__file__).parents[2] / "docs" / "screenshots"
SERVICE = "89.7A.3"  # prima visita cardiologica
MILANO = "015146"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8010")
    args = parser.parse_args()

    cf, provider = _actors()
    with get_engine().begin() as conn:
        desk = tokens.create(conn, "operator", "front_office", provider=provider)
        admin = tokens.create(conn, "provider_admin", "front_office",
                              provider=provider)

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROMIUM_ARGS)
        citizen(_page(browser, args.base_url, DESKTOP), cf)
        phone(_page(browser, args.base_url, PHONE), cf)
        operator(_page(browser, args.base_url, DESKTOP), desk, cf)
        administrator(_page(browser, args.base_url, DESKTOP), admin, provider)
        browser.close()


def _actors() -> tuple[str, str]:
    """A synthetic patient of Milan, and a provider with the visit nearby.

    A different patient each run: one-time codes are limited per hour.
    """
    with get_engine().connect() as conn:
        cf = conn.execute(text(
            """SELECT cf FROM patient WHERE synthetic AND comune_istat = :m
               AND phone IS NOT NULL ORDER BY random() LIMIT 1"""), {"m": MILANO}
        ).scalar_one()
        provider = conn.execute(text(
            """SELECT a.provider_code FROM agenda a
               JOIN agenda_service s ON s.agenda_id = a.id
               JOIN site st ON st.id = a.site_id
               WHERE s.service_code = :s AND st.comune_istat = :m
                 AND 'front_office' = ANY(a.channels) AND a.regime = 'ssn'
               ORDER BY a.id LIMIT 1"""), {"s": SERVICE, "m": MILANO}
        ).scalar_one()
    return cf, provider


def _page(browser, base_url: str, viewport: dict) -> Page:
    context = browser.new_context(base_url=base_url, viewport=viewport,
                                  locale="it-IT", timezone_id="Europe/Rome")
    return context.new_page()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print("docs/screenshots/" + name + ".png")


def _nre() -> str:
    return f"030A{uuid.uuid4().int % 10**11:011d}"


def citizen(page: Page, cf: str) -> None:
    page.goto("/")
    shot(page, "01-citizen-home")
    page.goto("/accedi?next=/prenota")
    shot(page, "02-citizen-sign-in")
    sign_in_citizen(page, cf, "/prenota")

    prescription_fields(page, _nre())
    page.get_by_label("Nome della prestazione").press_sequentially("visita cardiolgica")
    page.locator("label", has_text="PRMA VISITA CARDIOLOGICA").click()
    shot(page, "03-citizen-prescription-and-search")
    page.get_by_role("button", name="Cerca le prime disponibilità").click()
    shot(page, "04-citizen-offers")
    page.get_by_role("button", name="Scegli questo orario").first.click()
    shot(page, "05-citizen-confirm")
    page.get_by_role("button", name="Conferma la prenotazione").click()
    expect(page.get_by_role("heading", name="Prenotazione confermata")).to_be_visible()
    shot(page, "06-citizen-booked")

    page.get_by_role("link", name="Disdici").click()
    shot(page, "07-citizen-cancel-step")
    page.goto("/appuntamenti")
    shot(page, "08-citizen-appointments")


def phone(page: Page, cf: str) -> None:
    sign_in_citizen(page, cf, f"/prenota/offerte?service={SERVICE}")
    page.get_by_text("Filtri: distanza, data, fascia oraria").click()
    page.get_by_label("Fascia oraria").select_option("pomeriggio")
    page.get_by_role("button", name="Applica i filtri").click()
    shot(page, "09-phone-offers-afternoon")


def operator(page: Page, token: str, cf: str) -> None:
    page.goto("/operatore/accedi")
    shot(page, "10-operator-sign-in")
    page.get_by_label("Token di accesso").fill(token)
    page.get_by_role("button", name="Accedi").click()
    page.get_by_label("Codice fiscale dell'assistito").fill(cf)
    page.get_by_role("button", name="Cerca").click()
    shot(page, "11-operator-patient")

    # Booking the same visit again for the patient revokes the older one.
    page.goto(f"/operatore/assistiti/{cf}/prenota?service={SERVICE}")
    prescription_fields(page, _nre(), "B")
    page.get_by_role("button", name="Cerca le prime disponibilità").click()
    page.get_by_text("Filtri: distanza, data, fascia oraria").click()
    later = date.today() + timedelta(days=14)
    page.get_by_label("A partire dal giorno").fill(later.isoformat())
    page.get_by_role("button", name="Applica i filtri").click()
    page.get_by_role("button", name="Scegli questo orario").first.click()
    page.get_by_role("button", name="Conferma la prenotazione").click()
    shot(page, "12-operator-booked-with-revocation")


def administrator(page: Page, token: str, provider: str) -> None:
    page.goto("/operatore/accedi")
    page.get_by_label("Token di accesso").fill(token)
    page.get_by_role("button", name="Accedi").click()
    page.get_by_role("link", name="Agende", exact=True).click()
    shot(page, "13-admin-agendas")

    agenda_id = _agenda_with_bookings(provider)
    page.goto(f"/operatore/agende/{agenda_id}")
    day = _first_booked_day(agenda_id)
    page.get_by_label("Primo giorno di chiusura").fill(day.isoformat())
    page.get_by_label("Ultimo giorno di chiusura").fill(day.isoformat())
    page.get_by_label("Motivo della chiusura").fill("Assenza del medico")
    page.get_by_role("button", name="Aggiungi chiusura").click()
    shot(page, "14-admin-closure-affected")


def _agenda_with_bookings(provider: str) -> int:
    """The provider's agenda with the most appointments still to come."""
    with get_engine().connect() as conn:
        return conn.execute(text(
            """SELECT a.id FROM agenda a LEFT JOIN appointment ap
               ON ap.agenda_id = a.id AND ap.status = 'booked'
               AND ap.starts_at > now()
               WHERE a.provider_code = :p AND a.status = 'active'
               GROUP BY a.id ORDER BY count(ap.id) DESC, a.id LIMIT 1"""),
            {"p": provider}).scalar_one()


def _first_booked_day(agenda_id: int) -> date:
    with get_engine().connect() as conn:
        start = conn.execute(text(
            """SELECT min(starts_at) FROM appointment WHERE agenda_id = :a
               AND status = 'booked' AND starts_at > now()"""), {"a": agenda_id}
        ).scalar()
    start = start or datetime.now(UTC) + timedelta(days=2)
    return start.astimezone(ROME).date()


if __name__ == "__main__":
    main()
