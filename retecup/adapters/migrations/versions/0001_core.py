"""Core schema: reference data, agendas, slots, appointments, access.

Revision ID: 0001
Revises:
Create Date: 2026-12-03

Slots are materialised rows (one per bookable time) rather than computed from
templates at search time: the earliest-offer search then is an index range scan
per candidate agenda, and a booking is one conditional UPDATE of one row.

Capacity is held by counters on the slot row under a CHECK constraint, so no
interleaving of transactions can book a slot past its capacity.
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Reference data -----------------------------------------------------------

CREATE TABLE health_agency (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    full_name   text,
    kind        text NOT NULL CHECK (kind IN ('ATS', 'ASST', 'ASL')),
    active      boolean NOT NULL,
    ats_code    text REFERENCES health_agency (code)
);

CREATE TABLE comune (
    istat        text PRIMARY KEY CHECK (istat ~ '^[0-9]{6}$'),
    name         text NOT NULL,
    province     text NOT NULL,
    belfiore     text NOT NULL,
    is_capital   boolean NOT NULL,
    lat          double precision NOT NULL,
    lon          double precision NOT NULL,
    population   integer NOT NULL,
    ats_code     text REFERENCES health_agency (code)
);

CREATE TABLE provider (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('ASST', 'IRCCS', 'private')),
    ats_code    text NOT NULL REFERENCES health_agency (code),
    generated   boolean NOT NULL DEFAULT false,
    source      text NOT NULL
);

CREATE TABLE site (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_code text NOT NULL REFERENCES provider (code),
    name          text NOT NULL,
    address       text NOT NULL,
    comune_istat  text NOT NULL REFERENCES comune (istat),
    lat           double precision NOT NULL,
    lon           double precision NOT NULL,
    generated     boolean NOT NULL DEFAULT false,
    source        text NOT NULL,
    UNIQUE (provider_code, name)
);

CREATE TABLE branch (
    code  text PRIMARY KEY,
    name  text NOT NULL
);

-- tariff_source says where a tariff comes from: 'illustrative' when the
-- region supplied no tariff list (see data/SOURCES.md), 'region' otherwise.
CREATE TABLE service (
    code            text PRIMARY KEY,
    description     text NOT NULL,
    branch_code     text REFERENCES branch (code),
    kind            text NOT NULL CHECK (kind IN ('visit', 'diagnostic', 'other')),
    tariff_cents    integer NOT NULL CHECK (tariff_cents >= 0),
    tariff_source   text NOT NULL CHECK (tariff_source IN ('illustrative', 'region')),
    duplicate_group text NOT NULL,
    search_text     text NOT NULL,
    preparation     text
);
CREATE INDEX service_search_trgm ON service USING gin (search_text gin_trgm_ops);

-- Agendas --------------------------------------------------------------------

CREATE TABLE agenda (
    id                   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_code        text NOT NULL REFERENCES provider (code),
    site_id              integer NOT NULL REFERENCES site (id),
    name                 text NOT NULL,
    regime               text NOT NULL CHECK (regime IN ('ssn', 'alpi')),
    access               text NOT NULL DEFAULT 'first'
                         CHECK (access IN ('first', 'follow_up', 'care_plan')),
    channels             text[] NOT NULL,
    reserve_percent      smallint NOT NULL DEFAULT 0
                         CHECK (reserve_percent BETWEEN 0 AND 100),
    reserve_release_days smallint NOT NULL DEFAULT 0 CHECK (reserve_release_days >= 0),
    status               text NOT NULL DEFAULT 'active'
                         CHECK (status IN ('active', 'suspended')),
    generated            boolean NOT NULL DEFAULT false,
    generated_until      date,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agenda_provider ON agenda (provider_code);
CREATE INDEX agenda_site ON agenda (site_id);

CREATE TABLE agenda_service (
    agenda_id     integer NOT NULL REFERENCES agenda (id) ON DELETE CASCADE,
    service_code  text NOT NULL REFERENCES service (code),
    duration_min  smallint NOT NULL CHECK (duration_min > 0),
    PRIMARY KEY (agenda_id, service_code)
);
CREATE INDEX agenda_service_by_service ON agenda_service (service_code, agenda_id);

-- bands: [{"weekday": 0-6 (Monday 0), "start": "HH:MM", "end": "HH:MM",
--          "slot_min": n, "capacity": n}], local time of the agenda.
CREATE TABLE agenda_template (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agenda_id   integer NOT NULL REFERENCES agenda (id) ON DELETE CASCADE,
    valid_from  date NOT NULL,
    valid_to    date,
    bands       jsonb NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX agenda_template_agenda ON agenda_template (agenda_id);

CREATE TABLE agenda_closure (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agenda_id   integer NOT NULL REFERENCES agenda (id) ON DELETE CASCADE,
    first_day   date NOT NULL,
    last_day    date NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  integer,
    CHECK (last_day >= first_day)
);
CREATE INDEX agenda_closure_agenda ON agenda_closure (agenda_id);

-- Slots ------------------------------------------------------------------------

-- booked: in-capacity appointments; held: holds not yet consumed or purged
-- (some may have expired: hold_expires_at is the latest expiry among them);
-- overbooked: appointments booked over capacity by an explicit override.
CREATE TABLE slot (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agenda_id       integer NOT NULL REFERENCES agenda (id) ON DELETE CASCADE,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    capacity        smallint NOT NULL CHECK (capacity > 0),
    booked          smallint NOT NULL DEFAULT 0,
    held            smallint NOT NULL DEFAULT 0,
    overbooked      smallint NOT NULL DEFAULT 0,
    hold_expires_at timestamptz,
    reserved_until  timestamptz,
    open            boolean NOT NULL DEFAULT true,
    CONSTRAINT slot_within_capacity CHECK (
        booked >= 0 AND held >= 0 AND overbooked >= 0 AND booked + held <= capacity),
    CONSTRAINT slot_positive_length CHECK (ends_at > starts_at),
    CONSTRAINT slot_once_per_agenda_start UNIQUE (agenda_id, starts_at)
);
-- The search walks each candidate agenda's free slots in start order.
CREATE INDEX slot_free_by_agenda ON slot (agenda_id, starts_at)
    WHERE open AND booked < capacity;

CREATE TABLE slot_hold (
    id          uuid PRIMARY KEY,
    slot_id     bigint NOT NULL REFERENCES slot (id) ON DELETE CASCADE,
    principal_id integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX slot_hold_slot ON slot_hold (slot_id);

-- People and access --------------------------------------------------------------

CREATE TABLE patient (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cf            text NOT NULL UNIQUE,
    given_name    text NOT NULL,
    family_name   text NOT NULL,
    birth_date    date NOT NULL,
    comune_istat  text NOT NULL REFERENCES comune (istat),
    phone         text,
    email         text,
    synthetic     boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE principal (
    id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash     bytea NOT NULL UNIQUE,
    role           text NOT NULL CHECK (role IN ('citizen', 'operator', 'pharmacist',
                   'contact_center', 'gp', 'specialist', 'provider_admin',
                   'region_admin')),
    channel        text NOT NULL CHECK (channel IN ('web', 'app', 'pharmacy',
                   'contact_center', 'front_office', 'gp', 'specialist',
                   'care_manager')),
    cf             text,
    provider_code  text REFERENCES provider (code),
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz
);

-- Appointments -------------------------------------------------------------------

CREATE TABLE appointment (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    patient_id       integer NOT NULL REFERENCES patient (id),
    service_code     text NOT NULL REFERENCES service (code),
    duplicate_group  text NOT NULL,
    slot_id          bigint NOT NULL REFERENCES slot (id),
    agenda_id        integer NOT NULL REFERENCES agenda (id),
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    status           text NOT NULL CHECK (status IN ('booked', 'cancelled', 'revoked',
                     'checked_in', 'completed', 'no_show')),
    channel          text NOT NULL,
    booked_at        timestamptz NOT NULL,
    booked_by        integer,
    nre              text,
    priority         text CHECK (priority IN ('U', 'B', 'D', 'P')),
    prescribed_on    date,
    deadline         timestamptz,
    first_offer      timestamptz,
    took_first_offer boolean,
    over_capacity    boolean NOT NULL DEFAULT false,
    override_reason  text,
    revoked_by       bigint REFERENCES appointment (id),
    cancel_reason    text,
    updated_at       timestamptz NOT NULL,
    -- A patient cannot be in two places at once: the database refuses
    -- overlapping active appointments even if two bookings race.
    CONSTRAINT appointment_no_overlap EXCLUDE USING gist (
        patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (status IN ('booked', 'checked_in'))
);
CREATE INDEX appointment_patient ON appointment (patient_id, starts_at DESC);
CREATE INDEX appointment_slot ON appointment (slot_id);
CREATE INDEX appointment_agenda ON appointment (agenda_id, starts_at);
-- A prescription line is used by one appointment at a time.
CREATE UNIQUE INDEX appointment_nre_once ON appointment (nre, service_code)
    WHERE nre IS NOT NULL AND status IN ('booked', 'checked_in', 'completed');

CREATE TABLE appointment_event (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    appointment_id bigint NOT NULL REFERENCES appointment (id),
    at             timestamptz NOT NULL,
    tag            text NOT NULL,
    principal_id   integer,
    role           text,
    channel        text,
    from_status    text,
    to_status      text NOT NULL,
    reason         text,
    data           jsonb
);
CREATE INDEX appointment_event_appointment ON appointment_event (appointment_id, id);

CREATE TABLE outbox (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    appointment_id bigint NOT NULL REFERENCES appointment (id),
    kind           text NOT NULL,
    channel        text NOT NULL,
    scheduled_for  timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'planned' CHECK (status IN
                   ('planned', 'sent', 'delivered', 'failed', 'withdrawn')),
    body           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_appointment ON outbox (appointment_id);
CREATE INDEX outbox_due ON outbox (scheduled_for) WHERE status = 'planned';

CREATE TABLE idempotency (
    principal_id  integer NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status_code   smallint NOT NULL,
    response      jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, key)
);

CREATE TABLE load_run (
    profile      text PRIMARY KEY,
    seed         integer NOT NULL,
    finished_at  timestamptz NOT NULL,
    summary      jsonb NOT NULL
);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    for table in (
        "load_run", "idempotency", "outbox", "appointment_event", "appointment",
        "principal", "patient", "slot_hold", "slot", "agenda_closure",
        "agenda_template", "agenda_service", "agenda", "service", "branch", "site",
        "provider", "comune", "health_agency",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
