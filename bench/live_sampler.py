"""Where a daphne process's threads spend their time: the server run with a stack sampler beside it.

    python -m live_sampler OUT.txt [forum.core.server's arguments]

Every 10 ms the sampler notes the stack of every other thread (the event loop, and the worker
thread(s) where consumers run their database work); when the server exits it writes to OUT.txt,
per thread, the share of samples by innermost frame and by innermost frame of our own code. cProfile
(`--profile`) sees only the event loop's thread and only CPU; this also sees what the database
thread waits for. py-spy would do the same from outside, where ptrace is allowed.
"""

from __future__ import annotations

import atexit
import collections
import runpy
import sys
import threading
import time
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent) + "/"
IDLE = ("threading.py:wait", "queue.py:get", "selectors.py:select", "thread.py:_worker")


def _name(code, lineno: int) -> str:
    path = code.co_filename
    path = path.split("site-packages/", 1)[-1].replace(ROOT, "")
    path = path.rsplit("/lib/python3.", 1)[-1].split("/", 1)[-1] if "/lib/python3." in path else path
    return f"{path}:{code.co_name}:{lineno}"


def main() -> None:
    out = Path(sys.argv[1])
    args = sys.argv[2:]
    samples: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    own: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    totals: collections.Counter = collections.Counter()
    me = []

    def sample():
        me.append(threading.get_ident())
        while True:
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == me[0]:
                    continue
                thread = names.get(ident, str(ident))
                thread = "event loop" if thread == "MainThread" else thread.rsplit("_", 1)[0]
                leaf = _name(frame.f_code, frame.f_lineno)
                inner = None
                f = frame
                while f is not None:
                    if f.f_code.co_filename.startswith(ROOT + "forum/"):
                        inner = _name(f.f_code, f.f_lineno)
                        break
                    f = f.f_back
                totals[thread] += 1
                samples[thread][leaf] += 1
                own[thread][inner or "(not in forum/)"] += 1
            time.sleep(0.01)

    def write():
        lines = []
        for thread, total in totals.most_common():
            idle = sum(n for leaf, n in samples[thread].items() if any(k in leaf for k in IDLE))
            lines.append(f"== {thread}: {total} samples, {100 * idle / total:.0f}% idle (waiting for work)")
            lines.append("  innermost frames:")
            lines += [f"    {100 * n / total:5.1f}%  {leaf}" for leaf, n in samples[thread].most_common(15)]
            lines.append("  innermost frames of our code:")
            lines += [f"    {100 * n / total:5.1f}%  {leaf}" for leaf, n in own[thread].most_common(15)]
        out.write_text("\n".join(lines) + "\n")

    threading.Thread(target=sample, daemon=True, name="sampler").start()
    atexit.register(write)
    sys.argv = ["forum.core.server", *args]
    runpy.run_module("forum.core.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
