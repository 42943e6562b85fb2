"""language of each account (a UI preference, in clear)

Revision ID: 7d2e4b9c1a53
Revises: 5e1a7c3d9b20
Create Date: 2026-12-04 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d2e4b9c1a53'
down_revision = '5e1a7c3d9b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        # "en", "es"; NULL follows the browser's Accept-Language.
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
