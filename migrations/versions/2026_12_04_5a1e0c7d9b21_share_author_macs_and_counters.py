"""share author MACs, revocation counters, adaptation versions

Revision ID: 5a1e0c7d9b21
Revises: 929601649773
Create Date: 2026-12-04 01:10:00

Shares get the patient's MAC (`mac`, or `mac_kid` for a share vouched by the
pepper until the patient next signs in); users get two revocation counters that
their public key's MAC covers; adaptations get the version their MAC names.
Existing rows: counters and versions start at 0 (the MACs made before); shares
start without a MAC (see `flask keys vouch-shares` in docs/operations.md).
"""

import sqlalchemy as sa
from alembic import op

revision = "5a1e0c7d9b21"
down_revision = "8b41d6f0c2a7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("share_counter", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("adaptation_counter", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column("mac_kid", sa.String(length=32), nullable=True))
    with op.batch_alter_table("adaptations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("adaptations", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_column("mac_kid")
        batch_op.drop_column("mac")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("adaptation_counter")
        batch_op.drop_column("share_counter")
