"""Appending to and verifying the hash chain. The application never updates or deletes entries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.audit.models import AuditEntry
from workflow.db import utcnow

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

    Two writers racing on one chain collide on the unique (chain, seq) key: the loser's
    transaction fails and changes nothing, which is what a rejected request must do.
    """
    chain = chain or DEPLOYMENT_CHAIN
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.chain == chain)
        .order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        chain=chain,
        seq=(last.seq + 1) if last else 1,
        created_at=utcnow().replace(microsecond=0),
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or str(actor or "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=json.loads(json.dumps(data, default=str)),
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = _entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass
class Broken:
    chain: str
    seq: int
    entry_id: int
    reason: str


def verify(session: Session) -> tuple[int, Broken | None]:
    """Walk every chain; return (entries checked, the first broken link or None)."""
    checked = 0
    chains = session.scalars(select(AuditEntry.chain).distinct().order_by(AuditEntry.chain)).all()
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
    return checked, None


def count(session: Session) -> int:
    return session.scalar(select(func.count(AuditEntry.id))) or 0
