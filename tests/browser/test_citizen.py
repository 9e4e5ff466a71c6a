"""A citizen signs in, books from a prescription, moves and cancels."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.flows import (
    cardiology_agenda,
    new_nre,
    prescription_fields,
    sign_in_citizen,
)
from tests.factories import people, places

pytestmark = pytest.mark.browser


@pytest.fixture
def citizen(engine) -> str:
    with engine.begin() as conn:
        cardiology_agenda(conn)
        return people.patient(conn)


def test_citizen_books_moves_and_cancels(page, citizen):
    page.goto("/")
    assert_accessible(page)

    sign_in_citizen(page, citizen, "/prenota")
    page.goto(f"/prenota?service={places.CARDIO_VISIT}")
    prescription_fields(page, new_nre())
    expect(page.get_by_label(re.compile("PRMA VISITA CARDIOLOGICA"))).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Cerca le prime disponibilità").click()

    expect(page.get_by_role("heading", name="Prime disponibilità")).to_be_visible()
    expect(page.get_by_text("Entro i tempi della priorità").first).to_be_visible()
    expect(page.get_by_text("tariffa illustrativa").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Scegli questo orario").first.click()

    expect(page.get_by_role("heading", name="Conferma la prenotazione")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Conferma la prenotazione").click()

    expect(page.get_by_role("heading", name="Prenotazione confermata")).to_be_visible()
    booked_at = page.locator("#appointment-when").inner_text()
    assert_accessible(page)
    _check_promemoria(page)

    page.get_by_role("link", name="Sposta").click()
    expect(page.get_by_role("heading", name=re.compile("Sposta l'appuntamento"))) \
        .to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sposta a questo orario").nth(2).click()
    expect(page.get_by_text("Appuntamento spostato")).to_be_visible()
    expect(page.locator("#appointment-when")).not_to_have_text(booked_at)

    page.get_by_role("link", name="Disdici").click()
    expect(page.get_by_role("heading", name=re.compile("Disdici"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sì, disdici l'appuntamento").click()
    expect(page.get_by_text("Appuntamento disdetto")).to_be_visible()
    expect(page.locator(".badge", has_text="Disdetto")).to_be_visible()

    page.get_by_role("link", name="Torna ai miei appuntamenti").click()
    assert_accessible(page)


def _check_promemoria(page) -> None:
    href = page.get_by_role("link", name="Scarica il promemoria (PDF)") \
        .get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_a_taken_slot_reads_as_a_clear_message(page, citizen, engine):
    sign_in_citizen(page, citizen)
    page.goto(f"/prenota/offerte?service={places.CARDIO_VISIT}")
    first = page.get_by_role("button", name="Scegli questo orario").first
    slot_id = page.locator("input[name=slot_id]").first.get_attribute("value")

    with engine.begin() as conn:
        from sqlalchemy import text
        conn.execute(text("UPDATE slot SET booked = capacity WHERE id = :s"),
                     {"s": int(slot_id)})
    first.click()

    expect(page.get_by_role("alert")).to_contain_text("non è più disponibile")
    assert "Traceback" not in page.content()


def test_a_wrong_codice_fiscale_is_explained(page):
    page.goto("/accedi")
    page.get_by_label("Codice fiscale").fill("RSSMRA80A01F205")
    page.get_by_role("button", name="Invia il codice").click()

    expect(page.get_by_role("alert")).to_contain_text("codice fiscale non è valido")
    assert_accessible(page)


def test_a_wrong_nre_is_explained(page, citizen):
    sign_in_citizen(page, citizen)
    page.goto(f"/prenota?service={places.CARDIO_VISIT}")
    prescription_fields(page, "12345")
    page.get_by_role("button", name="Cerca le prime disponibilità").click()

    expect(page.get_by_role("alert")).to_contain_text("(NRE) non è valido")


def test_pages_fit_a_phone_screen(phone_page, citizen):
    sign_in_citizen(phone_page, citizen)
    for path in ("/", f"/prenota?service={places.CARDIO_VISIT}",
                 f"/prenota/offerte?service={places.CARDIO_VISIT}", "/appuntamenti"):
        phone_page.goto(path)
        overflow = phone_page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        assert_accessible(phone_page)
    phone_page.goto(f"/prenota/offerte?service={places.CARDIO_VISIT}")


def test_typing_a_service_name_shows_live_results(page, citizen):
    sign_in_citizen(page, citizen)
    page.goto("/prenota")
    page.get_by_role("link", name="Compila con una ricetta di prova").click()
    expect(page.get_by_label("Numero di ricetta (NRE)")).to_have_value(
        re.compile(r"^030D\d{11}$"))
    page.get_by_label("Nome della prestazione").press_sequentially("visita cardiolgica")

    result = page.locator("label", has_text="PRMA VISITA CARDIOLOGICA")
    expect(result).to_be_visible()
    result.click()  # Bootstrap Italia draws the radio on the label
    assert_accessible(page)
    page.get_by_role("button", name="Cerca le prime disponibilità").click()
    expect(page.get_by_role("heading", name="Prime disponibilità")).to_be_visible()
    expect(page.get_by_text("Entro i tempi della priorità").first).to_be_visible()


def test_a_demo_patient_signs_in_with_one_click(page, citizen):
    page.goto("/accedi")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Accedi come ")).first.click()

    code = page.locator("#demo-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    page.get_by_label("Codice ricevuto via SMS").fill("000000" if code != "000000"
                                                      else "111111")
    page.get_by_role("button", name="Accedi").click()
    expect(page.get_by_role("alert")).to_contain_text("codice non è corretto")
    assert_accessible(page)


def test_pages_forbid_framing_and_foreign_scripts(page):
    response = page.request.get("/accedi")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_keyboard_users_skip_to_the_content_and_sign_in(page, citizen):
    page.goto("/accedi")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Vai al contenuto principale")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))

    page.get_by_label("Codice fiscale").focus()
    page.keyboard.type(citizen)
    page.keyboard.press("Enter")  # submits the form, no mouse needed
    code = page.locator("#demo-code").inner_text().strip()
    page.keyboard.press("Tab")
    page.get_by_label("Codice ricevuto via SMS").focus()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Accesso eseguito.")).to_be_visible()
