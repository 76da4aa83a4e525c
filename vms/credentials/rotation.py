"""Rotation: every stored credential re-sealed under the primary key in one transaction, and
what each key still seals (so an old key is dropped only when nothing needs it)."""

from __future__ import annotations

from sqlalchemy import func, select

from vms.credentials.store import keys_of
from vms.db.engine import Database
from vms.db.models.registry import CameraCredential


def reseal_all(db: Database) -> int:
    """Re-seal every credential not under the primary key; all or nothing. Returns how many.
    CredentialKeyError (nothing changed) when one does not open with the configured keys."""
    with db.session() as session:
        keys = keys_of(session)
        keys.refresh()
        primary = keys.primary
        rows = session.scalars(
            select(CameraCredential).where(CameraCredential.key_id != primary).with_for_update()
        ).all()
        for row in rows:
            username, password = keys.open(row.key_id, row.sealed)
            row.key_id, row.sealed = keys.seal(username, password)
        return len(rows)


def usage(db: Database) -> dict[str, int]:
    """Key id -> how many credentials it seals now."""
    with db.session() as session:
        counted = session.execute(
            select(CameraCredential.key_id, func.count()).group_by(CameraCredential.key_id)
        ).all()
        return {key_id: count for key_id, count in counted}
