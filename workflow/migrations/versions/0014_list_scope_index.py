"""an index for a higher level's proposal list (issue 12): the proposals it decides are those of
its level's award types from its subtree, read by award type first (a few codes pick one row in
seven; by origin, every proposal of the province), state and id included so PostgreSQL answers
from the index; and the proposals' ids with their updated_at, so the readable set is sorted by
the newest without visiting each wide row (a list's id-to-updated_at look-ups become index-only)

Revision ID: 0014_list_scope_index
Revises: 0013_report_columns
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0014_list_scope_index'
down_revision: Union[str, Sequence[str], None] = '0013_report_columns'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_proposal_award_type_origin', 'proposal', ['award_type_code', 'origin_authority_id'],
                    unique=False, postgresql_include=['state', 'id'])
    op.create_index('ix_proposal_id_updated_at', 'proposal', ['id'], unique=False,
                    postgresql_include=['updated_at'])


def downgrade() -> None:
    op.drop_index('ix_proposal_id_updated_at', table_name='proposal')
    op.drop_index('ix_proposal_award_type_origin', table_name='proposal')
