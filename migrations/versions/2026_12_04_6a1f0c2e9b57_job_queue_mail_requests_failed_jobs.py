"""job queue: mail requests and failed jobs

Revision ID: 6a1f0c2e9b57
Revises: 929601649773
Create Date: 2026-12-04 01:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '6a1f0c2e9b57'
down_revision = '5a1e0c7d9b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('link_template', sa.String(length=600), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_requests'))
    )
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_requests_created_at'), ['created_at'], unique=False)

    op.create_table('failed_jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('args', sa.String(length=400), nullable=False),
    sa.Column('error', sa.String(length=120), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_jobs'))
    )
    with op.batch_alter_table('failed_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_jobs_failed_at'), ['failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('failed_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_jobs_failed_at'))
    op.drop_table('failed_jobs')
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_requests_created_at'))
    op.drop_table('mail_requests')
