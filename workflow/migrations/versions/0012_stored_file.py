"""stored_file: the bytes of uploaded attachments and imported dossier files when
TDKT_STORAGE=database (several machines without a shared disk; issue 12, scale out)

Revision ID: 0012_stored_file
Revises: 0011_name_search
Create Date: 2026-12-03

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0012_stored_file'
down_revision: Union[str, Sequence[str], None] = '0011_name_search'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'stored_file',
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_file')),
    )


def downgrade() -> None:
    op.drop_table('stored_file')
