"""search without diacritics (issue 11): the nominee's folded name, filled for existing rows, and
its index — a trigram GIN index on PostgreSQL (pg_trgm), so ``LIKE '%hoang van%'`` does not scan
100,000 nominees; an ordinary index on SQLite

Revision ID: 0011_name_search
Revises: 0010_scale_indexes
Create Date: 2026-12-03

"""
import logging
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from workflow.folding import fold_name

revision: str = '0011_name_search'
down_revision: Union[str, Sequence[str], None] = '0010_scale_indexes'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger("alembic.runtime.migration")
BATCH = 5000


def _trigram_available(bind) -> bool:
    """Create pg_trgm when missing; False (and a warning) when this role may not, so the migration
    goes on with a plain index: search stays correct, only slower on a large table."""
    if bind.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
        return True
    try:
        with bind.begin_nested():  # a refused CREATE EXTENSION must not abort the whole migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm could not be created (%s): nominee.name_folded gets a plain b-tree index; "
                    "name search scans the table. Run CREATE EXTENSION pg_trgm as a superuser and "
                    "recreate ix_nominee_name_folded for speed.", exc.orig)
        return False
    return True


def upgrade() -> None:
    with op.batch_alter_table('nominee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_folded', sa.String(length=400), server_default='', nullable=False))
    # existing rows: folded in Python (the one folding function), in batches by id
    bind = op.get_bind()
    nominee = sa.table('nominee', sa.column('id', sa.Integer), sa.column('name', sa.String),
                       sa.column('head_name', sa.String), sa.column('name_folded', sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(nominee.c.id, nominee.c.name, nominee.c.head_name)
                            .where(nominee.c.id > last).order_by(nominee.c.id).limit(BATCH)).all()
        if not rows:
            break
        bind.execute(nominee.update().where(nominee.c.id == sa.bindparam('nid'))
                     .values(name_folded=sa.bindparam('folded')),
                     [{'nid': r.id, 'folded': fold_name(r.name, r.head_name)} for r in rows])
        last = rows[-1].id
    if bind.dialect.name == 'postgresql' and _trigram_available(bind):
        op.create_index('ix_nominee_name_folded', 'nominee', ['name_folded'], unique=False,
                        postgresql_using='gin', postgresql_ops={'name_folded': 'gin_trgm_ops'})
    else:
        op.create_index('ix_nominee_name_folded', 'nominee', ['name_folded'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_nominee_name_folded', table_name='nominee')
    with op.batch_alter_table('nominee', schema=None) as batch_op:
        batch_op.drop_column('name_folded')
    # pg_trgm stays: other objects may use it, and it costs nothing
