"""Which programs ran when, from the kernel's sched tracepoints, for `bench/ab --work`.

A cold locked run is mostly `uv sync`, and on this kind of VM one sync into a fresh env takes from
35 to 80 ms from one minute to the next (the disk's journal, its online discard): the paired
median of the whole command moves by more than the few milliseconds forge adds. Timing the
programs that do the work (uv, python) separately from the command around them splits each run
into the work and what is *outside* it — for bare, bench/ab's own spawn and wait; for forge,
everything forge does before, between and after its commands. That part is forge's overhead,
whatever the sync took.

`perf record -a -k mono` writes exec and exit events with CLOCK_MONOTONIC timestamps, the clock
bench/ab reads, so every event falls in the run that caused it. Needs perf (Debian's linux-perf)
and permission for system-wide tracepoints (root, or perf_event_paranoid ≤ -1).
"""

import os
import re
import signal
import subprocess
import tempfile

EVENTS = ["-e", "sched:sched_process_exec", "-e", "sched:sched_process_exit"]
# `perf script -F pid,time,event,trace --ns`: "  5796  1208.583802123: sched:sched_process_exec: filename=..."
LINE = re.compile(r"\s*(\d+)\s+(\d+\.\d+):\s+sched:(sched_process_exec|sched_process_exit):\s*(.*)")


def available():
    """Whether perf can record the tracepoints here; the reason when it cannot."""
    try:
        with tempfile.TemporaryDirectory() as scratch:
            done = subprocess.run(
                ["perf", "record", "-q", "-a", "-k", "mono", *EVENTS, "-o", os.path.join(scratch, "probe"), "true"],
                capture_output=True,
                text=True,
            )
    except FileNotFoundError:
        return False, "perf is not installed"
    if done.returncode != 0:
        return False, (done.stderr.strip().splitlines() or ["perf record failed"])[-1]
    return True, ""


class Recorder:
    """A `perf record` running for as long as the timed rounds do."""

    def __init__(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.scratch.name, "perf.data")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["perf", "record", "-q", "-a", "-k", "mono", *EVENTS, "-o", self.path],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # perf opens its events before it writes the file's header: wait for the header, so the
        # first round is not timed before the tracing starts.
        while not (os.path.exists(self.path) and os.path.getsize(self.path) > 0):
            if self.process.poll() is not None:
                raise SystemExit("bench/ab: perf record exited before the first round")
            os.sched_yield()

    def processes(self):
        """Stops perf; every process that exec'd, as (start_ns, end_ns, program base name)."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait()
        script = subprocess.run(
            ["perf", "script", "-i", self.path, "--ns", "-F", "pid,time,event,trace"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        self.scratch.cleanup()
        return parse(script)


def parse(script):
    """`perf script` lines as (start_ns, end_ns, base name): from a process's first exec to the
    exit of its last thread (`group_dead=true`). A pid that exec'd again (a shim exec'ing the real
    program) keeps its first start and takes the last program's name."""
    started, finished = {}, []
    for line in script.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        pid, seconds, kind, rest = match.groups()
        nanoseconds = int(seconds.replace(".", ""))
        if kind == "sched_process_exec":
            filename = re.search(r"filename=(\S+)", rest)
            name = os.path.basename(filename.group(1)) if filename else "?"
            start = started.get(pid, (nanoseconds, name))[0]
            started[pid] = (start, name)
        elif "group_dead=true" in rest and pid in started:
            start, name = started.pop(pid)
            finished.append((start, nanoseconds, name))
    return finished


def work_ms(processes, start_ns, end_ns, names):
    """Milliseconds, within [start_ns, end_ns], during which a process named in `names` ran;
    overlapping ones (uv starting python, parallel sessions) count once."""
    spans = sorted(
        (max(start, start_ns), min(end, end_ns))
        for start, end, name in processes
        if name in names and start < end_ns and end > start_ns
    )
    total, reach = 0, start_ns
    for start, end in spans:
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total / 1e6
