"""the indexes the pages' plans ask for: check-ins by user and time (the timeline's
windows), and on PostgreSQL statistics of how a share's therapist and patient go
together

Revision ID: d35c1008764f
Revises: 7d2e5a91c0b3
Create Date: 2026-12-04 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd35c1008764f'
down_revision = '7d2e5a91c0b3'
branch_labels = None
depends_on = None


def upgrade():
    # The timeline reads each session's check-ins by when they were made; with only
    # (user_id) and (user_id, day) the database read every check-in of the person and
    # sorted them, once per group on the page.
    with op.batch_alter_table('mood_checkins', schema=None) as batch_op:
        batch_op.create_index(
            'ix_mood_checkins_user_id_created_at', ['user_id', 'created_at'], unique=False
        )
    if op.get_bind().dialect.name == 'postgresql':
        # A patient's shares go to few therapists: without this the planner multiplies
        # the two conditions' selectivities and expects almost no rows.
        op.execute(
            'CREATE STATISTICS IF NOT EXISTS shares_therapist_patient (dependencies, ndistinct)'
            ' ON therapist_id, patient_id FROM shares'
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS IF EXISTS shares_therapist_patient')
    with op.batch_alter_table('mood_checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_mood_checkins_user_id_created_at')
