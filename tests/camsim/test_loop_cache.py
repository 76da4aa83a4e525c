"""Loops are encoded once and read back from disk; damaged files are re-encoded."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from camsim.encoder import LoopParams
from camsim.loop_cache import cache_key, load_or_encode

PARAMS = LoopParams(2, "sub", 160, 96, 15, 5, 2, 100)


def test_second_load_comes_from_disk(tmp_path: Path) -> None:
    first = load_or_encode(PARAMS, tmp_path)
    files = list(tmp_path.iterdir())
    assert [f.name for f in files] == [f"{cache_key(PARAMS)}.loop"]
    stamp = files[0].stat().st_mtime_ns
    second = load_or_encode(PARAMS, tmp_path)
    assert second == first
    assert files[0].stat().st_mtime_ns == stamp


def test_every_parameter_changes_the_key() -> None:
    keys = {cache_key(PARAMS)}
    for change in (
        {"camera": 3},
        {"stream": "main"},
        {"width": 320},
        {"height": 180},
        {"fps": 30},
        {"gop_frames": 6},
        {"loop_gops": 3},
        {"bitrate_kbps": 101},
    ):
        keys.add(cache_key(LoopParams(**(asdict(PARAMS) | change))))
    assert len(keys) == 9


def test_truncated_file_is_re_encoded(tmp_path: Path) -> None:
    good = load_or_encode(PARAMS, tmp_path)
    path = tmp_path / f"{cache_key(PARAMS)}.loop"
    path.write_bytes(path.read_bytes()[:-100])
    assert load_or_encode(PARAMS, tmp_path) == good
    assert load_or_encode(PARAMS, tmp_path) == good  # and the file was rewritten whole


def test_unwritable_cache_still_serves(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    loop = load_or_encode(PARAMS, blocker / "cache")
    assert len(loop.frames) == 10
