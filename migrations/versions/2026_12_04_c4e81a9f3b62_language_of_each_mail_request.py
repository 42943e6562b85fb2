"""language of each mail request (the page's, for the message's words)

Revision ID: c4e81a9f3b62
Revises: 1ff68d9e752c
Create Date: 2026-12-04 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e81a9f3b62'
down_revision = '1ff68d9e752c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        # "en", "es"; NULL (requests from before) is English.
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.drop_column('language')
