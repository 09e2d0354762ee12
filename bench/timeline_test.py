"""Tests of bench/timeline.py and of how bench/report.py judges a paired case on it.

    python3 -m unittest discover -s bench -p '*_test.py'    (.ci/run runs it)
"""

import importlib.util
import json
import tempfile
import unittest
from pathlib import Path

import timeline

# `perf script --ns -F pid,time,event,trace` as perf 6.1 prints it: a forge run whose uv has a
# worker thread (its leader exits first, group_dead=false), then python; a shim that exec's the
# real program keeps its pid.
SCRIPT = """\
 5794  1208.583802000: sched:sched_process_exec: filename=/work/bin/forge pid=5794 old_pid=5794
 5796  1208.587066000: sched:sched_process_exec: filename=/work/bin/uv pid=5796 old_pid=5796
 5796  1208.630000000: sched:sched_process_exit: comm=uv pid=5796 prio=120 group_dead=false
 5796  1208.631000000: sched:sched_process_exit: comm=tokio-rt-worker pid=5799 prio=120 group_dead=true
 5802  1208.632000000: sched:sched_process_exec: filename=/root/.pyenv/shims/python pid=5802 old_pid=5802
 5802  1208.633000000: sched:sched_process_exec: filename=/env/bin/python pid=5802 old_pid=5802
 5802  1208.645000000: sched:sched_process_exit: comm=python pid=5802 prio=120 group_dead=true
 5794  1208.648000000: sched:sched_process_exit: comm=forge pid=5794 prio=120 group_dead=true
"""


def ns(seconds):
    return round(seconds * 1e9)


class Parse(unittest.TestCase):
    def test_a_process_runs_from_its_first_exec_to_its_last_threads_exit(self):
        processes = sorted(timeline.parse(SCRIPT))
        self.assertEqual(
            processes,
            [
                (ns(1208.583802), ns(1208.648), "forge"),
                (ns(1208.587066), ns(1208.631), "uv"),
                (ns(1208.632), ns(1208.645), "python"),
            ],
        )

    def test_lines_that_are_not_events_are_skipped(self):
        self.assertEqual(timeline.parse("perf: some warning\n\n"), [])


class Work(unittest.TestCase):
    processes = timeline.parse(SCRIPT)

    def test_the_named_programs_time_within_the_window(self):
        start, end = ns(1208.5838), ns(1208.6481)
        self.assertAlmostEqual(timeline.work_ms(self.processes, start, end, {"uv", "python"}), 43.934 + 13.0)

    def test_overlapping_programs_count_once_and_are_clipped_to_the_window(self):
        processes = [(ns(1.000), ns(1.010), "uv"), (ns(1.005), ns(1.020), "python"), (ns(0.990), ns(1.002), "uv")]
        self.assertAlmostEqual(timeline.work_ms(processes, ns(1.0), ns(1.015), {"uv", "python"}), 15.0)

    def test_other_programs_and_other_windows_are_not_work(self):
        self.assertEqual(timeline.work_ms(self.processes, ns(1208.5838), ns(1208.6481), {"ruff"}), 0.0)
        self.assertEqual(timeline.work_ms(self.processes, ns(1300.0), ns(1301.0), {"uv"}), 0.0)


class Judged(unittest.TestCase):
    """bench/report.py's paired(): the outside time when recorded, the whole commands otherwise."""

    @classmethod
    def setUpClass(cls):
        spec = importlib.util.spec_from_file_location("report", Path(__file__).with_name("report.py"))
        cls.report = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cls.report)

    def judge(self, data):
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch, "case-paired.json")
            path.write_text(json.dumps(data))
            return self.report.paired(path)

    def test_with_the_timeline_forges_added_time_is_its_outside_time_less_bares(self):
        result = self.judge(
            {
                "rounds": 3,
                "times_ms": {"bare": [50.0, 60.0, 40.0], "forge": [40.0, 90.0, 47.0]},
                "work": ["python", "uv"],
                "work_ms": {"bare": [47.0, 57.0, 37.0], "forge": [32.0, 82.0, 39.0]},
                "outside_ms": {"bare": [3.0, 3.0, 3.0], "forge": [8.0, 8.0, 8.0]},
            }
        )
        self.assertEqual(result["difference"], 5.0)
        self.assertAlmostEqual(result["ratio"], 1.1)
        self.assertEqual(result["total_difference"]["forge"], 7.0)

    def test_without_it_the_whole_commands_are_compared(self):
        result = self.judge({"rounds": 2, "times_ms": {"bare": [10.0, 20.0], "forge": [12.0, 26.0]}})
        self.assertEqual(result["difference"], 4.0)
        self.assertAlmostEqual(result["ratio"], 1.25)
        self.assertNotIn("outside", result)


if __name__ == "__main__":
    unittest.main()
