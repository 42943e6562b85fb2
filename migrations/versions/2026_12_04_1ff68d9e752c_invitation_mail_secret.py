"""invitation by email: a mail request may hold an invitation code, sealed under the
pepper for its job and wiped once sent

Revision ID: 1ff68d9e752c
Revises: 17215069cc77
Create Date: 2026-12-04 05:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1ff68d9e752c'
down_revision = '17215069cc77'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('secret_kid', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.drop_column('secret_kid')
        batch_op.drop_column('secret_sealed')
