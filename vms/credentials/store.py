"""Reading and writing a camera's credentials through a unit of work that carries the site's
keys (`Database(url, keys=...)` puts them in every session's `info`). The only code that sees
a camera's user name and password in the clear."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vms.credentials.keys import KeyRing
from vms.db.models.registry import Camera, CameraCredential
from vms.errors import ConfigError

INFO_KEY = "credential_keys"


def keys_of(session: Session) -> KeyRing:
    """The keys of the database this session belongs to; ConfigError when it was built
    without them (a tool that must not touch credentials)."""
    keys = session.info.get(INFO_KEY)
    if not isinstance(keys, KeyRing):
        raise ConfigError(
            "camera credentials need the site's credential keys, and this database was "
            "opened without them"
        )
    return keys


def reveal(session: Session, camera: Camera) -> tuple[str, str] | None:
    """(user name, password) of the camera, or None when it has none."""
    cred = camera.credential
    if cred is None:
        return None
    return keys_of(session).open(cred.key_id, cred.sealed)


def store(session: Session, camera: Camera, username: str, password: str) -> None:
    """Seal the camera's credentials under the primary key (replacing any it had)."""
    key_id, sealed = keys_of(session).seal(username, password)
    if camera.credential is None:
        camera.credential = CameraCredential(key_id=key_id, sealed=sealed)
    else:
        camera.credential.key_id = key_id
        camera.credential.sealed = sealed
