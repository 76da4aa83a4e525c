"""The identity side of a running server: audit trail, sign-in, sharing, duty coverage.

Built by `vms.services.Services` from the settings; `start()` seeds the provincial grant and
starts the coverage monitor, `stop()` cancels it.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import inspect

from vms.audit import AuditTrail
from vms.auth.sessions import Authenticator
from vms.config import Settings
from vms.coverage import CoverageMonitor
from vms.db.engine import Database
from vms.events import EventBus
from vms.sharing import SharingService, seed_provincial_grant

log = logging.getLogger(__name__)


class IdentityServices:
    """Owns the identity components and their background task."""

    def __init__(self, settings: Settings, db: Database, events: EventBus) -> None:
        auth = settings.auth
        self.db = db
        self.audit = AuditTrail(db)
        self.auth = Authenticator(auth, db, self.audit)
        self.sharing = SharingService(events, auth.timezone)
        self.coverage = CoverageMonitor(auth.coverage, db, events, auth.timezone)

    async def start(self) -> None:
        if not await asyncio.to_thread(self._schema_ready):
            log.warning("identity tables are missing (migrations not applied); sign-in is off")
            return
        await asyncio.to_thread(self.seed)
        await self.coverage.start()

    def _schema_ready(self) -> bool:
        return inspect(self.db.engine).has_table("grants")

    async def stop(self) -> None:
        await self.coverage.stop()

    def seed(self) -> None:
        """Give each command center its visible "every agency, live" grant (once)."""
        with self.db.session() as session:
            created = seed_provincial_grant(session)
        for grant in created:
            log.info(
                "seeded the provincial grant %d to agency %d", grant.id, grant.grantee_agency_id
            )
            self.sharing.announce(grant)
