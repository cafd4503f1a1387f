"""council integrity: the meeting's claim counter and ballot salt, sealed ballots

Revision ID: 0002_council_integrity
Revises: 0001
Create Date: 2026-12-02

Meetings get ``lock_version`` (the compare-and-set that serialises operations on a meeting) and
``ballot_salt`` (with the SECRET_KEY, the key that seals its ballots). Ballots are stored sealed in
``sealed_ballot`` and counted at the close. A meeting already voting when this runs gets a salt:
its earlier ballots stay counted in ``ballot_tally``, later ones are sealed and added at the close.
"""
import secrets
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002_council_integrity'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('ballot_salt', sa.String(length=64), nullable=True))
    op.create_table('sealed_ballot',
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('tag', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_sealed_ballot_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agenda_item_id', 'nonce', name=op.f('pk_sealed_ballot'))
    )
    conn = op.get_bind()
    meeting = sa.table('meeting', sa.column('id', sa.Integer), sa.column('status', sa.String),
                       sa.column('ballot_salt', sa.String))
    for (meeting_id,) in conn.execute(sa.select(meeting.c.id).where(meeting.c.status == 'voting')).all():
        conn.execute(meeting.update().where(meeting.c.id == meeting_id).values(ballot_salt=secrets.token_hex(16)))


def downgrade() -> None:
    op.drop_table('sealed_ballot')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('ballot_salt')
        batch_op.drop_column('lock_version')
