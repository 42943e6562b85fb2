"""the version of the name a therapist knows a patient by (its seal names it)

Revision ID: 7d2e5a91c0b3
Revises: c4e81a9f3b62
Create Date: 2026-12-04 09:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d2e5a91c0b3'
down_revision = 'c4e81a9f3b62'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('care_links', schema=None) as batch_op:
        # Advanced on every new name; 0: a name sealed before versions (bound as then).
        batch_op.add_column(
            sa.Column('name_version', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade():
    with op.batch_alter_table('care_links', schema=None) as batch_op:
        batch_op.drop_column('name_version')
