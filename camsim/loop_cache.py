"""On-disk cache of encoded loops, keyed by every parameter that shapes their bytes.

One file per loop: a magic line, a JSON header (parameters, frame sizes, keyframe flags) and
the access units back to back. Files are written to a temporary name and renamed, so
concurrent simulators sharing the cache never read half a file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from camsim.encoder import EncodedLoop, LoopParams, encode_loop, encoder_version

log = logging.getLogger(__name__)
_MAGIC = b"CAMSIM-LOOP-1\n"
_MAX_HEADER = 1 << 20


def cache_key(params: LoopParams) -> str:
    """A file-name-safe digest of the loop parameters and the encoder version."""
    fields = dataclasses.asdict(params) | {"encoder": encoder_version(), "format": _MAGIC.decode()}
    if not params.grain:
        del fields["grain"]  # loops cached before grain existed keep their keys
    blob = json.dumps(fields, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def load_or_encode(params: LoopParams, cache_dir: Path) -> EncodedLoop:
    """The cached loop for `params`, encoding and storing it first if needed (blocking)."""
    path = cache_dir / f"{cache_key(params)}.loop"
    try:
        return _read(path, params)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.warning("camsim: discarding unreadable cached loop %s: %s", path.name, exc)
    loop = encode_loop(params)
    try:
        _write(path, loop)
    except OSError as exc:  # a read-only cache still lets the simulator run
        log.warning("camsim: cannot cache loop in %s: %s", cache_dir, exc)
    return loop


def _read(path: Path, params: LoopParams) -> EncodedLoop:
    with path.open("rb") as f:
        if f.readline() != _MAGIC:
            raise ValueError("not a camsim loop file")
        size = int.from_bytes(f.read(4), "big")
        if size > _MAX_HEADER:
            raise ValueError("header too large")
        header = json.loads(f.read(size))
        if LoopParams(**header["params"]) != params:
            raise ValueError("parameters differ from the key")
        frames = []
        for length in header["sizes"]:
            data = f.read(length)
            if len(data) != length:
                raise ValueError("truncated loop file")
            frames.append(data)
    return EncodedLoop(params, tuple(frames), tuple(bool(k) for k in header["keyframes"]))


def _write(path: Path, loop: EncodedLoop) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = json.dumps(
        {
            "params": dataclasses.asdict(loop.params),
            "sizes": [len(f) for f in loop.frames],
            "keyframes": list(loop.keyframes),
        }
    ).encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".loop-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC)
            f.write(len(header).to_bytes(4, "big"))
            f.write(header)
            for frame in loop.frames:
                f.write(frame)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
