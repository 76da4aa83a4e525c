"""Where our relay spends its CPU per packet: py-spy on the server process under N viewers.

Starts the rig (simulator + `vms serve`), opens N light viewers (bench/whep_capacity.py's
counting clients), samples the server with py-spy for the window and prints the functions with
the most samples, inclusive and self, from the collapsed stacks.

    python -m bench.whep_profile --viewers 50 --seconds 15
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from bench.whep_capacity import WARMUP_S, run_step
from bench.whep_rig import Rig


def summarise(collapsed: Path, top: int) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        for name in set(frames):
            inclusive[name] += n
        own[frames[-1]] += n
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\n-- {title} --")
        for name, n in counter.most_common(top):
            print(f"{n / total:6.1%}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--cameras", type=int, default=2)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    with Rig(cameras=args.cameras, servers=("ours",)) as rig, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "server.txt"
        result: dict[str, Any] = {}

        def viewers() -> None:
            result.update(run_step(rig, "ours", args.viewers, args.seconds + 4))

        thread = threading.Thread(target=viewers)
        thread.start()
        threading.Event().wait(WARMUP_S + 2)
        subprocess.run(
            [
                *("py-spy", "record", "--pid", str(rig.pids["ours"]), "--nonblocking"),
                *("--duration", str(int(args.seconds)), "--format", "raw", "--output", str(out)),
            ],
            check=True,
            capture_output=True,
        )
        thread.join()
        print(result)
        summarise(out, args.top)


if __name__ == "__main__":
    main()
