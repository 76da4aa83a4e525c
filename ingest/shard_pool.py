"""Ingest shards: child processes that each pull up to `streams_per_shard` camera streams.

Many PyAV demux threads in one process contend on locks (futex storms: 100 streams cost a whole
core in one process, a quarter of that split over four), so with `ingest.shards > 0` the
supervisor's workers run in a few children (`shard_child.py`). Each `ShardProcess` owns one
child and one task that reads its stdout with asyncio (no thread per shard; the child's exit is
watched through a pidfd) and dispatches messages to the `ShardedStream` handles. A child that
dies is restarted with backoff and its streams are started again; meanwhile they are offline
with a reason saying so. Everything is bounded: the reader's buffer (StreamReader limit, and
the child drops packets when the pipe is full), the command pipe (a child that stops reading
its commands is restarted), and stopping (stdin closed, then SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ingest import shard_wire as wire
from ingest.backoff import Backoff
from ingest.config import IngestConfig
from ingest.frame_bus import FrameBus
from ingest.health import HealthRegistry
from ingest.shard_stream import ShardedStream
from ingest.spec import StreamSpec
from ingest.timestamps import PtsNormaliser

log = logging.getLogger(__name__)

READ_LIMIT_BYTES = 1 << 20  # the reader pauses the pipe beyond twice this
MAX_COMMAND_BACKLOG_BYTES = 1 << 20  # commands the child has not read: it is stuck
GRACEFUL_EXIT_S = 1.0
TERMINATE_WAIT_S = 2.0
HEALTHY_RUN_S = 30.0  # a child that lived this long resets the restart backoff
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


class ShardProcess:
    """One child process and the streams assigned to it; restarted whenever it dies."""

    def __init__(self, index: int, config: IngestConfig) -> None:
        self.index = index
        self.config = config
        self.streams: dict[int, ShardedStream] = {}
        self.restarts = 0
        self.pid: int | None = None
        self._stopping: dict[int, ShardedStream] = {}  # STOP sent, DONE awaited
        self._writer: asyncio.WriteTransport | None = None
        self._task: asyncio.Task[None] | None = None
        self._dropped_dead = 0  # drops reported by earlier children of this shard
        self._dropped_live = 0

    @property
    def load(self) -> int:
        return len(self.streams)

    @property
    def dropped(self) -> int:
        return self._dropped_dead + self._dropped_live

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"ingest-shard-{self.index}"
            )

    async def close(self) -> None:
        """End the child (stdin closed, then SIGTERM, then SIGKILL) and its streams."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        for stream in (*self.streams.values(), *self._stopping.values()):
            stream.finished()
        self.streams.clear()
        self._stopping.clear()

    def attach(self, stream: ShardedStream) -> None:
        self.streams[stream.worker_id] = stream
        stream.restarting()
        self._send(wire.encode_start(stream.worker_id, stream.spec))

    def detach(self, stream: ShardedStream) -> None:
        self.streams.pop(stream.worker_id, None)
        if self._writer is None:
            stream.finished()  # no child runs it now
            return
        self._stopping[stream.worker_id] = stream
        self._send(wire.encode_id(wire.Kind.STOP, stream.worker_id))

    def _send(self, message: bytes) -> None:
        writer = self._writer
        if writer is None or writer.is_closing():
            return  # sent again (START) or moot (STOP) once the child is back
        if writer.get_write_buffer_size() > MAX_COMMAND_BACKLOG_BYTES:
            log.warning("ingest shard %d does not read its commands; restarting it", self.index)
            if self.pid is not None:
                os.kill(self.pid, signal.SIGKILL)
            return
        writer.write(message)

    # --- the child's life -------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = Backoff(
            self.config.backoff_initial_s,
            max(self.config.backoff_max_s, self.config.backoff_initial_s),
        )
        while True:
            began = time.monotonic()
            ended = await self._serve_once()
            if time.monotonic() - began >= HEALTHY_RUN_S:
                backoff.reset()
            self.restarts += 1
            reason = f"ingest shard process {ended}; restarting it"
            log.warning("ingest shard %d: %s", self.index, reason)
            for stream in self.streams.values():
                stream.on_shard_lost(reason)
            for stream in self._stopping.values():
                stream.finished()
            self._stopping.clear()
            await asyncio.sleep(backoff.next_delay())

    async def _serve_once(self) -> str:
        """Run one child until it dies; how it ended, for the streams' reason."""
        loop = asyncio.get_running_loop()
        proc = _spawn(self.index)
        self.pid = proc.pid
        self._dropped_dead += self._dropped_live
        self._dropped_live = 0
        read_transport: asyncio.BaseTransport | None = None
        try:
            reader = asyncio.StreamReader(limit=READ_LIMIT_BYTES)
            read_transport, _ = await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), proc.stdout
            )
            self._writer, _ = await loop.connect_write_pipe(asyncio.Protocol, proc.stdin)
            self._send(wire.encode_config(self.config.model_dump(mode="json")))
            for stream in self.streams.values():
                stream.restarting()
                self._send(wire.encode_start(stream.worker_id, stream.spec))
            try:
                await self._read(reader)
            except wire.WireError as exc:
                log.error("ingest shard %d sent garbage (%s); restarting it", self.index, exc)
            await _wait_exit(proc, TERMINATE_WAIT_S)
            return _describe_exit(proc.returncode)
        finally:
            writer, self._writer = self._writer, None
            if writer is not None:
                writer.close()  # EOF on the child's stdin: it stops its workers and exits
            await _end(proc)
            if read_transport is not None:
                read_transport.close()
            self.pid = None

    async def _read(self, reader: asyncio.StreamReader) -> None:
        streams, stopping, Kind = self.streams, self._stopping, wire.Kind
        while True:
            try:
                head = await reader.readexactly(4)
                message = await reader.readexactly(wire.read_length(head))
            except asyncio.IncompleteReadError:
                return  # the child's stdout closed: it exited
            kind, body = wire.split(message)
            if kind == Kind.PACKET:
                worker_id, packet = wire.decode_packet(body)
                if (stream := streams.get(worker_id)) is not None:
                    stream.on_packet(packet)
            elif kind == Kind.STATE:
                worker_id, state, reason = wire.decode_state(body)
                if (stream := streams.get(worker_id) or stopping.get(worker_id)) is not None:
                    stream.on_state(state, reason)
            elif kind == Kind.INFO:
                worker_id, info = wire.decode_info(body)
                if (stream := streams.get(worker_id)) is not None:
                    stream.on_info(info)
            elif kind == Kind.RECONNECT:
                if (stream := streams.get(wire.decode_id(body))) is not None:
                    stream.on_reconnect()
            elif kind == Kind.DONE:
                if (stream := stopping.pop(wire.decode_id(body), None)) is not None:
                    stream.finished()
            elif kind == Kind.STATS:
                self._dropped_live = wire.decode_stats(body)
            else:
                raise wire.WireError(f"unexpected message {kind.name}")


class ShardPool:
    """Assigns streams to shard processes: at least `shards` of them, each holding at most
    `streams_per_shard` streams, a new stream going to the least loaded one."""

    def __init__(self, config: IngestConfig, bus: FrameBus, health: HealthRegistry) -> None:
        self.config = config
        self.bus = bus
        self.health = health
        self.shards: list[ShardProcess] = []
        self._ids = itertools.count(1)

    @property
    def dropped(self) -> int:
        return sum(shard.dropped for shard in self.shards)

    def stream(self, spec: StreamSpec, timeline: PtsNormaliser) -> ShardedStream:
        """A not yet started handle on `spec`, placed on a shard."""
        shard = self._pick()
        channel = self.bus.channel(spec.key)
        return ShardedStream(next(self._ids), spec, channel, self.health, timeline, shard)

    async def close(self) -> None:
        shards, self.shards = self.shards, []
        await asyncio.gather(*(shard.close() for shard in shards))

    def _pick(self) -> ShardProcess:
        roomy = [s for s in self.shards if s.load < self.config.streams_per_shard]
        if not roomy or len(self.shards) < self.config.shards:
            shard = ShardProcess(len(self.shards), self.config)
            self.shards.append(shard)
            shard.start()
            return shard
        return min(roomy, key=lambda s: s.load)


def _spawn(index: int) -> subprocess.Popen[bytes]:
    """Start a shard child (fork and exec: quick). Nothing secret goes on its command line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    env["VMS_INGEST_SHARD"] = str(index)
    return subprocess.Popen(
        [sys.executable, "-m", "ingest.shard_child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        close_fds=True,
    )


async def _wait_exit(proc: subprocess.Popen[bytes], within_s: float) -> bool:
    """Wait (on the loop, through a pidfd) until `proc` has exited and is reaped."""
    if proc.poll() is not None:
        return True
    loop = asyncio.get_running_loop()
    try:
        fd = os.pidfd_open(proc.pid)
    except ProcessLookupError:
        return proc.poll() is not None
    exited: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not exited.done():
            exited.set_result(None)

    loop.add_reader(fd, readable)
    try:
        await asyncio.wait_for(exited, within_s)
    except TimeoutError:
        pass
    finally:
        loop.remove_reader(fd)
        os.close(fd)
    return proc.poll() is not None


async def _end(proc: subprocess.Popen[bytes]) -> None:
    """Make sure the child is gone: a moment to exit on EOF, then SIGTERM, then SIGKILL."""
    if await _wait_exit(proc, GRACEFUL_EXIT_S):
        return
    proc.terminate()
    if await _wait_exit(proc, TERMINATE_WAIT_S):
        return
    proc.kill()
    if not await _wait_exit(proc, TERMINATE_WAIT_S):
        proc.wait()  # SIGKILL cannot be refused; this returns at once in practice


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"
