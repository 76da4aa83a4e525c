"""PTZ control as the routes use it: who holds a camera, and commands that claim it first.

Every act goes through `_record`, which writes the audit row and publishes the event of that
one change together (the session change itself is the store's atomic step just before): a take,
a take-over (the displaced holder is told why, by an event addressed to them), a refusal, a
command and a release are each one record with user, agency, camera and reason. A session
that runs out by itself is recorded too (`ptz.release`, reason "expired", in the holder's name),
by whichever process of the site the store hands the lapse to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from vms.access import ControlDecision, as_utc
from vms.audit import AuditEntry, AuditTrail
from vms.auth.principal import Principal
from vms.errors import Conflict, VmsError
from vms.events import EventBus, EventSubscription
from vms.ptz.arbitration import Claim, ClaimResult, Holder
from vms.ptz.config import PtzConfig
from vms.ptz.driver import CameraUnreachable, PtzCapabilities, PtzDriver, PtzUnsupported
from vms.ptz.store import ControlStore

log = logging.getLogger(__name__)

DriverFactory = Callable[[int], Awaitable[PtzDriver | None]]
"""Camera id -> its PTZ driver, or None when the camera has no PTZ."""
CameraAgency = Callable[[int], Awaitable[int | None]]
"""Camera id -> the agency that owns it (None: the camera is gone), for the lapse records."""

CAMERA_CHANGED = "camera.changed"  # published by the camera routes (vms.api.routes.cameras)
TAKEN_OVER = "ptz.taken_over"
"""Event topic: someone with a higher priority took a camera from `data["user_id"]`."""

T = TypeVar("T")


async def no_ptz(_camera_id: int) -> PtzDriver | None:
    """The default driver factory: no camera has PTZ until a real factory is plugged in."""
    return None


async def unknown_agency(_camera_id: int) -> int | None:
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """The camera a command is for, as the audit needs it."""

    camera_id: int
    agency_id: int


def holder_out(holder: Holder | None) -> dict[str, Any] | None:
    """The API's `holder`: user, agency, priority, until (ISO 8601 UTC), reserved."""
    if holder is None:
        return None
    return {
        "user": holder.username,
        "agency": holder.agency_id,
        "priority": holder.priority,
        "until": datetime.fromtimestamp(holder.until, UTC).isoformat(),
        "reserved": holder.reserved,
    }


def _refusal(camera_id: int, held: Holder | None) -> str:
    if held is None:
        return f"camera {camera_id} is controlled by someone else"
    until = datetime.fromtimestamp(held.until, UTC).isoformat(timespec="seconds")
    why = "a maintenance reservation" if held.reserved else f"priority {held.priority}"
    return f"camera {camera_id} is controlled by {held.username} ({why}) until {until}"


class PtzControl:
    """Arbitrated PTZ commands for every camera of the site."""

    def __init__(
        self,
        config: PtzConfig,
        store: ControlStore,
        audit: AuditTrail,
        events: EventBus,
        driver_factory: DriverFactory = no_ptz,
        camera_agency: CameraAgency = unknown_agency,
    ) -> None:
        self.config = config
        self.store = store
        self.audit = audit
        self.events = events
        self.driver_factory = driver_factory
        self.camera_agency = camera_agency
        self._drivers: dict[int, PtzDriver] = {}
        self._task: asyncio.Task[None] | None = None
        self._lapses: asyncio.Task[None] | None = None
        self._opening = asyncio.Lock()
        self._caps: dict[int, PtzCapabilities] = {}

    async def start(self) -> None:
        """Follow registry changes: a changed camera's driver is reopened on its next use (its
        address or credentials may have changed)."""
        sub = self.events.subscribe(CAMERA_CHANGED, maxsize=100)
        self._task = asyncio.create_task(self._follow(sub), name="ptz-drivers")
        self._lapses = asyncio.create_task(self._watch_lapses(), name="ptz-lapses")

    async def _watch_lapses(self) -> None:
        while True:
            await asyncio.sleep(self.config.lapse_check_s)
            try:
                await self.record_lapses()
            except Exception:  # Redis away: the store keeps them for the next look
                log.warning("ptz: lapsed sessions not read yet", exc_info=True)

    async def record_lapses(self) -> int:
        """Audit every session the store says ran out (handed to this process alone)."""
        lapsed = await self.store.lapsed()
        for camera_id, holder in lapsed:
            detail: dict[str, Any] = {
                "reason": "expired",
                "priority": holder.priority,
                "holder": holder_out(holder),
            }
            detail |= _emergency_detail(holder.emergency_id)
            entry = AuditEntry(
                action="ptz.release",
                user_id=holder.user_id,
                username=holder.username,
                agency_id=holder.agency_id,
                camera_id=camera_id,
                camera_agency_id=await self.camera_agency(camera_id),
                detail=detail,
            )
            try:
                await asyncio.to_thread(self.audit.append, entry)
            except Exception:  # the store has let it go: say which, so it can be re-entered
                log.exception(
                    "ptz: the lapse of %s's session on camera %d (until %s) was not audited",
                    holder.username,
                    camera_id,
                    datetime.fromtimestamp(holder.until, UTC).isoformat(timespec="seconds"),
                )
        return len(lapsed)

    async def _follow(self, sub: EventSubscription) -> None:
        try:
            while True:
                event = await sub.get()
                if event is None:
                    return
                for camera_id in event.data.get("camera_ids") or ():
                    if isinstance(camera_id, int):
                        await self.forget(camera_id)
        finally:
            sub.close()

    async def stop(self) -> None:
        """Stop following changes; close every driver opened and the store."""
        for task in (self._task, self._lapses):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._lapses = None
        for driver in self._drivers.values():
            with contextlib.suppress(Exception):
                await driver.close()
        self._drivers.clear()
        self._caps.clear()
        await self.store.close()

    async def driver(self, camera_id: int) -> PtzDriver:
        """The camera's driver (opened once, kept), or PtzUnsupported when it has no PTZ."""
        driver = self._drivers.get(camera_id)
        if driver is not None:
            return driver
        async with self._opening:  # two first commands at once open one driver, not two
            driver = self._drivers.get(camera_id)
            if driver is None:
                driver = await self.driver_factory(camera_id)
                if driver is None:
                    raise PtzUnsupported(f"camera {camera_id} has no PTZ")
                self._drivers[camera_id] = driver
            return driver

    async def capabilities(self, camera_id: int) -> PtzCapabilities:
        """What the camera offers, read once per driver (not a camera round trip per move)."""
        caps = self._caps.get(camera_id)
        if caps is None:
            caps = await self.call(camera_id, lambda d: d.capabilities())
            self._caps[camera_id] = caps
        return caps

    async def forget(self, camera_id: int) -> None:
        """Drop a camera's driver (its address or credentials changed)."""
        self._caps.pop(camera_id, None)
        driver = self._drivers.pop(camera_id, None)
        if driver is not None:
            with contextlib.suppress(Exception):
                await driver.close()

    def priority(self, decision: ControlDecision) -> int:
        """The caller's priority on this camera: the configured number of their standing."""
        assert decision.standing is not None, "priority of a refused decision"
        return self.config.priorities.of(decision.standing)

    async def call(self, camera_id: int, op: Callable[[PtzDriver], Awaitable[T]]) -> T:
        """Run one driver operation, bounded by the configured command timeout."""
        driver = await self.driver(camera_id)
        try:
            return await asyncio.wait_for(op(driver), self.config.command_timeout_s)
        except TimeoutError:
            raise CameraUnreachable(f"camera {camera_id} did not answer in time") from None

    async def take(
        self,
        principal: Principal,
        target: Target,
        decision: ControlDecision,
        *,
        reserve_minutes: int | None = None,
        why: str = "command",
    ) -> ClaimResult:
        """Claim control (renew, take, take over) or raise Conflict naming the holder."""
        reserve = reserve_minutes is not None
        hold_s = reserve_minutes * 60.0 if reserve_minutes else self.config.session_timeout_s
        now = time.time()
        if decision.emergency_ends_at is not None:  # lapses with the emergency, by time
            hold_s = max(0.0, min(hold_s, as_utc(decision.emergency_ends_at).timestamp() - now))
        request = Claim(
            principal.user_id,
            principal.username,
            principal.agency_id,
            self.priority(decision),
            hold_s,
            reserve,
            decision.emergency_id,
        )
        result = await self.store.claim(target.camera_id, request, now)
        detail: dict[str, Any] = {
            "priority": request.priority,
            "standing": decision.standing,
            "reason": why,
            "reserve": reserve,
            **_under_emergency(decision),
        }
        if result.outcome == "refused":
            held = result.previous
            detail["holder"] = holder_out(held)
            await self._record(principal, "ptz.refused", target, detail, outcome="denied")
            raise Conflict(_refusal(target.camera_id, held), details={"holder": holder_out(held)})
        if result.outcome == "took_over" and result.previous is not None:
            prev = result.previous
            detail["previous"] = holder_out(prev)
            notice = {
                "user_id": prev.user_id,
                "camera_id": target.camera_id,
                "by": principal.username,
                "by_agency": principal.agency_id,
                "priority": request.priority,
                "reason": f"taken over by {principal.username} with a higher priority "
                f"({request.priority} over {prev.priority})",
            }
            await self._record(principal, "ptz.take_over", target, detail, (TAKEN_OVER, notice))
        elif result.outcome == "taken":
            await self._record(principal, "ptz.take", target, detail)
        elif reserve or why == "session":  # an explicit renewal; a command records itself
            detail["renewed"] = True
            await self._record(principal, "ptz.reserve" if reserve else "ptz.take", target, detail)
        return result

    async def command(
        self,
        principal: Principal,
        target: Target,
        decision: ControlDecision,
        action: str,
        op: Callable[[PtzDriver], Awaitable[T]],
        detail: dict[str, Any],
    ) -> tuple[T, ClaimResult]:
        """Claim the camera (implicitly), run `op` on its driver and audit the command; the
        driver's answer and the claim (who holds control now)."""
        await self.driver(target.camera_id)  # no PTZ: refuse before taking a session
        claimed = await self.take(principal, target, decision, why=action)
        detail = {**detail, **_under_emergency(decision)}
        try:
            value = await self.call(target.camera_id, op)
        except VmsError as exc:
            failed = {**detail, "error": exc.code}
            await self._record(principal, action, target, failed, outcome="failed")
            raise
        await self._record(principal, action, target, detail)
        return value, claimed

    async def release(
        self, principal: Principal, target: Target, decision: ControlDecision
    ) -> Holder | None:
        """End one's own session, or clear another's with a priority at least theirs."""
        priority = self.priority(decision)
        result = await self.store.release(target.camera_id, principal.user_id, priority)
        detail: dict[str, Any] = {"priority": priority, "holder": holder_out(result.previous)}
        if result.outcome == "refused":
            detail["reason"] = "lower priority than the holder"
            await self._record(principal, "ptz.release", target, detail, outcome="denied")
            held = result.previous
            raise Conflict(_refusal(target.camera_id, held), details={"holder": holder_out(held)})
        if result.outcome == "none":
            return None
        detail["reason"] = "own session" if result.outcome == "released" else "cleared"
        notice = None
        prev = result.previous
        if result.outcome == "cleared" and prev is not None:
            notice = (
                TAKEN_OVER,
                {
                    "user_id": prev.user_id,
                    "camera_id": target.camera_id,
                    "by": principal.username,
                    "by_agency": principal.agency_id,
                    "priority": priority,
                    "reason": f"session cleared by {principal.username} ({priority})",
                },
            )
        await self._record(principal, "ptz.release", target, detail, notice)
        return prev

    async def end_session(
        self,
        principal: Principal,
        target: Target,
        should: Callable[[Holder], bool],
        detail: dict[str, Any],
        reason: str,
    ) -> Holder | None:
        """End the camera's session if `should(session)` holds at the atomic step (the
        emergency's edges): audited as `ptz.release`, the holder told why by a notice."""
        result = await self.store.revoke(target.camera_id, should)
        prev = result.previous
        if result.outcome != "cleared" or prev is None:
            return None
        notice = {
            "user_id": prev.user_id,
            "camera_id": target.camera_id,
            "by": principal.username,
            "by_agency": principal.agency_id,
            "priority": self.config.priorities.of("emergency"),
            "reason": reason,
        }
        full = {**detail, "holder": holder_out(prev), "reason": reason}
        await self._record(principal, "ptz.release", target, full, (TAKEN_OVER, notice))
        return prev

    async def _record(
        self,
        principal: Principal,
        action: str,
        target: Target,
        detail: dict[str, Any],
        event: tuple[str, dict[str, Any]] | None = None,
        *,
        outcome: str = "ok",
    ) -> None:
        entry = AuditEntry.by(
            principal,
            action,
            outcome=outcome,
            camera_id=target.camera_id,
            camera_agency_id=target.agency_id,
            detail=detail,
        )
        await asyncio.to_thread(self.audit.append, entry)
        if event is not None:
            self.events.publish(*event)


def _under_emergency(decision: ControlDecision) -> dict[str, Any]:
    """Audit detail marking an act only the governor's override allowed (the receipts read it)."""
    return _emergency_detail(decision.emergency_id)


def _emergency_detail(emergency_id: int | None) -> dict[str, Any]:
    if emergency_id is None:
        return {}
    return {"emergency_id": emergency_id, "under_emergency": True}
