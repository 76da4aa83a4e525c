"""The identity side of a running server: audit trail, sign-in (its throttle and password
pool), sharing, duty coverage.

Built by `vms.services.Services` from the settings; `start()` starts the coverage monitor,
`stop()` cancels it. Start-up creates no grant: the provincial agreement is an explicit,
audited act of a system administrator (`vms grants provincial`, or `POST /api/v1/grants`).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import inspect

from vms.audit import AuditTrail
from vms.auth.hash_pool import HashPool
from vms.auth.sessions import Authenticator
from vms.auth.throttle import MemoryThrottleStore, ThrottleStore
from vms.auth.throttle_redis import RedisThrottleStore
from vms.config import Settings
from vms.coverage import CoverageMonitor
from vms.db.engine import Database
from vms.events import EventBus
from vms.sharing import SharingService

log = logging.getLogger(__name__)


class IdentityServices:
    """Owns the identity components and their background task."""

    def __init__(self, settings: Settings, db: Database, events: EventBus) -> None:
        auth = settings.auth
        self.db = db
        self.audit = AuditTrail(db)
        self.throttle_store: ThrottleStore = (
            RedisThrottleStore(settings.state.redis_url, prefix=settings.site.prefix() + "signin:")
            if settings.state.backend == "redis"
            else MemoryThrottleStore()
        )
        self.auth = Authenticator(auth, db, self.audit, self.throttle_store)
        self.hashing = HashPool(auth.hash_workers, auth.hash_queue)
        self.sharing = SharingService(events, auth.timezone)
        self.coverage = CoverageMonitor(auth.coverage, db, events, auth.timezone)

    async def start(self) -> None:
        if not await asyncio.to_thread(self._schema_ready):
            log.warning("identity tables are missing (migrations not applied); sign-in is off")
            return
        await self.coverage.start()

    def _schema_ready(self) -> bool:
        return inspect(self.db.engine).has_table("grants")

    async def stop(self) -> None:
        await self.coverage.stop()
        self.hashing.close()
        if isinstance(self.throttle_store, RedisThrottleStore):
            self.throttle_store.close()
