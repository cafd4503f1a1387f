"""The secret ballot, proved on the stored data: after members vote differently, every row of every
table, every audit entry and every log line is read, and nothing links a member to a choice."""

from __future__ import annotations

import json
import logging
import re

from sqlalchemy import DateTime, inspect, select

from tests.council.helpers import MEMBERS
from workflow.db import Base

# tv5 and tv6 sit on the council in the same way; they vote opposite ways on both items
A, B, C = "tv5", "tv6", "tv7"
CHOICE_KEYS = {"choice", "yes", "no", "vote", "votes"}
CHOICE_WORDS = re.compile(r"\b(yes|no|choice|đồng ý|không đồng ý)\b", re.IGNORECASE)


def dump(session) -> dict[str, dict[tuple, dict]]:
    """Every row of every table (all columns), keyed by table and primary key."""
    session.expire_all()
    out = {}
    for table in Base.metadata.sorted_tables:
        key = [col.name for col in table.primary_key.columns]
        out[table.name] = {tuple(row[k] for k in key): dict(row)
                           for row in session.execute(select(table)).mappings()}
    return out


def changes(before: dict, after: dict) -> list[tuple[str, dict]]:
    """Rows added or changed between two dumps (the application never deletes during a vote)."""
    out = []
    for name, rows in after.items():
        for key, row in rows.items():
            if before[name].get(key) != row:
                out.append((name, row))
    return out


def user_columns(table_name: str) -> set[str]:
    table = Base.metadata.tables[table_name]
    return {col.name for col in table.columns
            if any(fk.column.table.name == "user_account" for fk in col.foreign_keys)}


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def mentions(table_name: str, row: dict, person) -> bool:
    """The row names ``person``: their id in a column pointing at users, or their name in a text."""
    if any(row[col] == person.id for col in user_columns(table_name)):
        return True
    if table_name == "user_account" and row["id"] == person.id:
        return True
    names = re.compile(rf"\b({re.escape(person.username)}|{re.escape(person.full_name)})\b")
    return any(names.search(_text(v)) for v in row.values() if isinstance(v, str | dict | list))


def choice_values(value, key=None):
    """Every (key, value) in ``value`` (a row or JSON) that could carry a choice."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from choice_values(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from choice_values(v, key)
    elif key in CHOICE_KEYS or (isinstance(value, str) and value.lower() in ("yes", "no")):
        yield key, value


def _volatile(col) -> bool:
    """Columns that differ between any two rows whatever was voted: surrogate ids, times, hashes,
    sequence numbers."""
    kind = getattr(col.type, "impl", col.type)
    return (isinstance(kind, DateTime) or (col.primary_key and col.name == "id")
            or "hash" in col.name or col.name == "seq")


def _sorted_lists(value):
    if isinstance(value, dict):
        return {k: _sorted_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sorted_lists(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def canonical(table_name: str, row: dict, a=None, b=None) -> str:
    """The row without its volatile columns; with the identities of ``a`` and ``b`` swapped when given."""
    table = Base.metadata.tables[table_name]
    users = user_columns(table_name)
    if a is not None:
        other = {a.username: b.username, b.username: a.username, a.full_name: b.full_name, b.full_name: a.full_name}
        names = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(other, key=len, reverse=True)) + r")\b")
    kept = {}
    for col in table.columns:
        if _volatile(col):
            continue
        value = row[col.name]
        if a is not None:
            ids = {a.id: b.id, b.id: a.id}
            if col.name in users and value in ids:
                value = ids[value]
            elif (table_name, col.name) == ("audit_entry", "object_id") and row["object_type"] == "user" \
                    and value in (str(a.id), str(b.id)):
                value = str(ids[int(value)])
            elif isinstance(value, str | dict | list):
                swapped = names.sub(lambda m: other[m.group(0)], _text(value))
                value = swapped if isinstance(value, str) else json.loads(swapped)
        kept[col.name] = _sorted_lists(value)
    return json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str)


def normalised(table_name: str, row: dict, person) -> str:
    """The row with ``person`` replaced by X (for rows that name one person only)."""
    text = canonical(table_name, row)
    for col in user_columns(table_name):
        text = text.replace(f'"{col}": {person.id}', f'"{col}": "X"')
    return text.replace(person.full_name, "X").replace(person.username, "X")


def test_no_stored_data_links_a_member_to_a_choice(c, caplog):
    first, second = c.under_review(2)
    mid = c.meeting([first, second], open_=True)
    people = {u: c.users[u] for u in MEMBERS}
    for who in MEMBERS:
        c.auth(who)  # sign everyone in before the snapshot
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="workflow")  # the app keeps its own logger at INFO
    caplog.clear()
    before = dump(c.session)

    plan = {A: {first: "yes", second: "yes"}, B: {first: "no", second: "no"}, C: {first: "yes", second: "no"}}
    plan.update({u: {first: "yes" if i % 2 else "no", second: "no" if i % 2 else "yes"}
                 for i, u in enumerate(MEMBERS) if u not in plan})
    c.votes(mid, plan)
    after = dump(c.session)
    changed = changes(before, after)
    assert {name for name, _row in changed} <= {"ballot_receipt", "ballot_tally", "audit_entry", "audit_chain",
                                                 "api_token"}, changed

    # 1. the two tables of the ballot, as the database holds them: receipts are (item, member) and
    #    nothing else — no surrogate id, no time; the tally has counts per item and no member, no time
    inspector = inspect(c.session.get_bind())
    assert {col["name"] for col in inspector.get_columns("ballot_receipt")} == {"agenda_item_id", "user_id"}
    assert inspector.get_pk_constraint("ballot_receipt")["constrained_columns"] in (
        ["agenda_item_id", "user_id"], ["user_id", "agenda_item_id"])
    assert {col["name"] for col in inspector.get_columns("ballot_tally")} == {"agenda_item_id", "yes", "no"}
    assert not user_columns("ballot_tally")
    for name in ("ballot_receipt", "ballot_tally"):
        assert not any(isinstance(col.type, DateTime) for col in Base.metadata.tables[name].columns)

    # 2. no row written by the vote names a member and carries a choice
    for name, row in changed:
        voters = [u for u, p in people.items() if mentions(name, row, p)]
        carried = list(choice_values(row))
        assert not (voters and carried), (name, row, voters, carried)
        if name == "ballot_tally":
            assert not voters
        if name == "audit_entry":
            assert row["action"] == "meeting.ballot" and row["data"] == {"items": 2}

    # 3. whatever was stored about A is stored, word for word, about B — who voted the other way
    about = {who: sorted(normalised(name, row, people[who]) for name, row in changed
                         if mentions(name, row, people[who])) for who in (A, B)}
    assert about[A] == about[B] and len(about[A]) >= 3  # two receipts and the audit entry at least

    # 4. the whole database cannot tell A from B: swapping the two people maps it onto itself
    rows = [(name, row) for name, table_rows in after.items() for row in table_rows.values()]
    assert sorted(canonical(n, r) for n, r in rows) == sorted(
        canonical(n, r, people[A], people[B]) for n, r in rows)

    # 5. the log lines written while voting
    for record in caplog.records:
        message = record.getMessage()
        named = [u for u, p in people.items() if u in message or p.full_name in message]
        assert not (named and CHOICE_WORDS.search(message)), message
    assert "yes" not in caplog.text.lower().split() and "no" not in caplog.text.lower().split()

    # 6. after the close, the choices appear only as totals per item (never per member)
    c.close(mid)
    closed = dump(c.session)
    totals = {(r["proposal_id"], k): r[k] for r in c.results(mid)["items"] for k in ("yes", "no")}
    for name, row in changes(after, closed):
        for key, value in choice_values(row):
            assert key in ("yes", "no") and isinstance(value, int), (name, row)
            assert value in {v for (_p, k), v in totals.items() if k == key}, (name, row)
    assert closed["ballot_receipt"] == after["ballot_receipt"] and closed["ballot_tally"] == after["ballot_tally"]
