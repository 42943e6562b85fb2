"""clinic workspace: patient names sealed to the therapist, one access-log row per
brief view (with its item count), a time zone the person confirmed

Revision ID: 5e1a7c3d9b20
Revises: 929601649773
Create Date: 2026-12-04 01:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1a7c3d9b20'
down_revision = '6a1f0c2e9b57'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('care_invitations', schema=None) as batch_op:
        # The name the therapist uses for the patient: sealed to the therapist's
        # public key (HPKE), and a second copy the invitation code opens, wiped
        # once the invitation is used.
        batch_op.add_column(sa.Column('name_for_therapist', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('name_for_patient', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('care_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_name', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('own_sealed_name', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_count', sa.Integer(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('time_zone_confirmed', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone_confirmed')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_column('item_count')
    with op.batch_alter_table('care_links', schema=None) as batch_op:
        batch_op.drop_column('own_sealed_name')
        batch_op.drop_column('sealed_name')
    with op.batch_alter_table('care_invitations', schema=None) as batch_op:
        batch_op.drop_column('name_for_patient')
        batch_op.drop_column('name_for_therapist')
