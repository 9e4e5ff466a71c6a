"""An operator registers a patient, books, rebooks and prints on their behalf."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.flows import (
    cardiology_agenda,
    new_nre,
    operator_token,
    prescription_fields,
    sign_in_operator,
)
from tests.factories import people, places

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(engine) -> str:
    with engine.begin() as conn:
        cardiology_agenda(conn)
    return operator_token(engine)


def test_operator_registers_a_patient_and_books_for_them(page, desk):
    cf, given, family, born = people.new_cf()
    sign_in_operator(page, desk)
    assert_accessible(page)

    page.get_by_label("Codice fiscale dell'assistito").fill(cf)
    page.get_by_role("button", name="Cerca").click()
    expect(page.get_by_role("heading", name="Registra un nuovo assistito")) \
        .to_be_visible()
    _register(page, given, family, born)
    expect(page.get_by_text("Assistito registrato.")).to_be_visible()
    assert_accessible(page)

    first = _book(page, cf)
    href = page.get_by_role("link", name="Scarica il promemoria (PDF)") \
        .get_attribute("href")
    assert page.request.get(href).body().startswith(b"%PDF")

    # Booking the same service again revokes the older appointment, and the
    # operator sees which one.
    page.get_by_role("link", name="Torna alla scheda dell'assistito").click()
    # A week later, in the afternoon: the filters the desk uses on the phone.
    _book(page, cf, from_day=date.today() + timedelta(days=7))
    warning = page.locator(".alert-warning")
    expect(warning).to_contain_text("Prenotazioni duplicate annullate")
    expect(warning).to_contain_text(first)
    expect(warning).to_contain_text("Revocato")
    history = page.get_by_role("table")
    expect(history).to_contain_text("prenotato")
    expect(history).to_contain_text("sportello CUP")
    assert_accessible(page)


def _register(page, given, family, born) -> None:
    page.get_by_label("Data di nascita").fill(born.isoformat())
    page.get_by_label("Nome", exact=True).fill(given)
    page.get_by_label("Cognome").fill(family)
    page.get_by_label("Comune di residenza").fill("Milano")
    page.get_by_label("Cellulare").fill("+39 333 123 4567")
    assert_accessible(page)
    page.get_by_role("button", name="Registra").click()


def _book(page, cf: str, from_day: date | None = None) -> str:
    page.get_by_role("link", name="Nuova prenotazione per questo assistito").click()
    prescription_fields(page, new_nre(), "B")
    page.get_by_label("Nome della prestazione").fill("visita cardiologica")
    page.locator("label", has_text="PRMA VISITA CARDIOLOGICA").click()
    page.get_by_role("button", name="Cerca le prime disponibilità").click()
    assert_accessible(page)
    if from_day:
        page.get_by_text("Filtri: distanza, data, fascia oraria").click()
        page.get_by_label("A partire dal giorno").fill(from_day.isoformat())
        page.get_by_label("Fascia oraria").select_option("pomeriggio")
        page.get_by_role("button", name="Applica i filtri").click()
        expect(page.locator(".offer-when").first).to_contain_text("ore 1")
    page.get_by_role("button", name="Scegli questo orario").first.click()
    page.get_by_role("button", name="Conferma la prenotazione").click()

    expect(page.get_by_role("heading", name="Prenotazione confermata")).to_be_visible()
    return page.locator("#appointment-code").inner_text().strip()


def test_an_unknown_token_is_refused(page):
    page.goto("/operatore/accedi")
    page.get_by_label("Token di accesso").fill("not-a-token")
    page.get_by_role("button", name="Accedi").click()

    expect(page.get_by_role("alert")).to_contain_text("Token non valido")
    assert_accessible(page)


def test_the_console_asks_to_sign_in_first(page):
    page.goto("/operatore/assistiti?cf=X")

    expect(page).to_have_url(re.compile(r"/operatore/accedi\?next="))


def test_a_prescription_used_for_another_patient_is_refused(page, engine, desk):
    with engine.begin() as conn:
        first, second = people.patient(conn), people.patient(conn)
    nre = new_nre()
    sign_in_operator(page, desk)

    for cf in (first, second):
        page.goto(f"/operatore/assistiti/{cf}/prenota?service={places.CARDIO_VISIT}")
        prescription_fields(page, nre, "D")
        page.get_by_role("button", name="Cerca le prime disponibilità").click()
        page.get_by_role("button", name="Scegli questo orario").first.click()
        page.get_by_role("button", name="Conferma la prenotazione").click()

    expect(page.get_by_role("alert")).to_contain_text("ricetta è già stata usata")
    assert_accessible(page)
