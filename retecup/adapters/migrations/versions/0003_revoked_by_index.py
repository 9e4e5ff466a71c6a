"""Index the revocation link between appointments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

`appointment.revoked_by` references `appointment`; without an index every
delete or key update of an appointment scans the table for rows pointing at it
(deleting 92k demo appointments ran for minutes). Partial: few rows are revoked.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX appointment_revoked_by ON appointment (revoked_by) "
               "WHERE revoked_by IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS appointment_revoked_by")
