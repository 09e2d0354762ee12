"""Tests of bench/timeline.py and of how bench/report.py judges a paired case on it.

    python3 -m unittest discover -s bench -p '*_test.py'    (.ci/run runs it)
"""

import importlib.util
import json
import tempfile
import unittest
from pathlib import Path

import timeline

# `perf script --ns -F pid,time,event,trace` as it prints on this machine's kernel (6.18, whose
# sched_process_exit says group_dead): bench/ab (pid 5790) spawns forge, forge forks uv, whose
# worker thread exits last (its leader's exit says group_dead=false), then python, through a shim
# that exec's the real program under the same pid; meanwhile another user's python (6000, not a
# descendant) runs.
SCRIPT = """\
 5790  1208.583700000: sched:sched_process_fork: comm=python3 pid=5790 child_comm=python3 child_pid=5794
 5794  1208.583802000: sched:sched_process_exec: filename=/work/bin/forge pid=5794 old_pid=5794
 5794  1208.587000000: sched:sched_process_fork: comm=forge pid=5794 child_comm=forge child_pid=5796
 5796  1208.587066000: sched:sched_process_exec: filename=/work/bin/uv pid=5796 old_pid=5796
 5796  1208.590000000: sched:sched_process_fork: comm=uv pid=5796 child_comm=uv child_pid=5799
 6000  1208.600000000: sched:sched_process_exec: filename=/usr/bin/python pid=6000 old_pid=6000
 5796  1208.630000000: sched:sched_process_exit: comm=uv pid=5796 prio=120 group_dead=false
 5796  1208.631000000: sched:sched_process_exit: comm=tokio-rt-worker pid=5799 prio=120 group_dead=true
 5794  1208.631500000: sched:sched_process_fork: comm=forge pid=5794 child_comm=forge child_pid=5802
 5802  1208.632000000: sched:sched_process_exec: filename=/root/.pyenv/shims/python pid=5802 old_pid=5802
 5802  1208.633000000: sched:sched_process_exec: filename=/env/bin/python pid=5802 old_pid=5802
 5802  1208.645000000: sched:sched_process_exit: comm=python pid=5802 prio=120 group_dead=true
 6000  1208.646000000: sched:sched_process_exit: comm=python pid=6000 prio=120 group_dead=true
 5794  1208.648000000: sched:sched_process_exit: comm=forge pid=5794 prio=120 group_dead=true
"""


def ns(seconds):
    return round(seconds * 1e9)


class Parse(unittest.TestCase):
    def test_a_process_runs_from_its_first_exec_to_its_last_threads_exit(self):
        processes, parents = timeline.parse(SCRIPT)
        self.assertEqual(
            sorted(processes),
            [
                ("5794", ns(1208.583802), ns(1208.648), "forge"),
                ("5796", ns(1208.587066), ns(1208.631), "uv"),
                ("5802", ns(1208.632), ns(1208.645), "python"),
                ("6000", ns(1208.6), ns(1208.646), "python"),
            ],
        )
        self.assertEqual(parents["5802"], "5794")
        self.assertEqual(parents["5794"], "5790")

    def test_a_fork_starts_a_reused_pid_afresh(self):
        script = """\
 10  1.000000000: sched:sched_process_exec: filename=/bin/uv pid=10 old_pid=10
 1  2.000000000: sched:sched_process_fork: comm=ab pid=1 child_comm=ab child_pid=10
 10  3.000000000: sched:sched_process_exec: filename=/bin/python pid=10 old_pid=10
 10  4.000000000: sched:sched_process_exit: comm=python pid=10 prio=120 group_dead=true
"""
        self.assertEqual(timeline.parse(script)[0], [("10", ns(3.0), ns(4.0), "python")])

    def test_lines_that_are_not_events_are_skipped(self):
        self.assertEqual(timeline.parse("perf: some warning\n\n"), ([], {}))


class Work(unittest.TestCase):
    timeline_ = timeline.parse(SCRIPT)
    window = (ns(1208.5838), ns(1208.6481))

    def test_the_runs_own_programs_count_and_another_users_do_not(self):
        busy = timeline.work_ms(self.timeline_, [5794], *self.window, {"uv", "python"})
        self.assertAlmostEqual(busy, 43.934 + 13.0)

    def test_a_program_the_run_spawned_itself_is_a_root(self):
        self.assertAlmostEqual(timeline.work_ms(self.timeline_, [5796], *self.window, {"uv"}), 43.934)

    def test_nested_and_overlapping_spans_count_once_clipped_to_the_window(self):
        processes = [
            ("1", ns(1.000), ns(1.010), "uv"),
            ("2", ns(1.002), ns(1.004), "python"),
            ("3", ns(1.005), ns(1.020), "python"),
            ("4", ns(0.990), ns(1.001), "uv"),
        ]
        busy = timeline.work_ms((processes, {}), [1, 2, 3, 4], ns(1.0), ns(1.015), {"uv", "python"})
        self.assertAlmostEqual(busy, 15.0)

    def test_other_programs_and_other_windows_are_not_work(self):
        self.assertEqual(timeline.work_ms(self.timeline_, [5794], *self.window, {"ruff"}), 0.0)
        self.assertEqual(timeline.work_ms(self.timeline_, [5794], ns(1300.0), ns(1301.0), {"uv"}), 0.0)


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
                "outside_ms": {"bare": [3.0, 2.0, 9.0], "forge": [8.0, 9.0, 10.0]},
            }
        )
        # The median of the per-round differences (5, 7, 1), not the medians' difference (9 - 3).
        self.assertEqual(result["difference"], 5.0)
        self.assertAlmostEqual(result["ratio"], 1.1)
        self.assertEqual(result["total_difference"]["forge"], 7.0)

    def test_without_it_the_whole_commands_are_compared(self):
        result = self.judge({"rounds": 2, "times_ms": {"bare": [10.0, 20.0], "forge": [12.0, 26.0]}})
        self.assertEqual(result["difference"], 4.0)
        self.assertAlmostEqual(result["ratio"], 1.25)
        self.assertNotIn("outside", result)

    def test_a_block_without_forge_gives_each_tool_its_added_time_and_judges_nothing(self):
        result = self.judge(
            {
                "rounds": 3,
                "times_ms": {"bare": [100.0, 80.0, 120.0], "nox": [700.0, 600.0, 650.0]},
                "work": ["python", "uv"],
                "work_ms": {"bare": [96.0, 76.0, 116.0], "nox": [300.0, 200.0, 250.0]},
                "outside_ms": {"bare": [4.0, 4.0, 4.0], "nox": [404.0, 504.0, 304.0]},
            }
        )
        self.assertNotIn("difference", result)
        self.assertEqual(result["outside_difference"]["nox"], 400.0)
        # (bare's median 100 + 400) ÷ 100.
        self.assertAlmostEqual(result["added_ratio"]["nox"], 5.0)
        lines = self.report.tools_table(result)
        self.assertIn("| nox | 650.0 | +400.0 ms | 5.00× |", lines)


if __name__ == "__main__":
    unittest.main()
