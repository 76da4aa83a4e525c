"""An ingest shard: a child process that runs StreamWorkers and forwards what they produce.

Started by the supervisor (`shard_pool.py`) as `python -m ingest.shard_child` with nothing on
its command line: the config and the stream specs (credentials included) arrive on stdin, and
packets, stream info, states and reconnects leave on the original stdout in the framing of
`shard_wire.py`. Fd 1 is then pointed at stderr so a stray print cannot corrupt the framing.
The workers are the in-process ones; only their loop-thread half is replaced. When stdin ends
(the supervisor stopped or died) the shard stops its workers and exits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

from ingest import shard_wire as wire
from ingest.config import IngestConfig
from ingest.frame_bus import FrameBus
from ingest.handoff import LoopHandoff
from ingest.health import HealthRegistry, StreamState
from ingest.packet import EncodedPacket, StreamInfo
from ingest.spec import StreamSpec
from ingest.worker import StreamWorker

log = logging.getLogger(__name__)

MAX_PENDING_BYTES = 8 << 20  # unsent bytes to the supervisor beyond which packets are dropped
STATS_EVERY_S = 1.0


class ShardOutput:
    """Batches messages to the supervisor into one write per loop turn; drops packets (counted)
    rather than buffer without bound when the supervisor does not keep up."""

    def __init__(self, loop: asyncio.AbstractEventLoop, transport: asyncio.WriteTransport) -> None:
        self._loop = loop
        self._transport = transport
        self._buf = bytearray()
        self._scheduled = False
        self.dropped = 0

    def send(self, message: bytes, *, droppable: bool = False) -> None:
        if self._transport.is_closing():
            return
        if droppable and (
            len(self._buf) + self._transport.get_write_buffer_size() > MAX_PENDING_BYTES
        ):
            self.dropped += 1
            return
        self._buf += message
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        if self._buf and not self._transport.is_closing():
            self._transport.write(bytes(self._buf))
        self._buf.clear()


class ShardWorker(StreamWorker):
    """A StreamWorker whose loop-thread half writes to the supervisor instead of a bus."""

    def __init__(
        self,
        worker_id: int,
        spec: StreamSpec,
        config: IngestConfig,
        out: ShardOutput,
        handoff: LoopHandoff,
    ) -> None:
        # The channel and registry are never used: every method touching them is replaced.
        super().__init__(spec, config, FrameBus().channel(spec.key), HealthRegistry(), handoff)
        self.worker_id = worker_id
        self._out = out

    def _deliver(self, packet: EncodedPacket) -> None:
        self._out.send(wire.encode_packet(self.worker_id, packet), droppable=True)

    def _apply_info(self, info: StreamInfo) -> None:
        self._out.send(wire.encode_info(self.worker_id, info))

    def _apply_state(self, change: tuple[StreamState, str | None]) -> None:
        if self._stop.is_set() and change[0] != StreamState.ERROR:
            return
        self._out.send(wire.encode_state(self.worker_id, *change))

    def _count_reconnect(self, _: Any) -> None:
        self._out.send(wire.encode_id(wire.Kind.RECONNECT, self.worker_id))


class Shard:
    """The command loop of one shard process."""

    def __init__(self, out: ShardOutput, handoff: LoopHandoff) -> None:
        self._out = out
        self._handoff = handoff
        self._config = IngestConfig.model_validate({})
        self._workers: dict[int, ShardWorker] = {}
        self._stopping: set[asyncio.Task[None]] = set()

    async def serve(self, reader: asyncio.StreamReader) -> None:
        stats = asyncio.get_running_loop().create_task(self._report())
        try:
            while True:
                try:
                    head = await reader.readexactly(4)
                    message = await reader.readexactly(wire.read_length(head))
                except asyncio.IncompleteReadError:
                    return  # the supervisor closed our stdin: time to go
                self._handle(*wire.split(message))
        finally:
            stats.cancel()
            await self._stop_all()

    def _handle(self, kind: wire.Kind, body: memoryview) -> None:
        if kind == wire.Kind.CONFIG:
            self._config = IngestConfig.model_validate(wire.decode_config(body))
        elif kind == wire.Kind.START:
            worker_id, spec = wire.decode_start(body)
            worker = ShardWorker(worker_id, spec, self._config, self._out, self._handoff)
            self._workers[worker_id] = worker
            worker.start()
        elif kind == wire.Kind.STOP:
            found = self._workers.pop(wire.decode_id(body), None)
            if found is not None:
                task = asyncio.get_running_loop().create_task(self._finish(found))
                self._stopping.add(task)
                task.add_done_callback(self._stopping.discard)
        else:
            raise wire.WireError(f"unexpected message {kind.name}")

    async def _finish(self, worker: ShardWorker) -> None:
        worker.stop()
        await worker.wait(self._config.stop_timeout_s)
        self._out.send(wire.encode_id(wire.Kind.DONE, worker.worker_id))

    async def _stop_all(self) -> None:
        workers = list(self._workers.values())
        self._workers.clear()
        for worker in workers:
            worker.stop()
        await asyncio.gather(
            *(w.wait(self._config.stop_timeout_s) for w in workers), *self._stopping
        )

    async def _report(self) -> None:
        sent = 0
        while True:
            await asyncio.sleep(STATS_EVERY_S)
            dropped = self._out.dropped + self._handoff.dropped
            if dropped != sent:
                self._out.send(wire.encode_stats(dropped))
                sent = dropped


async def run() -> None:
    loop = asyncio.get_running_loop()
    wire_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything printed now goes to stderr, not into the framing
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, _ = await loop.connect_write_pipe(asyncio.Protocol, wire_out)
    shard = Shard(ShardOutput(loop, transport), LoopHandoff(loop))
    try:
        await shard.serve(reader)
    finally:
        transport.close()


def main() -> None:
    name = os.environ.get("VMS_INGEST_SHARD", "?")
    logging.basicConfig(
        level=logging.WARNING,
        format=f"ingest shard {name}: %(levelname)s %(name)s %(message)s",
    )
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
