"""retention: indexes to prune the change stream, notifications and delivered pushes by age

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stream_changes', schema=None) as batch_op:
        batch_op.create_index('ix_stream_changes_created', ['created_at'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_read_created', ['read_at', 'created_at'], unique=False)
    with op.batch_alter_table('push_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_push_outbox_finished', ['status', 'finished_at'], unique=False)


def downgrade():
    with op.batch_alter_table('push_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_push_outbox_finished')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_read_created')
    with op.batch_alter_table('stream_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_stream_changes_created')
