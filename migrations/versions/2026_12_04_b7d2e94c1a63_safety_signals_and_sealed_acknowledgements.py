"""safety signals told to a therapist (with their notice's delivery), the patient's
MAC on a standing share, acknowledgement notes sealed to the therapist

Revision ID: b7d2e94c1a63
Revises: bb4838760b51
Create Date: 2026-12-04 05:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e94c1a63'
down_revision = 'bb4838760b51'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'safety_signals',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('patient_id', sa.Uuid(), nullable=False),
        sa.Column('therapist_id', sa.Uuid(), nullable=False),
        sa.Column('result_id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('mac', sa.LargeBinary(length=32), nullable=False),
        sa.Column('server_mac', sa.LargeBinary(length=32), nullable=False),
        sa.Column('mac_kid', sa.String(length=32), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_safety_signals_patient_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['result_id'], ['measure_results.id'], name=op.f('fk_safety_signals_result_id_measure_results'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_safety_signals_therapist_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_signals')),
        sa.UniqueConstraint('result_id', 'therapist_id', name=op.f('uq_safety_signals_result_id')),
    )
    with op.batch_alter_table('safety_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_signals_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_signals_result_id'), ['result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_signals_therapist_id'), ['therapist_id'], unique=False)
    with op.batch_alter_table('standing_shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.LargeBinary(length=32), nullable=True))
    with op.batch_alter_table('safety_flag_acknowledgements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('safety_flag_acknowledgements', schema=None) as batch_op:
        batch_op.drop_column('sealed')
    with op.batch_alter_table('standing_shares', schema=None) as batch_op:
        batch_op.drop_column('mac')
    with op.batch_alter_table('safety_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_signals_therapist_id'))
        batch_op.drop_index(batch_op.f('ix_safety_signals_result_id'))
        batch_op.drop_index(batch_op.f('ix_safety_signals_patient_id'))
    op.drop_table('safety_signals')
