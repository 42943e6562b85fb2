"""caseload summaries: one sealed summary per patient-therapist link, the link's
generation that every change to what the caseload row shows advances, and each
therapist's sealed caseload order

Revision ID: 17215069cc77
Revises: b7d2e94c1a63
Create Date: 2026-12-04 05:10:00

Existing links start at generation 0 with no summary: the therapist's next caseload
load builds each one (with their key, which only their session holds).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '17215069cc77'
down_revision = 'b7d2e94c1a63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('care_links', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('summary_generation', sa.Integer(), nullable=False, server_default='0')
        )
    op.create_table(
        'caseload_summaries',
        sa.Column('link_id', sa.Uuid(), nullable=False),
        sa.Column('therapist_id', sa.Uuid(), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['link_id'], ['care_links.id'],
            name=op.f('fk_caseload_summaries_link_id_care_links'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['therapist_id'], ['users.id'],
            name=op.f('fk_caseload_summaries_therapist_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('link_id', name=op.f('pk_caseload_summaries')),
    )
    with op.batch_alter_table('caseload_summaries', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_caseload_summaries_therapist_id'), ['therapist_id'], unique=False
        )
    op.create_table(
        'caseload_orders',
        sa.Column('therapist_id', sa.Uuid(), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['therapist_id'], ['users.id'],
            name=op.f('fk_caseload_orders_therapist_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('therapist_id', name=op.f('pk_caseload_orders')),
    )


def downgrade():
    op.drop_table('caseload_orders')
    with op.batch_alter_table('caseload_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caseload_summaries_therapist_id'))
    op.drop_table('caseload_summaries')
    with op.batch_alter_table('care_links', schema=None) as batch_op:
        batch_op.drop_column('summary_generation')
