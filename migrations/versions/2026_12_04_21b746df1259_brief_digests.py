"""brief digests: per patient-therapist link, what the brief's summary needs from
many shared records (the mood series), sealed under the therapist's data key

Revision ID: 21b746df1259
Revises: d35c1008764f
Create Date: 2026-12-04 12:45:00

Existing links start without a digest: the therapist's next view of a brief builds
it (with their key, which only their session holds).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '21b746df1259'
down_revision = 'd35c1008764f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'brief_digests',
        sa.Column('link_id', sa.Uuid(), nullable=False),
        sa.Column('therapist_id', sa.Uuid(), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['link_id'], ['care_links.id'],
            name=op.f('fk_brief_digests_link_id_care_links'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['therapist_id'], ['users.id'],
            name=op.f('fk_brief_digests_therapist_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('link_id', name=op.f('pk_brief_digests')),
    )
    with op.batch_alter_table('brief_digests', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_brief_digests_therapist_id'), ['therapist_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('brief_digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_brief_digests_therapist_id'))
    op.drop_table('brief_digests')
