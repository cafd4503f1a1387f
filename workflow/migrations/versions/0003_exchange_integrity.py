"""dossier imports recorded once per package and per submission (issue 15, item 9)

Revision ID: 0003_exchange_integrity
Revises: 0001
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003_exchange_integrity'
down_revision: Union[str, Sequence[str], None] = '0002_council_integrity'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('dossier_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('from_authority_code', sa.String(length=40), nullable=False),
    sa.Column('submission_number', sa.String(length=40), nullable=False),
    sa.Column('package_id', sa.String(length=64), nullable=False),
    sa.Column('package_sha256', sa.String(length=64), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authority.id'], name=op.f('fk_dossier_import_authority_id_authority'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_dossier_import_imported_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_dossier_import_round_id_round'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_import')),
    sa.UniqueConstraint('authority_id', 'from_authority_code', 'submission_number', name=op.f('uq_dossier_import_submission')),
    sa.UniqueConstraint('authority_id', 'package_id', name=op.f('uq_dossier_import_authority_id_package_id')),
    sa.UniqueConstraint('package_sha256', name=op.f('uq_dossier_import_package_sha256'))
    )
    with op.batch_alter_table('dossier_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_import_authority_id'), ['authority_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dossier_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_import_authority_id'))
    op.drop_table('dossier_import')
