"""a questionnaire moves on when an answer is tapped, unless the person turned it off

Revision ID: bb4838760b51
Revises: c41d7e9a2f65
Create Date: 2026-12-04 05:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bb4838760b51'
down_revision = 'c41d7e9a2f65'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('advance_on_tap', sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('advance_on_tap')
