"""mail requests keep no link: the job makes it from PUBLIC_URL

Revision ID: 6fa3adef2af3
Revises: 7d2e4b9c1a53
Create Date: 2026-12-04 05:20:00

A stored link template let whoever can write the database choose where a real
start-over or sign-up token is mailed to. Requests still waiting are sent with the
configured address after the upgrade.
"""
from alembic import op
import sqlalchemy as sa


revision = '6fa3adef2af3'
down_revision = '7d2e4b9c1a53'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.drop_column('link_template')


def downgrade():
    # Rows waiting at the downgrade get an empty template: their message would carry
    # no link, so their people ask again.
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('link_template', sa.String(length=600), nullable=False,
                      server_default='')
        )
