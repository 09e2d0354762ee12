"""Which programs ran when, from the kernel's sched tracepoints, for `bench/ab --work`.

A cold locked run is mostly `uv sync`, and on this kind of VM one sync into a fresh env takes from
35 to 80 ms from one minute to the next (the disk's journal, its online discard): the paired
median of the whole command moves by more than the few milliseconds forge adds. Timing the
programs that do the work (uv, python) separately from the command around them splits each run
into the work and what is *outside* it. The exec event fires once the new program is loaded and
the exit event before its memory and files are torn down, so outside holds, for bare, bench/ab's
spawn and wait and each program's exec and teardown; for forge, the same plus everything forge
does before, between and after its commands. The first cancel in the paired difference: what
remains is forge's overhead, whatever the sync took.

`perf record -a -k mono` records exec, exit and fork events with CLOCK_MONOTONIC timestamps, the
clock bench/ab reads. Only the processes a run started, and their descendants (fork events give
the parents), count as its work: another user's python on the machine does not. Needs perf
(Debian's linux-perf), permission for system-wide tracepoints (root, or perf_event_paranoid
≤ -1), and a kernel whose `sched_process_exit` says `group_dead` (6.16 and later).
"""

import os
import re
import select
import signal
import subprocess
import tempfile
from pathlib import Path

EVENTS = ["-e", "sched:sched_process_exec", "-e", "sched:sched_process_exit", "-e", "sched:sched_process_fork"]
# `perf script -F pid,time,event,trace --ns`, pid being the thread group's id:
# "  5796  1208.583802123: sched:sched_process_exec: filename=/work/bin/uv pid=5796 old_pid=5796"
LINE = re.compile(r"\s*(\d+)\s+(\d+\.\d+):\s+sched:(sched_process_\w+):\s*(.*)")
EXIT_FORMATS = [
    "/sys/kernel/tracing/events/sched/sched_process_exit/format",
    "/sys/kernel/debug/tracing/events/sched/sched_process_exit/format",
]
ACK_TIMEOUT_SECONDS = 30


def available():
    """Whether perf can record the tracepoints here, and the reason when it cannot."""
    formats = [Path(path) for path in EXIT_FORMATS if os.path.exists(path)]
    if formats and not any("group_dead" in path.read_text() for path in formats):
        return False, "this kernel's sched_process_exit has no group_dead field (it came in 6.16)"
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
    """A `perf record` running for as long as the timed rounds do; a context manager that stops
    it however the rounds end."""

    def __init__(self):
        self.scratch = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.scratch.name, "perf.data")
        self.log = open(os.path.join(self.scratch.name, "perf.log"), "w+")
        self.process = None

    def __enter__(self):
        control, ack = (os.path.join(self.scratch.name, name) for name in ("control", "ack"))
        os.mkfifo(control)
        os.mkfifo(ack)
        # Started disabled (`-D -1`) and enabled through its control FIFO: its `ack` says the
        # events are on, so the first round is never timed before the tracing is.
        self.process = subprocess.Popen(
            ["perf", "record", "-a", "-k", "mono", "-D", "-1", f"--control=fifo:{control},{ack}", *EVENTS, "-o", self.path],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        # Read-write opens never block on a FIFO, whether or not perf has opened its end yet.
        control_fd, ack_fd = os.open(control, os.O_RDWR), os.open(ack, os.O_RDWR)
        os.write(control_fd, b"enable\n")
        ready, _, _ = select.select([ack_fd], [], [], ACK_TIMEOUT_SECONDS)
        os.close(control_fd)
        if not ready or not os.read(ack_fd, 16).startswith(b"ack"):
            self.__exit__(None, None, None)
            raise SystemExit("bench/ab: perf record did not start tracing")
        os.close(ack_fd)
        return self

    def __exit__(self, *_):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait()

    def processes(self):
        """Stops perf; every process it saw (see [`parse`]). Exits when perf lost events: a lost
        exit or fork would attribute time to the wrong run."""
        self.__exit__()
        script = subprocess.run(
            ["perf", "script", "-i", self.path, "--ns", "-F", "pid,time,event,trace"],
            capture_output=True,
            text=True,
            check=True,
        )
        self.log.seek(0)
        warnings = self.log.read() + script.stderr
        self.scratch.cleanup()
        if re.search(r"\blost\b", warnings, re.IGNORECASE):
            raise SystemExit(f"bench/ab: perf lost events, the timeline is incomplete:\n{warnings.strip()}")
        return parse(script.stdout)


def parse(script):
    """`perf script` lines as `(processes, parents)`. A process is (pid, start_ns, end_ns, base
    name): from its first exec to the exit of its last thread (`group_dead=true`); one that exec'd
    again (a shim exec'ing the real program) keeps its start and takes the last program's name.
    `parents` maps a pid to the pid that forked it. A fork starts the child's record afresh, so a
    reused pid never extends a process that ended."""
    started, finished, parents = {}, [], {}
    for line in script.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        pid, seconds, kind, rest = match.groups()
        nanoseconds = int(seconds.replace(".", ""))
        if kind == "sched_process_fork":
            child = re.search(r"child_pid=(\d+)", rest)
            if child:
                parents[child.group(1)] = pid
                started.pop(child.group(1), None)
        elif kind == "sched_process_exec":
            filename = re.search(r"filename=(\S+)", rest)
            name = os.path.basename(filename.group(1)) if filename else "?"
            start = started.get(pid, (nanoseconds, name))[0]
            started[pid] = (start, name)
        elif kind == "sched_process_exit" and "group_dead=true" in rest and pid in started:
            start, name = started.pop(pid)
            finished.append((pid, start, nanoseconds, name))
    return finished, parents


def descends(pid, roots, parents):
    """Whether `pid` is one of `roots` or a descendant of one."""
    seen = set()
    while pid is not None and pid not in seen:
        if pid in roots:
            return True
        seen.add(pid)
        pid = parents.get(pid)
    return False


def work_ms(timeline, roots, start_ns, end_ns, names):
    """Milliseconds, within [start_ns, end_ns], during which a process named in `names` that
    descends from one of `roots` (the pids the run spawned) ran; overlapping ones (uv starting
    python, parallel sessions) count once."""
    processes, parents = timeline
    roots = {str(root) for root in roots}
    spans = sorted(
        (max(start, start_ns), min(end, end_ns))
        for pid, start, end, name in processes
        if name in names and start < end_ns and end > start_ns and descends(pid, roots, parents)
    )
    total, reach = 0, start_ns
    for start, end in spans:
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total / 1e6
