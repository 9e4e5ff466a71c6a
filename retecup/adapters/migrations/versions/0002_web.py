"""Web pages: browser sessions and one-time sign-in codes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

Sessions live on the server, not in a signed cookie: the cookie carries a
random id whose SHA-256 is the key here, so signing out, or revoking the
principal behind a session, takes effect at once. A session may exist before
sign-in (principal_id NULL) so that the sign-in forms carry a CSRF token too.

One-time codes are stored only as a hash, with a count of wrong attempts: a
six-digit code is guessable offline from its hash, so what protects it is the
short life and the attempt limit, not the hash alone.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = r"""
CREATE TABLE web_session (
    id_hash       bytea PRIMARY KEY,
    principal_id  integer REFERENCES principal (id),
    area          text CHECK (area IN ('citizen', 'operator')),
    csrf_token    text NOT NULL,
    flash         text,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX web_session_expiry ON web_session (expires_at);

CREATE TABLE web_login_code (
    id          uuid PRIMARY KEY,
    cf          text NOT NULL,
    code_hash   bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    attempts    smallint NOT NULL DEFAULT 0,
    used_at     timestamptz
);
CREATE INDEX web_login_code_cf ON web_login_code (cf, created_at DESC);
"""


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS web_login_code")
    op.execute("DROP TABLE IF EXISTS web_session")
