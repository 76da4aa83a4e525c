"""The parts of one running server, built from the settings and owned here.

`Services` constructs every component (no I/O), starts them in order and stops them in reverse,
so every background task has an owner that cancels it on shutdown. Routes reach it through
`vms.api.deps`; tests build one from a Settings object in one line.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry

from ingest.frame_bus import FrameBus
from ingest.health import HealthRegistry, StreamHealth
from ingest.metrics import IngestCollector
from ingest.packet import StreamKey
from ingest.snapshot import SnapshotService
from ingest.supervisor import IngestSupervisor
from relay.manager import RelayManager
from relay.metrics import RelayCollector
from vms.auth.client_addr import parse_networks
from vms.auth.hash_pool import HashPoolCollector
from vms.auth.parts import IdentityServices
from vms.camera_sync import CameraSync
from vms.config import Settings
from vms.credentials.keys import load_keys
from vms.db.engine import Database
from vms.db.migrate import upgrade as upgrade_database
from vms.db.models.registry import Camera
from vms.emergency.service import EmergencyService
from vms.events import EventBus, InProcessEventBus
from vms.events_redis import RedisEventBus
from vms.evidence.clips import ClipSource, RecordedClips
from vms.evidence.exporter import Exporter
from vms.ptz.control import DriverFactory, PtzControl
from vms.ptz.onvif_factory import onvif_factory
from vms.ptz.store import ControlStore, MemoryControlStore, RedisControlStore
from vms.recording.metrics import RecordingCollector
from vms.recording.service import RecordingService
from vms.registry.import_jobs import ImportJobs
from vms.registry.url_policy import url_policy
from vms.site.membership import LocalSite, RedisSite, build_site
from vms.site.metrics import SiteCollector
from vms.uptime.alerts import AvailabilityAlert
from vms.uptime.recorder import StreamStateRecorder
from vms.view_access import ViewAccessWatcher
from vms.view_audit import ViewAudit

log = logging.getLogger(__name__)


class Services:
    """Everything a running server owns."""

    def __init__(self, settings: Settings, ptz_drivers: DriverFactory | None = None) -> None:
        self.settings = settings
        self.trusted_proxies = parse_networks(settings.server.trusted_proxies)
        self.keys = load_keys(settings.credentials.key_file)  # ConfigError: no key, no start
        self.db = Database(settings.database.url, self.keys)
        self.events: EventBus = (
            RedisEventBus(settings.state.redis_url, prefix=settings.site.prefix() + "events:")
            if settings.state.backend == "redis"
            else InProcessEventBus()
        )
        self.bus = FrameBus(
            subscriber_queue_packets=settings.ingest.subscriber_queue_packets,
            gop_cache_max_packets=settings.ingest.gop_cache_max_packets,
        )
        self.health = HealthRegistry()
        self.stream_states = StreamStateRecorder(  # the one writer of stream_states
            self.db, held_elsewhere=lambda ids: self.site.held_elsewhere(ids)
        )
        self.health.add_removal_listener(self._stream_removed)
        self.ingest = IngestSupervisor(
            settings.ingest, self.bus, self.health, on_state_change=self._camera_state
        )
        self.snapshots = SnapshotService(self.bus, self.health)
        self.metrics = CollectorRegistry(auto_describe=False)  # per app, never the global one
        self.metrics.register(
            IngestCollector(self.health, self.bus, lambda: self.ingest.handoff_drops)
        )
        self.identity = IdentityServices(settings, self.db, self.events)
        self.metrics.register(HashPoolCollector(self.identity.hashing))
        self.emergency = EmergencyService(
            settings.emergency, self.db, self.identity.audit, self.events
        )
        self.view_audit = ViewAudit(self.identity.audit, self.db, self.emergency.override)
        self.relay = RelayManager(
            settings.relay,
            self.bus,
            ingest=lambda: getattr(self, "ingest", None),
            offline_reason=lambda key: getattr(self.health.get(key), "reason", None),
            on_start=self.view_audit.started,
            on_end=self.view_audit.ended,
            # a site of several nodes counts the per-user and per-address caps across them
            admission=lambda: getattr(getattr(self, "site", None), "sessions", None),
        )
        self.view_access = ViewAccessWatcher(
            self.relay, self.db, self.identity.auth, self.events, emergency=self.emergency.override
        )
        self.metrics.register(RelayCollector(self.relay.stats))
        # the site decides which of the registry's cameras this process pulls (all, alone)
        self.site: LocalSite | RedisSite = build_site(
            settings.site,
            backend=settings.state.backend,
            redis_url=settings.state.redis_url,
            host=settings.server.host,
            port=settings.server.port,
            ingest=lambda: getattr(self, "ingest", None),
            viewers=lambda: len(self.relay),
            health=self.health,
        )
        self.metrics.register(SiteCollector(self.site))
        # site-wide alerts: every node follows them, the site's leader announces them
        self.identity.coverage.announce = self.site.leads
        self.camera_sync = CameraSync(
            self.db, self.events, ingest=lambda: self.site, emergency=self.emergency.override
        )
        ptz_store: ControlStore = (
            RedisControlStore(
                settings.state.redis_url, prefix=settings.site.prefix() + "ptz:session:"
            )
            if settings.state.backend == "redis"
            else MemoryControlStore()
        )
        self.ptz = PtzControl(
            settings.ptz,
            ptz_store,
            self.identity.audit,
            self.events,
            ptz_drivers or onvif_factory(self.db, url_policy(settings)),  # with an onvif_url
            camera_agency=lambda cam: asyncio.to_thread(self._camera_agency, cam),
        )
        # exports read the recording store (set below); None: exports fail "not available"
        self.clip_source: ClipSource | None = None
        self.evidence = Exporter(
            settings.evidence,
            settings.site_name,
            self.db,
            self.identity.audit,
            lambda: self.clip_source,
        )

        self.uptime_alert = AvailabilityAlert(
            settings.reports, self.db, self.identity.audit, self.events, announce=self.site.leads
        )

        self.imports = ImportJobs()  # import jobs with progress (vms/registry/import_jobs.py)
        self.recordings = RecordingService(  # recorder, index, retention; clips read from it
            settings.recording,
            self.db,
            self.bus,
            self.events,
            offline_reason=lambda key: getattr(self.health.get(key), "reason", None),
            emergency=self.emergency.override,
            holds=lambda camera_id: self.site.holds(camera_id),
            held_elsewhere=lambda ids: self.site.held_elsewhere(ids),
            leads=lambda: self.site.leads(),
        )
        self.metrics.register(RecordingCollector(self.recordings))
        if settings.recording.enabled:
            self.clip_source = RecordedClips(self.recordings)
        self.started = False

    def _camera_agency(self, camera_id: int) -> int | None:
        with self.db.session() as session:
            camera = session.get(Camera, camera_id)
            return None if camera is None else camera.agency_id

    async def start(self) -> None:
        """Prepare the database and start the background parts."""
        await asyncio.to_thread(upgrade_database, self.db.engine, keys=self.keys)
        await self.events.start()
        await self.identity.start()
        await self.emergency.start()
        await self.view_audit.start()
        await self.relay.start()
        await self.view_access.start()
        await self.stream_states.start()
        await self.ingest.start()
        await self.site.start()
        await self.camera_sync.start()
        await self.ptz.start()
        await self.evidence.start()

        await self.uptime_alert.start()
        await self.recordings.start()
        self.started = True

    async def stop(self) -> None:
        """Stop the background parts in reverse order of start."""
        self.started = False
        await self.evidence.stop()

        await self.uptime_alert.stop()

        await asyncio.to_thread(self.imports.close)  # a running import finishes its transaction
        await self.recordings.stop()
        await self.camera_sync.stop()
        await self.site.stop()
        await self.ptz.stop()
        await self.ingest.stop()
        await self.stream_states.stop()
        await self.view_access.stop()
        await self.relay.stop()
        await self.view_audit.stop()
        await self.emergency.stop()
        await self.identity.stop()
        await self.events.stop()
        self.db.dispose()

    def _stream_removed(self, key: StreamKey) -> None:
        if self.site.handed_over(key.camera_id):
            self.stream_states.forget(key)  # moved to another node, which records its states
            return
        self.stream_states.removed(key)

    def _camera_state(self, health: StreamHealth) -> None:
        if not self.site.holds(health.key.camera_id):
            return  # a lease lost (fenced): this process no longer speaks for the camera
        self.stream_states.observe(health)
        self.events.publish("camera.state", health.to_dict())
