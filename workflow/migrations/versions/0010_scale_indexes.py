"""indexes the province-scale reads need (issue 12): a reader's scope goes in by a proposal's
origin authority and by the authorities that handled it (history), and lists cut a page of the
newest first

Revision ID: 0010_scale_indexes
Revises: 0005_cash
Create Date: 2026-12-03

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0010_scale_indexes'
down_revision: Union[str, Sequence[str], None] = '0005_cash'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_proposal_origin_authority_id', 'proposal', ['origin_authority_id'], unique=False)
    op.create_index('ix_proposal_updated_at_id', 'proposal', ['updated_at', 'id'], unique=False)
    op.create_index('ix_proposal_transition_authority_id_proposal_id', 'proposal_transition',
                    ['authority_id', 'proposal_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_proposal_transition_authority_id_proposal_id', table_name='proposal_transition')
    op.drop_index('ix_proposal_updated_at_id', table_name='proposal')
    op.drop_index('ix_proposal_origin_authority_id', table_name='proposal')
