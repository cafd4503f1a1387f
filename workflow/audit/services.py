"""Appending to and verifying the hash chain. The application never updates or deletes entries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workflow.audit.models import AuditChain, AuditEntry
from workflow.db import insert_ignoring_duplicates, utcnow

GENESIS = "0" * 64
DEPLOYMENT_CHAIN = "*"


def _entry_hash(entry: AuditEntry) -> str:
    payload = {
        "chain": entry.chain,
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session, *, chain: str | None, actor, action: str, object_type: str, object_id, data: dict
) -> AuditEntry:
    """Append one entry to ``chain`` (an authority code; None = the deployment's chain).

    The chain head is claimed first (an UPDATE), so concurrent writers to one chain wait for
    each other instead of colliding; the entry is part of the caller's transaction.
    """
    return record_many(session, chain=chain, actor=actor,
                       entries=[(action, object_type, object_id, data)])[0]


def record_many(session: Session, *, chain: str | None, actor, entries: list[tuple[str, str, object, dict]]
                ) -> list[AuditEntry]:
    """Append ``entries`` — ``(action, object_type, object_id, data)`` each — to ``chain`` in that
    order, one entry each, every one linked to the one before exactly as :func:`record` links them.

    The chain head is claimed once for all of them (one UPDATE moves its seq by ``len(entries)``,
    taking its lock as :func:`record` does), the hashes are computed in turn, the head gets the last
    one and the entries are inserted in one flush — part of the caller's transaction, so they are
    written with the rows they describe or not at all (a bulk nomination: one entry per proposal
    created, one round-trip instead of three per entry)."""
    if not entries:
        return []
    chain = chain or DEPLOYMENT_CHAIN
    head = _claim_head(session, chain, len(entries))
    seq, previous = head.seq - len(entries), head.hash
    created_at = utcnow().replace(microsecond=0)
    actor_id = getattr(actor, "id", None)
    actor_name = getattr(actor, "username", None) or str(actor or "system")
    written = []
    for action, object_type, object_id, data in entries:
        seq += 1
        entry = AuditEntry(chain=chain, seq=seq, created_at=created_at, actor_id=actor_id, actor_name=actor_name,
                           action=action, object_type=object_type, object_id=str(object_id),
                           data=json.loads(json.dumps(data, default=str)), prev_hash=previous)
        entry.hash = previous = _entry_hash(entry)
        written.append(entry)
    session.execute(update(AuditChain).where(AuditChain.chain == chain).values(hash=previous))
    session.add_all(written)
    session.flush()
    return written


def _claim_head(session: Session, chain: str, entries: int = 1):
    """Bump the chain head's seq by ``entries`` (taking its lock) and return (new seq, previous hash)."""
    stmt = (update(AuditChain).where(AuditChain.chain == chain).values(seq=AuditChain.seq + entries)
            .returning(AuditChain.seq, AuditChain.hash))
    row = session.execute(stmt).first()
    if row is None:
        # first entry of this chain: create the head unless a racing writer just did
        insert_ignoring_duplicates(session, AuditChain, [{"chain": chain, "seq": 0, "hash": GENESIS}])
        row = session.execute(stmt).first()
    return row


@dataclass
class Broken:
    chain: str
    seq: int
    entry_id: int
    reason: str


def verify(session: Session) -> tuple[int, Broken | None]:
    """Walk every chain; return (entries checked, the first broken link or None)."""
    checked = 0
    # every chain that has entries, and every chain head (a head whose entries all vanished is broken)
    chains = sorted(set(session.scalars(select(AuditEntry.chain).distinct()))
                    | set(session.scalars(select(AuditChain.chain))))
    for chain in chains:
        previous, expected_seq = GENESIS, 1
        rows = session.scalars(select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq))
        for entry in rows:
            checked += 1
            if entry.seq != expected_seq:
                return checked, Broken(chain, expected_seq, entry.id, f"entry {expected_seq} is missing")
            if entry.prev_hash != previous:
                return checked, Broken(chain, entry.seq, entry.id, "does not link to the previous entry")
            if _entry_hash(entry) != entry.hash:
                return checked, Broken(chain, entry.seq, entry.id, "content does not match its hash")
            previous, expected_seq = entry.hash, expected_seq + 1
        head = session.get(AuditChain, chain)
        if head is not None and head.seq != expected_seq - 1:
            return checked, Broken(chain, expected_seq, 0, f"entries after #{expected_seq - 1} are missing")
        if head is not None and head.seq > 0 and head.hash != previous:
            # the last entry was rewritten (its own hash recomputed): the head still holds the original
            return checked, Broken(chain, head.seq, 0, "the last entry does not match the chain head")
    return checked, None


def count(session: Session) -> int:
    return session.scalar(select(func.count(AuditEntry.id))) or 0
