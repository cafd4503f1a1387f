"""members of the vote-counting committee (Ban kiểm phiếu) on the attendance rows (issue 14, item 9)

Revision ID: 0006_council_counting
Revises: 0008_numbering
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006_council_counting'
down_revision: Union[str, Sequence[str], None] = '0008_numbering'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counter', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_column('counter')
