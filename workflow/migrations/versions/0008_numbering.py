"""the tree over time: authorities dissolved from a day, a former parent until the day a child was
re-attached (issue 14, item 4: the 2025 merger of the districts); the legal bases a secretary sets
on a draft decision or submission (item 5)

Revision ID: 0008_numbering
Revises: 0007_rounds
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008_numbering'
down_revision: Union[str, Sequence[str], None] = '0007_rounds'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dissolved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('former_parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('parent_since', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_authority_former_parent_id_authority'), 'authority',
                                    ['former_parent_id'], ['id'], ondelete='RESTRICT')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_bases', sa.JSON(), nullable=True))
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_bases', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('legal_bases')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('legal_bases')
    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_authority_former_parent_id_authority'), type_='foreignkey')
        batch_op.drop_column('parent_since')
        batch_op.drop_column('former_parent_id')
        batch_op.drop_column('dissolved_on')
