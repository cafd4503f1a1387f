"""event notifications: the outbox takes the kinds of what happened and one subject per history row;
an admin's password reset makes the next sign-in choose a new password

Revision ID: 0009_notifications
Revises: 0003_exchange_integrity
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009_notifications'
down_revision: Union[str, Sequence[str], None] = '0003_exchange_integrity'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

REMINDER_KINDS = ('nomination_deadline', 'returned_not_resubmitted', 'processing_limit', 'meeting_soon',
                  'vote_pending', 'notice_over', 'awaiting_decision', 'submission_unanswered',
                  'household_review_deadline')
EVENT_KINDS = ('proposal_returned', 'proposal_accepted', 'proposal_rejected', 'proposal_awarded',
               'meeting_scheduled', 'voting_opened', 'submission_answered')
SUBJECTS = ('round', 'proposal', 'meeting', 'submission')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(kinds, subjects) -> None:
    with op.batch_alter_table('reminder_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reminder_outbox_kind'), type_='check')
        batch_op.drop_constraint(op.f('ck_reminder_outbox_subject_type'), type_='check')
        batch_op.create_check_constraint('kind', _in('kind', kinds))
        batch_op.create_check_constraint('subject_type', _in('subject_type', subjects))


def upgrade() -> None:
    _checks(REMINDER_KINDS + EVENT_KINDS, SUBJECTS + ('transition',))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    op.execute(sa.text("DELETE FROM reminder_outbox WHERE kind IN :kinds").bindparams(
        sa.bindparam("kinds", value=list(EVENT_KINDS), expanding=True)))
    _checks(REMINDER_KINDS, SUBJECTS)
