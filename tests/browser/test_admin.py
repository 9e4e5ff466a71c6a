"""A provider administrator closes an agenda and moves what the closure hit."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from retecup.domain.schedule import ROME
from retecup.services import booking, tokens
from tests.browser.conftest import assert_accessible
from tests.browser.flows import cardiology_agenda, operator_token, sign_in_operator
from tests.factories import agendas as agenda_factory
from tests.factories import people, places

pytestmark = pytest.mark.browser


@pytest.fixture
def booked_agenda(engine):
    """An agenda with one appointment booked on its third day."""
    with engine.begin() as conn:
        agenda_id = cardiology_agenda(conn)
        name = conn.execute(text("SELECT name FROM agenda WHERE id = :a"),
                            {"a": agenda_id}).scalar_one()
        cf = people.patient(conn)
        caller = tokens.authenticate(
            conn, people.token(conn, "contact_center", "contact_center"))
        day = (datetime.now(UTC) + timedelta(days=3)).astimezone(ROME).date()
        slot_id = conn.execute(text(
            """SELECT id FROM slot WHERE agenda_id = :a
               AND (starts_at AT TIME ZONE 'Europe/Rome')::date = :d
               ORDER BY starts_at LIMIT 1"""), {"a": agenda_id, "d": day}).scalar_one()
        booked = booking.book(conn, caller, booking.BookSlot(
            cf, slot_id, places.CARDIO_VISIT), datetime.now(UTC))
    return agenda_id, name, day, booked.appointment["code"]


def test_admin_adds_a_closure_and_moves_the_affected_appointment(
        page, engine, booked_agenda):
    agenda_id, name, day, code = booked_agenda
    sign_in_operator(page, operator_token(engine, role="provider_admin"))

    page.get_by_role("link", name="Agende", exact=True).click()
    page.get_by_label("Cerca per nome dell'agenda o della sede").fill(name)
    page.get_by_role("button", name="Cerca").click()
    assert_accessible(page)
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_text("Nessun appuntamento da spostare.")).to_be_visible()

    page.get_by_label("Primo giorno di chiusura").fill(day.isoformat())
    page.get_by_label("Ultimo giorno di chiusura").fill(day.isoformat())
    page.get_by_label("Motivo della chiusura").fill("Assenza del medico")
    page.get_by_role("button", name="Aggiungi chiusura").click()

    expect(page.get_by_text("Appuntamenti da spostare: 1")).to_be_visible()
    affected = page.locator("#affected")
    expect(affected).to_contain_text(code)
    assert_accessible(page)

    affected.get_by_role("link", name=re.compile("Sposta")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Sposta a questo orario").first.click()
    expect(page.get_by_text("Appuntamento spostato")).to_be_visible()

    page.goto(f"/operatore/agende/{agenda_id}")
    expect(page.get_by_text("Nessun appuntamento da spostare.")).to_be_visible()


def test_admin_suspends_and_resumes_an_agenda(page, engine, booked_agenda):
    agenda_id, _, _, code = booked_agenda
    sign_in_operator(page, operator_token(engine, role="provider_admin"))
    page.goto(f"/operatore/agende/{agenda_id}")

    page.get_by_role("button", name="Sospendi l'agenda").click()
    expect(page.locator("#affected")).to_contain_text(code)
    expect(page.get_by_role("button", name="Riattiva l'agenda")).to_be_visible()

    page.get_by_role("button", name="Riattiva l'agenda").click()
    expect(page.get_by_text("Nessun appuntamento da spostare.")).to_be_visible()


def test_admin_edits_services_channels_and_templates(page, engine):
    with engine.begin() as conn:
        agenda_id = agenda_factory.agenda(conn, services=(places.ECG,))
    sign_in_operator(page, operator_token(engine, role="provider_admin"))
    page.goto(f"/operatore/agende/{agenda_id}")

    page.get_by_label("Codice della prestazione").fill(places.CARDIO_FOLLOW_UP)
    page.get_by_label("Durata (minuti)").fill("40")
    page.get_by_role("button", name="Aggiungi o cambia durata").click()
    expect(page.get_by_text(re.compile(r"DI CONTROLLO \(89\.01\.3\) · 40 minuti"))) \
        .to_be_visible()

    # Bootstrap Italia draws the box on the label, which takes the click.
    page.locator("label[for=ch-pharmacy]").click()
    page.get_by_role("button", name="Salva i canali").click()
    expect(page.get_by_text("Canali salvati.")).to_be_visible()
    expect(page.get_by_label("farmacia")).not_to_be_checked()

    page.locator("label[for=wd0]").click()
    page.get_by_label("Valido dal").fill(
        (datetime.now(UTC) + timedelta(days=60)).date().isoformat())
    page.get_by_role("button", name="Aggiungi lo schema").click()
    expect(page.get_by_text("Schema settimanale aggiunto.")).to_be_visible()
    assert_accessible(page)
