"""The rolling horizon: agendas get their missing days of slots, once."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from retecup.domain.schedule import ROME
from retecup.services import horizon
from tests.factories import agendas as agenda_factory


def slot_days(engine, agenda_id):
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(DISTINCT (starts_at AT TIME ZONE 'Europe/Rome')::date), "
            "max(starts_at) FROM slot WHERE agenda_id = :a"), {"a": agenda_id}).one()


def test_extension_adds_the_missing_days_and_is_idempotent(engine):
    with engine.begin() as conn:
        agenda_id = agenda_factory.agenda(conn, horizon_days=10)
    today = datetime.now(ROME).date()
    days_before, _ = slot_days(engine, agenda_id)

    horizon.extend(engine, today, 40)
    days_after, last = slot_days(engine, agenda_id)
    horizon.extend(engine, today, 40)

    assert days_after > days_before
    assert last.astimezone(ROME).date() <= today + timedelta(days=40)
    assert slot_days(engine, agenda_id) == (days_after, last)
    with engine.connect() as conn:
        until = conn.execute(text("SELECT generated_until FROM agenda WHERE id = :a"),
                             {"a": agenda_id}).scalar()
    assert until == today + timedelta(days=40)


def test_suspended_agendas_are_not_extended(engine):
    with engine.begin() as conn:
        agenda_id = agenda_factory.agenda(conn, horizon_days=5)
        conn.execute(text("UPDATE agenda SET status = 'suspended' WHERE id = :a"),
                     {"a": agenda_id})
    before = slot_days(engine, agenda_id)

    horizon.extend(engine, datetime.now(UTC).date(), 30)

    assert slot_days(engine, agenda_id) == before
