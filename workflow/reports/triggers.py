"""The SQL that keeps ``report_count`` (``reports.models.ReportCount``) exact: the database triggers
every writer of proposals and of their history fires, and the set-based select that rebuilds the
table from the rows.

Why triggers, not application code: proposal state and history are written by the transition
service's compare-and-set Core ``UPDATE`` (behind the ORM), by ``receive_imported`` (a package's
copied history), by ``apply_rule_set`` (a new snapshot changes the deciding level), by the
benchmark generator's bulk inserts and by tests that craft rows; a trigger sees each of them in
the same transaction, and a rollback takes its counts back with it.

What a proposal contributes is a function of its row and its history alone (``_PROPOSED``,
``_AWARDED``, the counting rules of ``reports.services``); what depends on the tree as it is when
the report is read (an authority's parent, its subtree) is left to the reader:

* ``proposed`` — one per (proposal, authority with a ``forward`` step), keyed by that authority;
  ``level`` the snapshot's deciding level, else the holder's kind, else ``''`` when the proposal is
  back at the authority that forwarded it (the reader puts it under that authority's parent).
* ``awarded`` — one per step into ``awarded`` by ``decide`` or by ``record_outcome`` not from
  ``forwarded``, keyed by the authority where it was fired.
* ``paper`` — one per ``record_outcome`` from ``forwarded`` into ``awarded`` (a higher level's paper
  answer recorded below it), keyed by the recording authority, ``level`` the deciding level: the
  reader adds those of its subtree whose level is its own kind.

Each trigger writes the *difference* a change makes, summed per key, and skips a key whose
difference is zero: a step that changes no count (an accept, a ballot) writes and locks no
summary row, and a commune's counts are rows of their own (keyed by its id), so transitions in two
communes never wait for one another.

Migration 0015 holds a frozen copy of this text; a change here is a new migration.
"""

from __future__ import annotations

# nosec B608 below: SQL put together from this module's constant fragments, never from input
NOT_COUNTED = "('withdrawn', 'rejected', 'not_recommended', 'revoked')"
KEY = "authority_id, year, part, level, award_type_code, nominee_kind"

# {r}: the proposal row (an alias, OLD or NEW); {fa}: the forwarding authority; {source}/{where}: what
# the rows come from
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
    """Everything proposal row ``r`` (OLD or NEW) contributes, given the history in the table."""
    forwards = (f"(SELECT DISTINCT authority_id FROM proposal_transition "  # nosec B608
                f"WHERE proposal_id = {r}.id AND event = 'forward') f")
    return (_PROPOSED.format(r=r, fa="f.authority_id", source=forwards, where="", sign=sign) + " UNION ALL "
            + _AWARDED.format(r=r, s="s", source="proposal_transition s", where=f"s.proposal_id = {r}.id AND ",
                              sign=sign))


# a changed proposal: what its old row counted comes off, what its new row counts goes on
PROPOSAL_CHANGED = _added(_of_row("OLD", -1) + " UNION ALL " + _of_row("NEW", 1))
# a new forward step: the proposal counts for that authority unless an earlier forward from it
# already made it count (the lowest id counts, also when one statement inserts several)
FORWARD_ADDED = _added(_PROPOSED.format(
    r="p", fa="NEW.authority_id", source="proposal p", sign=1,
    where="p.id = NEW.proposal_id AND NOT EXISTS (SELECT 1 FROM proposal_transition o "
          "WHERE o.proposal_id = NEW.proposal_id AND o.authority_id = NEW.authority_id "
          "AND o.event = 'forward' AND o.id < NEW.id) AND "))
# a new step into awarded: one award, or one paper answer
AWARD_ADDED = _added(_AWARDED.format(r="p", s="NEW", source="proposal p", where="p.id = NEW.proposal_id AND ",
                                     sign=1))
# every count, from the rows
ALL_ROWS = _summed(
    _PROPOSED.format(r="p", fa="f.authority_id", sign=1, where="",
                     source="(SELECT DISTINCT proposal_id, authority_id FROM proposal_transition "
                            "WHERE event = 'forward') f JOIN proposal p ON p.id = f.proposal_id")
    + " UNION ALL "
    + _AWARDED.format(r="p", s="s", sign=1, where="",
                      source="proposal_transition s JOIN proposal p ON p.id = s.proposal_id"))
REBUILD = f"INSERT INTO report_count ({KEY}, proposals) {ALL_ROWS}"

# the proposal columns a count depends on (its round's year, its nominee's kind and an authority's
# kind never change)
_WATCHED = ("state", "current_authority_id", "award_rule", "award_type_code", "round_id", "nominee_id")
_CHANGED = ("state", "current_authority_id", "deciding_level", "in_annual_report", "award_type_code", "round_id",
            "nominee_id")
# name → (table, when, body)
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
    """DDL creating the triggers (again: it replaces what exists) on ``dialect``."""
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
