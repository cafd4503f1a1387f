"""the annual report at province scale (issue 12): the two keys of the award rule snapshot it
filters on (``deciding_level``, ``in_annual_report``) as columns the database computes from
``award_rule``, and the indexes that let it count a province's awards from indexes alone — the
steps into ``awarded`` by where they were fired, the awarded proposals' counted columns, the
nominees' kind

Revision ID: 0013_report_columns
Revises: 0012_stored_file
Create Date: 2026-12-07

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0013_report_columns'
down_revision: Union[str, Sequence[str], None] = '0012_stored_file'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# spelt out here (not imported from the models) so that this revision's DDL is frozen with its text
DECIDING_LEVEL_SQL = "award_rule ->> 'deciding_level'"
IN_ANNUAL_REPORT_SQL = "COALESCE(CAST(award_rule ->> 'in_annual_report' AS TEXT), 'true') IN ('true', '1')"
AWARDED = sa.text("state = 'awarded'")
TO_AWARDED = sa.text("to_state = 'awarded'")


def upgrade() -> None:
    # PostgreSQL stores the computed values (it rewrites the table once); SQLite can add only a
    # virtual generated column with ALTER TABLE, computed on read and indexable all the same
    stored = True if op.get_bind().dialect.name == 'postgresql' else None
    op.add_column('proposal', sa.Column('deciding_level', sa.String(length=20),
                                        sa.Computed(DECIDING_LEVEL_SQL, persisted=stored), nullable=True))
    op.add_column('proposal', sa.Column('in_annual_report', sa.Boolean(),
                                        sa.Computed(IN_ANNUAL_REPORT_SQL, persisted=stored), nullable=True))
    op.create_index('ix_proposal_awarded_report', 'proposal',
                    ['id', 'round_id', 'deciding_level', 'award_type_code', 'nominee_id', 'in_annual_report'],
                    unique=False, postgresql_where=AWARDED, sqlite_where=AWARDED)
    op.create_index('ix_proposal_transition_awarded', 'proposal_transition',
                    ['authority_id', 'event', 'from_state', 'proposal_id'], unique=False,
                    postgresql_where=TO_AWARDED, sqlite_where=TO_AWARDED)
    op.create_index('ix_nominee_id_kind', 'nominee', ['id', 'kind'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_nominee_id_kind', table_name='nominee')
    op.drop_index('ix_proposal_transition_awarded', table_name='proposal_transition')
    op.drop_index('ix_proposal_awarded_report', table_name='proposal')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('in_annual_report')
        batch_op.drop_column('deciding_level')
