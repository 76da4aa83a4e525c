"""The optional viewing copy of an exported clip (`[evidence] viewing_copy`): re-encoded by
ffmpeg with the requester, the case number and the recorded wall-clock time burnt into the
picture, so a copy shown or passed on names whom it was released to. The original bitstream
stays in the export beside it, untouched; the manifest lists both, the copy marked as
re-encoded and naming its original (docs/evidence.md).

The text goes to ffmpeg in a file (never on its command line); the font is the Thai-capable
TTF the PDF documents use (`vms.pdf.find_font`). A copy that ffmpeg cannot make fails the
export with the reason, like a missing recording.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path

from vms.access import as_utc
from vms.pdf import find_font

TIMEOUT_S = 600.0
PREFIX = "viewing-"


class ViewingCopyFailed(Exception):
    """ffmpeg could not make the copy; the message says why (for the requester)."""


def copy_name(original: str) -> str:
    return PREFIX + original


def _escape(text: str) -> str:
    """A literal for drawtext's text expansion (a backslash, `%` and `:` would be special)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace(":", "\\:")


def watermark_text(requester: str, case_number: str, site: str, start: datetime) -> str:
    """Two lines: who it was released to and for which case; the recorded time, running."""
    epoch = int(as_utc(start).timestamp())
    who = _escape(f"{requester} · case {case_number} · {site}")
    # a text file is not filtergraph-escaped: the expansion's `:` separate its arguments,
    # and the clock's own colons are escaped for it
    clock = "%{pts:gmtime:" + str(epoch) + ":%Y-%m-%d %H\\:%M\\:%S} UTC"
    return f"{who}\n{clock}"


async def make_viewing_copy(original: Path, dest: Path, text: str) -> None:
    """Re-encode `original` into `dest` (H.264, MP4) with `text` drawn on every picture."""
    font, _bold = find_font()
    text_file = dest.with_suffix(".txt")
    await asyncio.to_thread(text_file.write_text, text, "utf-8")
    draw = (
        f"drawtext=fontfile='{font}':textfile='{text_file}':fontcolor=white:fontsize=h/16:"
        "box=1:boxcolor=black@0.55:boxborderw=6:line_spacing=4:x=(w-text_w)/2:y=h-text_h-h/20"
    )
    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(original),
        "-vf", f"setpts=PTS-STARTPTS,{draw}", "-an", "-c:v", "libx264", "-preset", "veryfast",
        "-crf", "26", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(dest),
    ]  # fmt: skip
    try:
        proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        try:
            _out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise ViewingCopyFailed(f"{original.name}: the viewing copy took too long") from None
    finally:
        await asyncio.to_thread(text_file.unlink, True)
    if proc.returncode != 0 or not await asyncio.to_thread(dest.is_file):
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise ViewingCopyFailed(f"{original.name}: no viewing copy ({last[0][:200]})")
