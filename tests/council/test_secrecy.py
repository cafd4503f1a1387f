"""The secret ballot, proved on the stored data: after members vote differently, every row of every
table, every audit entry and every log line is read, and nothing links a member to a choice."""

from __future__ import annotations

import json
import logging
import os
import re

from sqlalchemy import DateTime, inspect, select, text

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
            or "hash" in col.name or col.name == "seq"
            # a notification's link to its outbox row is a surrogate id too (the meeting's
            # notifications are written when it is scheduled and opened, before any ballot)
            or (col.table.name, col.name) == ("notification", "reminder_id"))


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
    assert {name for name, _row in changed} <= {"ballot_receipt", "sealed_ballot", "audit_entry", "audit_chain",
                                                 "meeting", "api_token"}, changed
    # no count moves while the vote is open: a counter moved by a ballot is tied to its receipt
    assert after["ballot_tally"] == before["ballot_tally"]
    # the meeting row only counts the operations that claimed it
    meeting_rows = [(before["meeting"][k], row) for name, row in changed if name == "meeting" for k in [(row["id"],)]]
    for old, new in meeting_rows:
        assert {k: v for k, v in new.items() if k != "lock_version"} == {k: v for k, v in old.items()
                                                                          if k != "lock_version"}
        assert new["lock_version"] == old["lock_version"] + len(plan)

    # 1. the two tables of the ballot, as the database holds them: receipts are (item, member) and
    #    nothing else — no surrogate id, no time; the tally has counts per item and no member, no time
    inspector = inspect(c.session.get_bind())
    assert {col["name"] for col in inspector.get_columns("ballot_receipt")} == {"agenda_item_id", "user_id"}
    assert inspector.get_pk_constraint("ballot_receipt")["constrained_columns"] in (
        ["agenda_item_id", "user_id"], ["user_id", "agenda_item_id"])
    assert {col["name"] for col in inspector.get_columns("ballot_tally")} == {"agenda_item_id", "yes", "no"}
    assert {col["name"] for col in inspector.get_columns("sealed_ballot")} == {"agenda_item_id", "nonce", "tag"}
    assert not user_columns("ballot_tally") and not user_columns("sealed_ballot")
    for name in ("ballot_receipt", "ballot_tally", "sealed_ballot"):
        assert not any(isinstance(col.type, DateTime) for col in Base.metadata.tables[name].columns)

    # 2. no row written by the vote names a member and carries a choice
    for name, row in changed:
        voters = [u for u, p in people.items() if mentions(name, row, p)]
        carried = list(choice_values(row))
        assert not (voters and carried), (name, row, voters, carried)
        if name == "sealed_ballot":
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

    # 6. after the close, the choices appear only as totals per item (never per member), and the
    #    sealed ballots are gone
    c.close(mid)
    closed = dump(c.session)
    totals = {(r["proposal_id"], k): r[k] for r in c.results(mid)["items"] for k in ("yes", "no")}
    for name, row in changes(after, closed):
        for key, value in choice_values(row):
            assert key in ("yes", "no") and isinstance(value, int), (name, row)
            assert value in {v for (_p, k), v in totals.items() if k == key}, (name, row)
    assert closed["ballot_receipt"] == after["ballot_receipt"] and closed["sealed_ballot"] == {}
    items = {i["proposal_id"]: i for i in c.results(mid)["items"]}
    expected = {pid: sum(1 for choices in plan.values() if choices[pid] == "yes") for pid in (first, second)}
    assert {pid: (items[pid]["yes"], items[pid]["no"]) for pid in (first, second)} == {
        pid: (yes, len(plan) - yes) for pid, yes in expected.items()}


# --- system columns, physical order, dead row versions ----------------------------------------------

RANDOM = {("sealed_ballot", "nonce"), ("sealed_ballot", "tag")}  # fresh random per row, by design


def _ctid(text_value: str) -> tuple[int, int]:
    block, offset = text_value.strip("()").split(",")
    return int(block), int(offset)


def system_rows(session, backend: str) -> dict[str, list[dict]]:
    """Every live row of every table with its system columns: ``_xmin`` and ``_pos`` (ctid) on
    PostgreSQL, ``_pos`` (rowid) on SQLite — what a database reader sees beyond the columns."""
    session.expire_all()
    out = {}
    for table in Base.metadata.sorted_tables:
        if backend == "postgresql":
            sql = f'SELECT xmin::text AS _xmin, ctid::text AS _ctid, t.* FROM "{table.name}" t'
        else:
            sql = f'SELECT rowid AS _pos, t.* FROM "{table.name}" t'
        rows = [dict(r) for r in session.execute(text(sql)).mappings()]
        for row in rows:
            if backend == "postgresql":
                row["_pos"] = _ctid(row.pop("_ctid"))
        out[table.name] = sorted(rows, key=lambda r: r["_pos"])
    return out


def row_versions(session, table: str) -> list[int]:
    """The inserting transaction of every version of ``table``'s rows, dead ones included
    (PostgreSQL, with pageinspect): what survives in the heap until VACUUM."""
    pages = session.scalar(text("SELECT pg_relation_size(CAST(:t AS regclass)) / current_setting('block_size')::int"),
                           {"t": table})
    xids = []
    for block in range(pages):
        xids += [x for (x,) in session.execute(text(
            "SELECT t_xmin::text::bigint FROM heap_page_items(get_raw_page(:t, :b)) WHERE t_xmin IS NOT NULL"),
            {"t": table, "b": block})]
    return xids


def _without(table: str, row: dict, keep_random=False) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_") and (keep_random or (table, k) not in RANDOM)}


def test_system_columns_and_order_tie_voters_to_noise_only(c, app, session, backend):
    """A reader of the database — every column, xmin and ctid (PostgreSQL) or rowid (SQLite), dead row
    versions, the audit log — groups the rows each ballot wrote (same transaction, or same place in
    the insertion order). Those groups are identical for a yes and a no, apart from the voter's id
    and a random nonce and tag that nothing but the application's key opens."""
    from workflow.council import sealing
    from workflow.council.models import Meeting

    first, second = c.under_review(2)
    mid = c.meeting([first, second], open_=True)
    people = {u: c.users[u] for u in MEMBERS}
    by_id = {p.id: u for u, p in people.items()}
    for who in MEMBERS:
        c.auth(who)
    pageinspect = False
    if backend == "postgresql":
        session.commit()
        try:
            session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            session.commit()
            pageinspect = True
        except Exception:  # noqa: BLE001 - a server without the extension: the live rows are still read
            session.rollback()
        assert pageinspect or not os.environ.get("TDKT_REQUIRE_SERVICES"), "pageinspect is not available"
    before = system_rows(session, backend)
    tally_versions = set(row_versions(session, "ballot_tally")) if pageinspect else set()

    # every combination of choices, cast one ballot after the other in a known order
    combos = [("yes", "yes"), ("no", "no"), ("yes", "no"), ("no", "yes")]
    plan = {u: dict(zip((first, second), combos[i % 4], strict=True)) for i, u in enumerate(MEMBERS)}
    for who in MEMBERS:
        c.vote(who, mid, plan[who])
    after = system_rows(session, backend)

    receipts, sealed = after["ballot_receipt"], after["sealed_ballot"]
    # the audit log in its chain's order: a row's place in the heap follows the insertion order only
    # while no earlier test's deleted rows left free space in the table's pages
    ballots_audit = sorted((r for r in after["audit_entry"] if r["action"] == "meeting.ballot"),
                           key=lambda r: r["seq"])
    assert len(receipts) == len(sealed) == 2 * len(MEMBERS) and len(ballots_audit) == len(MEMBERS)

    # 1. what ties rows to one ballot: its transaction (PostgreSQL) and the insertion order (both)
    order = list(dict.fromkeys(by_id[r["user_id"]] for r in receipts))
    assert order == list(MEMBERS)  # the physical order of receipts is the voting order: visible, by design
    groups: dict[str, list[tuple[str, dict]]] = {}
    for rank, who in enumerate(order):
        rows = [("ballot_receipt", r) for r in receipts if by_id[r["user_id"]] == who]
        rows += [("sealed_ballot", r) for r in sealed[2 * rank:2 * rank + 2]]
        rows += [("audit_entry", ballots_audit[rank])]
        if backend == "postgresql":
            xids = {r["_xmin"] for _t, r in rows}
            assert len(xids) == 1, (who, xids)  # one transaction wrote them all
            xid = xids.pop()
            # …and nothing else alive carries that transaction, except rows every ballot rewrites
            others = [(name, r) for name, rs in after.items() for r in rs if r["_xmin"] == xid
                      and (name, r) not in rows and name not in ("ballot_receipt", "sealed_ballot", "audit_entry")]
            assert {name for name, _r in others} <= {"meeting", "audit_chain"}, (who, others)
            assert (others != []) == (rank == len(order) - 1)  # the last ballot's rewrite is the live one
            if pageinspect:
                # no version of a tally row, live or dead, was written by a ballot
                assert int(xid) not in set(row_versions(session, "ballot_tally")), who
        groups[who] = rows

    # 2. each group, with the voter replaced by X and the random columns left out, is the same for
    #    every ballot — whatever its choices (all four combinations are among them)
    def shape(who):
        uid = people[who].id
        out = []
        for name, row in groups[who]:
            plain = {k: ("X" if k in user_columns(name) and v == uid else v) for k, v in _without(name, row).items()}
            if name == "audit_entry":
                plain = {k: v for k, v in plain.items() if k not in ("id", "seq", "created_at", "prev_hash", "hash")}
                plain["actor_name"] = "X" if plain["actor_name"] == who else plain["actor_name"]
            out.append((name, json.dumps(plain, sort_keys=True, default=str)))
        return sorted(out)

    shapes = {who: shape(who) for who in MEMBERS}
    assert all(s == shapes[MEMBERS[0]] for s in shapes.values()), shapes
    assert {tuple(plan[u].values()) for u in MEMBERS} == set(combos)

    # 3. the random columns: the same form for a yes and a no, never repeated
    nonces, tags = [r["nonce"] for r in sealed], [r["tag"] for r in sealed]
    assert {(len(n), len(t)) for n, t in zip(nonces, tags, strict=True)} == {(32, 64)}
    assert all(re.fullmatch(r"[0-9a-f]+", v) for v in nonces + tags)
    assert len(set(nonces)) == len(nonces) and len(set(tags)) == len(tags)

    # 4. nothing in the database opens them: keys made from what a reader holds fail, the
    #    application's key opens every one to the choice its voter made
    meeting = session.get(Meeting, mid)
    salt = meeting.ballot_salt
    guesses = [sealing.meeting_key(secret, salt) for secret in ("", salt, "ballot", str(mid))]
    guesses += [salt.encode(), bytes.fromhex(salt), b""]
    for key in guesses:
        assert all(sealing.unseal(key, r["agenda_item_id"], r["nonce"], r["tag"]) is None for r in sealed)
    with app.app_context():
        key = sealing.key_of(meeting)
    items = {r["id"]: r["proposal_id"] for r in after["agenda_item"] if r["meeting_id"] == mid}
    for who in MEMBERS:
        opened = {items[r["agenda_item_id"]]: sealing.unseal(key, r["agenda_item_id"], r["nonce"], r["tag"])
                  for name, r in groups[who] if name == "sealed_ballot"}
        assert opened == plan[who], who

    # 5. the counts: not one tally row (columns, position, transaction, versions) moved during the vote
    assert [_without("ballot_tally", r) | {"_pos": r["_pos"]} for r in after["ballot_tally"]] == [
        _without("ballot_tally", r) | {"_pos": r["_pos"]} for r in before["ballot_tally"]]
    if backend == "postgresql":
        assert [r["_xmin"] for r in after["ballot_tally"]] == [r["_xmin"] for r in before["ballot_tally"]]
        if pageinspect:
            assert set(row_versions(session, "ballot_tally")) == tally_versions
