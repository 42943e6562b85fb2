"""clinic administrator: a third role, deactivated therapists, ended links told

Revision ID: c41d7e9a2f65
Revises: 6fa3adef2af3
Create Date: 2026-12-04 05:10:00

The role column is a plain string (a non-native enum without a CHECK constraint), so
the new value "admin" needs no change to it.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c41d7e9a2f65'
down_revision = '6fa3adef2af3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('care_link_endings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('therapist_id', sa.Uuid(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_care_link_endings_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_care_link_endings_therapist_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_link_endings'))
    )
    with op.batch_alter_table('care_link_endings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_link_endings_patient_id'), ['patient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('care_link_endings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_link_endings_patient_id'))
    op.drop_table('care_link_endings')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
