"""The wall decision (`decide_wall`) as a pure function: every role against its own agency's
wall and another's, for each action, locked and not; and the walls migration matches the model."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import vms.db.models.walls  # noqa: F401  (registers the table)
from vms.access import WallAction, decide_wall
from vms.auth.principal import Principal, permissions_for
from vms.auth.roles import Role
from vms.db.base import Base
from vms.db.migrate import current_heads, upgrade

A = WallAction
OWN, OTHER = 1, 2


@dataclass(frozen=True)
class WallStub:
    agency_id: int
    pushed_by_user_id: int | None = None


def who(role: Role, user_id: int = 7) -> Principal:
    return Principal(user_id, "u", "U", OWN, role, permissions_for(role, None))


# role -> (push own, push other, view other)
STEER = {
    Role.SYSTEM_ADMIN: (True, True, True),
    Role.SUPERVISOR: (True, True, True),
    Role.AGENCY_ADMIN: (True, False, False),
    Role.OPERATOR: (False, False, False),
    Role.DESK_OFFICER: (False, False, False),
    Role.GOVERNOR: (False, False, False),
    Role.NATIONAL: (False, False, False),
}


@pytest.mark.parametrize("role", list(Role))
def test_push_view_return_unlock_for_every_role(role: Role) -> None:
    push_own, push_other, view_other = STEER[role]
    p = who(role)
    own, other = WallStub(OWN, pushed_by_user_id=99), WallStub(OTHER, pushed_by_user_id=99)
    assert bool(decide_wall(p, A.PUSH, own)) is push_own
    assert bool(decide_wall(p, A.PUSH, other)) is push_other
    assert decide_wall(p, A.VIEW, own)  # the wall's own agency always sees it
    assert bool(decide_wall(p, A.VIEW, other)) is view_other
    # an unlocked push: anyone of the wall's agency returns; a locked one only steerers
    assert decide_wall(p, A.RETURN, own, locked=False)
    assert bool(decide_wall(p, A.RETURN, own, locked=True)) is push_own
    assert bool(decide_wall(p, A.UNLOCK, own)) is push_own
    assert bool(decide_wall(p, A.RETURN, other, locked=False)) is push_other


def test_the_pusher_may_always_unlock_and_return() -> None:
    p = who(Role.OPERATOR, user_id=5)
    mine = WallStub(OTHER, pushed_by_user_id=5)
    assert decide_wall(p, A.UNLOCK, mine)
    assert decide_wall(p, A.RETURN, mine, locked=True)


def test_walls_migration_matches_the_model(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        assert "0009_walls" in current_heads(engine)
        assert "walls" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert [d for d in diff if "walls" in repr(d)] == []
    finally:
        engine.dispose()
