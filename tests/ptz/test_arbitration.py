"""The arbitration rule: every pair of default priorities, expiry, reservations."""

from __future__ import annotations

from itertools import product

import pytest

from vms.ptz.arbitration import Claim, Holder, claim, release
from vms.ptz.config import PtzPriorities

DEFAULTS = PtzPriorities().model_dump()
STANDINGS = [s for s in DEFAULTS if s != "emergency"]
NOW = 1_000_000.0


def holder_of(
    standing: str, *, user_id: int = 1, until: float = NOW + 10, reserved=False
) -> Holder:
    return Holder(user_id, f"u{user_id}", 100 + user_id, DEFAULTS[standing], until, reserved)


def claim_of(standing: str, *, user_id: int = 2, reserve: bool = False) -> Claim:
    return Claim(user_id, f"u{user_id}", 100 + user_id, DEFAULTS[standing], 15.0, reserve)


def test_the_default_priorities_are_the_issue_table() -> None:
    assert DEFAULTS == {
        "emergency": 30000,
        "system_admin": 20000,
        "command_supervisor": 10000,
        "agency_admin": 8000,
        "agency_staff": 5000,
        "command_operator": 4000,
        "shared": 3000,
    }


@pytest.mark.parametrize(("held", "asking"), list(product(STANDINGS, STANDINGS)))
def test_every_pair_of_default_priorities(held: str, asking: str) -> None:
    current = holder_of(held)
    result = claim(current, claim_of(asking), NOW)
    if DEFAULTS[asking] > DEFAULTS[held]:
        assert result.outcome == "took_over"
        assert result.holder.user_id == 2 and result.holder.until == NOW + 15
        assert result.previous == current
    else:
        assert result.outcome == "refused"
        assert result.holder == current and result.previous == current


@pytest.mark.parametrize(("held", "asking"), list(product(STANDINGS, STANDINGS)))
def test_a_reservation_ignores_every_priority(held: str, asking: str) -> None:
    current = holder_of(held, until=NOW + 3600, reserved=True)
    assert claim(current, claim_of(asking), NOW).outcome == "refused"


@pytest.mark.parametrize(("held", "asking"), list(product(STANDINGS, STANDINGS)))
def test_only_a_higher_or_equal_priority_clears_another_session(held: str, asking: str) -> None:
    current = holder_of(held, until=NOW + 3600, reserved=True)
    result = release(current, 2, DEFAULTS[asking], NOW)
    expected = "cleared" if DEFAULTS[asking] >= DEFAULTS[held] else "refused"
    assert result.outcome == expected and result.previous == current


def test_the_emergency_seam_is_above_all() -> None:
    assert all(DEFAULTS["emergency"] > DEFAULTS[s] for s in STANDINGS)


def test_a_free_camera_is_taken_and_an_expired_session_is_free() -> None:
    assert claim(None, claim_of("shared"), NOW).outcome == "taken"
    expired = holder_of("system_admin", until=NOW)
    result = claim(expired, claim_of("shared"), NOW)
    assert result.outcome == "taken" and result.holder.user_id == 2
    assert claim(holder_of("system_admin", until=NOW + 0.001), claim_of("shared"), NOW).outcome == (
        "refused"
    )


def test_the_holder_renews_with_each_command() -> None:
    current = holder_of("shared", user_id=2, until=NOW + 1)
    result = claim(current, claim_of("shared"), NOW + 0.5)
    assert result.outcome == "renewed" and result.holder.until == NOW + 15.5


def test_a_command_inside_ones_own_reservation_keeps_it() -> None:
    reserved = holder_of("shared", user_id=2, until=NOW + 3600, reserved=True)
    result = claim(reserved, claim_of("shared"), NOW)
    assert result.outcome == "renewed"
    assert result.holder.reserved and result.holder.until == NOW + 3600


def test_a_reservation_ends_when_it_expires() -> None:
    reserved = holder_of("system_admin", until=NOW + 60, reserved=True)
    assert claim(reserved, claim_of("shared"), NOW + 59).outcome == "refused"
    assert claim(reserved, claim_of("shared"), NOW + 60).outcome == "taken"


def test_a_higher_priority_can_reserve_over_a_lower_session() -> None:
    current = holder_of("shared")
    result = claim(current, claim_of("agency_admin", reserve=True), NOW)
    assert result.outcome == "took_over" and result.holder.reserved


def test_release_by_the_holder_and_of_nothing() -> None:
    current = holder_of("system_admin", user_id=2)
    assert release(current, 2, DEFAULTS["shared"], NOW).outcome == "released"
    assert release(None, 2, 1, NOW).outcome == "none"
    assert release(holder_of("shared", until=NOW - 1), 2, 1, NOW).outcome == "none"


@pytest.mark.parametrize("standing", STANDINGS)
def test_the_emergency_command_takes_over_a_reservation_of_any_standing(standing: str) -> None:
    reserved = holder_of(standing, reserved=True)
    command = Claim(2, "gov", 102, DEFAULTS["emergency"], 15.0, emergency_id=7)
    result = claim(reserved, command, NOW)
    assert result.outcome == "took_over" and result.holder.emergency_id == 7
    # the same priority without the emergency mark respects the reservation
    plain = Claim(2, "gov", 102, DEFAULTS["emergency"], 15.0)
    assert claim(reserved, plain, NOW).outcome == "refused"
    # a second governor user at the same standing does not take over the first
    held = result.holder
    rival = Claim(3, "gov2", 103, DEFAULTS["emergency"], 15.0, emergency_id=7)
    assert claim(held, rival, NOW).outcome == "refused"
