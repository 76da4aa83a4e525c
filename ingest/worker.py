"""One camera stream pulled in its own thread: open, demux, hand packets to the loop, reconnect.

The thread owns every blocking PyAV call. Packets, stream parameters and state changes travel
to the event loop through the shared `LoopHandoff`, in order, where they reach the frame bus
channel and the health registry. Stopping sets an event that the demux loop checks on every
packet; a thread blocked inside FFmpeg (a silent camera, a hanging connect) is ended through
FFmpeg's interrupt callback of its own container (`interrupt.py`), which touches no socket;
otherwise it is bounded by the stall and connect timeouts.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from ingest import interrupt
from ingest.backoff import Backoff
from ingest.config import IngestConfig
from ingest.failures import Stalled, describe_failure
from ingest.frame_bus import Channel
from ingest.handoff import LoopHandoff
from ingest.health import HealthRegistry, StreamState
from ingest.packet import EncodedPacket, StreamInfo
from ingest.sink import StreamSink
from ingest.source import PacketShaper, open_stream
from ingest.spec import StreamSpec
from ingest.timestamps import PtsNormaliser

log = logging.getLogger(__name__)

THREAD_STACK_BYTES = 1 << 20  # demux needs little stack; the default 8 MiB is mostly waste


class StreamWorker:
    """Pulls `spec` into `channel` until stopped, reporting its state to `health`."""

    def __init__(
        self,
        spec: StreamSpec,
        config: IngestConfig,
        channel: Channel,
        health: HealthRegistry,
        handoff: LoopHandoff,
        timeline: PtsNormaliser | None = None,
    ) -> None:
        self.spec = spec
        self.key = spec.key
        self._config = config
        self._sink = StreamSink(spec.key, channel, health)
        self._handoff = handoff
        self._timeline = timeline or PtsNormaliser(max_gap_s=max(config.stall_timeout_s, 1.0))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._read_interrupt: interrupt.ReadInterrupt | None = None
        self._done: asyncio.Future[None] = handoff.loop.create_future()
        self._log_extra = {"camera_id": spec.key.camera_id, "stream": spec.key.stream}

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done.done()

    def start(self) -> None:
        """Start the worker thread (call on the loop thread)."""
        if self._thread is not None:
            return
        interrupt.install()
        previous = threading.stack_size(THREAD_STACK_BYTES)
        try:
            self._thread = threading.Thread(
                target=self._run, name=f"ingest-{self.key}", daemon=True
            )
            self._thread.start()
        finally:
            threading.stack_size(previous)

    def stop(self) -> None:
        """Ask the thread to finish, ending a blocking open or read of its own; `wait()`."""
        self._stop.set()  # an open sees it through the stop-aware clock (interrupt.bind)
        self._interrupt_read()

    def _interrupt_read(self) -> None:
        reader = self._read_interrupt
        if reader is not None and not self._done.done():
            reader.fire()

    async def wait(self, within_s: float) -> bool:
        """Wait until the thread has ended; False if it is still running after `within_s`."""
        if self._thread is None:
            return True
        first = min(within_s, 0.5)
        for timeout in (first, within_s - first):
            try:
                await asyncio.wait_for(asyncio.shield(self._done), max(timeout, 0.0))
            except TimeoutError:
                if self._stop.is_set():
                    self._interrupt_read()  # it may have opened the camera after stop()
                continue
            return True
        return False

    # --- worker thread ---------------------------------------------------------------------

    def _run(self) -> None:
        interrupt.bind(self._stop)
        try:
            self._loop_forever()
        except Exception:
            log.exception("ingest worker crashed", extra=self._log_extra)
            self._post_state(StreamState.ERROR, "internal error in the ingest worker")
        finally:
            try:
                self._handoff.loop.call_soon_threadsafe(self._set_done)
            except RuntimeError:
                pass

    def _set_done(self) -> None:
        if not self._done.done():
            self._done.set_result(None)

    def _loop_forever(self) -> None:
        cfg = self._config
        backoff = Backoff(cfg.backoff_initial_s, max(cfg.backoff_max_s, cfg.backoff_initial_s))
        normaliser = self._timeline
        attempt = 0
        while not self._stop.is_set():
            if attempt:
                self._handoff.put(self._count_reconnect, None)
            attempt += 1
            self._post_state(StreamState.STARTING, None)
            delivered = False
            normaliser.restart()
            try:
                delivered = self._pull_once(normaliser)
                state, reason = StreamState.OFFLINE, "the camera ended the stream"
            except Exception as exc:
                state, reason = describe_failure(exc)
            if self._stop.is_set():
                break
            log.warning("camera stream down: %s", reason, extra=self._log_extra)
            self._post_state(state, reason)
            if delivered:
                backoff.reset()
            self._stop.wait(backoff.next_delay())

    def _pull_once(self, normaliser: PtsNormaliser) -> bool:
        """Open, then demux until the stream ends or fails; True if any packet was delivered."""
        opening = time.monotonic()
        container, stream = open_stream(self.spec, self._config)
        delivered = False
        last = time.monotonic()
        # stop() fires it from the loop thread; set before the stop check, so one of the two
        # sees the other
        reader = self._read_interrupt = interrupt.ReadInterrupt.arm(container, opening)
        if reader is not None and self._stop.is_set():
            reader.fire()
        try:
            shaper = PacketShaper(stream, normaliser)
            self._handoff.put(self._apply_info, shaper.info)
            put, deliver, stop = self._handoff.put, self._deliver, self._stop
            for raw in container.demux(stream):
                if stop.is_set():
                    break
                for packet, new_info in shaper.shape(raw):
                    if new_info is not None:
                        log.info(
                            "camera stream parameters changed: %sx%s",
                            new_info.width,
                            new_info.height,
                            extra=self._log_extra,
                        )
                        put(self._apply_info, new_info)
                    put(deliver, packet, droppable=True)
                    last = packet.received
                    if not delivered:
                        delivered = True
                        self._post_state(StreamState.ONLINE, None)
                        log.info("camera stream online", extra=self._log_extra)
        except Exception:
            if self._stop.is_set():
                return delivered
            # FFmpeg reports a read timeout variously (ETIMEDOUT, EIO, -1): silence tells it.
            if time.monotonic() - last >= 0.9 * self._config.stall_timeout_s:
                raise Stalled() from None
            raise
        finally:
            self._read_interrupt = None
            container.close()
        return delivered

    def _post_state(self, state: StreamState, reason: str | None) -> None:
        self._handoff.put(self._apply_state, (state, reason))

    # --- loop thread -----------------------------------------------------------------------

    def _deliver(self, packet: EncodedPacket) -> None:
        self._sink.packet(packet)

    def _apply_info(self, info: StreamInfo) -> None:
        self._sink.info(info)

    def _apply_state(self, change: tuple[StreamState, str | None]) -> None:
        if self._stop.is_set() and change[0] != StreamState.ERROR:
            return  # a stopping worker no longer speaks for the stream
        self._sink.state(*change)

    def _count_reconnect(self, _: Any) -> None:
        self._sink.reconnect()
