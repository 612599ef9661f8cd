"""matching: an index on user_conditions (condition_id, visibility), so a peer tier reads only the
public holders of a condition (issue 15)

A peer tier (services/matching/finder.py) reads the public holders of a condition in index order
until its LIMIT: with (condition_id) alone it fetched every holder's row to check the visibility
(about seven of eight are not public). Within one condition and visibility the entries keep the
order of (condition_id) alone (then rowid on SQLite, heap order on PostgreSQL), so the rows a tier
takes are the same. Declared with the table in services/matching/pools.py.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 16:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_conditions', schema=None) as batch_op:
        batch_op.create_index('ix_user_conditions_condition_visibility', ['condition_id', 'visibility'], unique=False)


def downgrade():
    with op.batch_alter_table('user_conditions', schema=None) as batch_op:
        batch_op.drop_index('ix_user_conditions_condition_visibility')
