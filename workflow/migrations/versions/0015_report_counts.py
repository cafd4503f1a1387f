"""the annual report's counts kept as rows (issue 12): ``report_count``, one row per (authority
where the step was taken, round year, part, level, award type, nominee kind), kept exact by
triggers on ``proposal`` (a change of state, holder, rule snapshot, award type, round, nominee)
and on ``proposal_transition`` (a new forward step, a new step into awarded), and filled from the
rows here; a province's report reads a few hundred of these instead of every award step of its
proposals (its cost grew with them: 22 ms at 100,000, 174 ms at 1,000,000)

Revision ID: 0015_report_counts
Revises: 0014_list_scope_index
Create Date: 2026-12-07

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0015_report_counts'
down_revision: Union[str, Sequence[str], None] = '0014_list_scope_index'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# spelt out here (a copy of workflow/reports/triggers.py as of this revision, not imported) so that
# this revision's DDL is frozen with its text
# nosec B608 below: SQL put together from this module's constant fragments, never from input
NOT_COUNTED = "('withdrawn', 'rejected', 'not_recommended', 'revoked')"
KEY = "authority_id, year, part, level, award_type_code, nominee_kind"
_PROPOSED = (
    "SELECT {fa} AS authority_id, rd.year AS year, 'proposed' AS part, "  # nosec B608
    "COALESCE(NULLIF({r}.deciding_level, ''), CASE WHEN {r}.current_authority_id = {fa} THEN '' ELSE h.kind END) "
    "AS level, {r}.award_type_code AS award_type_code, n.kind AS nominee_kind, {sign} AS proposals "
    "FROM {source} JOIN round rd ON rd.id = {r}.round_id JOIN nominee n ON n.id = {r}.nominee_id "
    "JOIN authority h ON h.id = {r}.current_authority_id "
    "WHERE {where}{r}.state NOT IN " + NOT_COUNTED + " AND ({r}.in_annual_report IS NULL OR {r}.in_annual_report) "
    "AND ({r}.current_authority_id <> {fa} OR {r}.state IN ('forwarded', 'awarded'))"
)
_PAPER = "{s}.event = 'record_outcome' AND {s}.from_state = 'forwarded'"
_AWARDED = (
    "SELECT {s}.authority_id AS authority_id, rd.year AS year, "  # nosec B608
    "CASE WHEN " + _PAPER + " THEN 'paper' ELSE 'awarded' END AS part, "
    "CASE WHEN " + _PAPER + " THEN COALESCE({r}.deciding_level, '') ELSE '' END AS level, "
    "{r}.award_type_code AS award_type_code, n.kind AS nominee_kind, {sign} AS proposals "
    "FROM {source} JOIN round rd ON rd.id = {r}.round_id JOIN nominee n ON n.id = {r}.nominee_id "
    "WHERE {where}{s}.to_state = 'awarded' AND {s}.event IN ('decide', 'record_outcome') "
    "AND {r}.state = 'awarded' AND ({r}.in_annual_report IS NULL OR {r}.in_annual_report)"
)


def _summed(rows: str) -> str:
    return (f"SELECT {KEY}, SUM(proposals) AS proposals FROM ({rows}) d "  # nosec B608
            f"GROUP BY {KEY} HAVING SUM(proposals) <> 0")


def _added(rows: str) -> str:
    return (f"INSERT INTO report_count ({KEY}, proposals) {_summed(rows)} "  # nosec B608
            f"ON CONFLICT ({KEY}) DO UPDATE SET proposals = report_count.proposals + excluded.proposals")


def _of_row(r: str, sign: int) -> str:
    forwards = (f"(SELECT DISTINCT authority_id FROM proposal_transition "  # nosec B608
                f"WHERE proposal_id = {r}.id AND event = 'forward') f")
    return (_PROPOSED.format(r=r, fa="f.authority_id", source=forwards, where="", sign=sign) + " UNION ALL "
            + _AWARDED.format(r=r, s="s", source="proposal_transition s", where=f"s.proposal_id = {r}.id AND ",
                              sign=sign))


PROPOSAL_CHANGED = _added(_of_row("OLD", -1) + " UNION ALL " + _of_row("NEW", 1))
FORWARD_ADDED = _added(_PROPOSED.format(
    r="p", fa="NEW.authority_id", source="proposal p", sign=1,
    where="p.id = NEW.proposal_id AND NOT EXISTS (SELECT 1 FROM proposal_transition o "
          "WHERE o.proposal_id = NEW.proposal_id AND o.authority_id = NEW.authority_id "
          "AND o.event = 'forward' AND o.id < NEW.id) AND "))
AWARD_ADDED = _added(_AWARDED.format(r="p", s="NEW", source="proposal p", where="p.id = NEW.proposal_id AND ",
                                     sign=1))
ALL_ROWS = _summed(
    _PROPOSED.format(r="p", fa="f.authority_id", sign=1, where="",
                     source="(SELECT DISTINCT proposal_id, authority_id FROM proposal_transition "
                            "WHERE event = 'forward') f JOIN proposal p ON p.id = f.proposal_id")
    + " UNION ALL "
    + _AWARDED.format(r="p", s="s", sign=1, where="",
                      source="proposal_transition s JOIN proposal p ON p.id = s.proposal_id"))
REBUILD = f"INSERT INTO report_count ({KEY}, proposals) {ALL_ROWS}"
_WATCHED = ("state", "current_authority_id", "award_rule", "award_type_code", "round_id", "nominee_id")
_CHANGED = ("state", "current_authority_id", "deciding_level", "in_annual_report", "award_type_code", "round_id",
            "nominee_id")
TRIGGERS = {
    "report_count_proposal": ("proposal", "UPDATE OF " + ", ".join(_WATCHED), _CHANGED, PROPOSAL_CHANGED),
    "report_count_forward": ("proposal_transition", "INSERT", "NEW.event = 'forward'", FORWARD_ADDED),
    "report_count_award": ("proposal_transition", "INSERT", "NEW.to_state = 'awarded'", AWARD_ADDED),
}


def _when(condition, dialect: str) -> str:
    if isinstance(condition, str):
        return condition
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in condition)


def create_statements(dialect: str) -> list[str]:
    out = []
    for name, (table, event, condition, body) in TRIGGERS.items():
        when = _when(condition, dialect)
        if dialect == "postgresql":
            out.append(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                       f"BEGIN\n{body};\nRETURN NULL;\nEND\n$$")
            out.append(f"CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                       f"WHEN ({when}) EXECUTE FUNCTION {name}()")
        else:
            out.append(f"DROP TRIGGER IF EXISTS {name}")
            out.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                       f"WHEN ({when}) BEGIN {body}; END")
    return out


def drop_statements(dialect: str) -> list[str]:
    out = []
    for name, (table, *_rest) in TRIGGERS.items():
        if dialect == "postgresql":
            out += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
        else:
            out.append(f"DROP TRIGGER IF EXISTS {name}")
    return out


def upgrade() -> None:
    op.create_table(
        'report_count',
        sa.Column('authority_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('part', sa.String(length=10), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('award_type_code', sa.String(length=40), nullable=False),
        sa.Column('nominee_kind', sa.String(length=20), nullable=False),
        sa.Column('proposals', sa.Integer(), nullable=False),
        sa.CheckConstraint("part IN ('proposed', 'awarded', 'paper')", name=op.f('ck_report_count_part')),
        sa.PrimaryKeyConstraint('authority_id', 'year', 'part', 'level', 'award_type_code', 'nominee_kind',
                                name=op.f('pk_report_count')),
    )
    op.create_index('ix_report_count_paper', 'report_count',
                    ['year', 'level', 'authority_id', 'award_type_code', 'nominee_kind', 'proposals'], unique=False,
                    postgresql_where=sa.text("part = 'paper'"), sqlite_where=sa.text("part = 'paper'"))
    dialect = op.get_bind().dialect.name
    # the triggers first, then the fill (17 s at 1,000,000 proposals): on PostgreSQL CREATE TRIGGER
    # locks proposal and proposal_transition against writers until this revision commits, so each
    # write is either in the fill or counted by the triggers after it
    for statement in create_statements(dialect):
        op.execute(statement)
    op.execute(REBUILD)


def downgrade() -> None:
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index('ix_report_count_paper', table_name='report_count')
    op.drop_table('report_count')
