"""cash from the dated base salary: the base_salary series, and each decision item's full amount
and what was already paid for another title of the same year (issue 10, item 4)

Revision ID: 0005_cash
Revises: 0006_council_counting
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005_cash'
down_revision: Union[str, Sequence[str], None] = '0006_council_counting'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('base_salary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verify', sa.Boolean(), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_base_salary_amount_positive')),
    sa.CheckConstraint('effective_to IS NULL OR effective_to >= effective_from', name=op.f('ck_base_salary_dates_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_base_salary')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_base_salary_effective_from'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_salary_vnd', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('decision_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cash_full', sa.Numeric(precision=14, scale=0), nullable=True))
        batch_op.add_column(sa.Column('cash_paid_before', sa.Numeric(precision=14, scale=0), nullable=True))
        batch_op.add_column(sa.Column('cash_paid_under', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('decision_item', schema=None) as batch_op:
        batch_op.drop_column('cash_paid_under')
        batch_op.drop_column('cash_paid_before')
        batch_op.drop_column('cash_full')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('base_salary_vnd')
    op.drop_table('base_salary')
