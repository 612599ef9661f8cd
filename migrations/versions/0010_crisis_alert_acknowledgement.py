"""crisis alerts: acknowledgement, escalation steps, moderators' labels; longer report target types

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        # Every free-text path raises alerts now: "mentorship_request", "circle_description"... need more than 16.
        batch_op.alter_column('target_type', existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_by', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('escalations', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('real_crisis', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('concern_reviewed', sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reports_acknowledged_by_users'), 'users', ['acknowledged_by'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reports_acknowledged_by_users'), type_='foreignkey')
        batch_op.drop_column('concern_reviewed')
        batch_op.drop_column('real_crisis')
        batch_op.drop_column('escalations')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('acknowledged_by')
        batch_op.drop_column('acknowledged_at')
        batch_op.alter_column('target_type', existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=False)
