//! history.jsonl across runs: one line per run, the trends drawn from it, the bound of 100 kept,
//! and a corrupt line skipped with a warning, never failing the run.

use super::Page;
use crate::support::Test;

const QUICK: &str =
    "[sessions.quick]\nvenv = false\ncommands = [[\"sh\", \"-c\", \"test \\\"$OUTCOME\\\" != fail\"]]\n";

fn history(test: &Test) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(test.root().join(".forge/reports/history.jsonl")).expect("history written");
    text.lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect()
}

#[test]
fn each_run_adds_a_line_and_the_trends_show_them() {
    let test = Test::new().sessions(QUICK);
    for outcome in ["pass", "fail", "pass"] {
        let code = if outcome == "fail" { 1 } else { 0 };
        let run = test.command().env("OUTCOME", outcome).output().unwrap();
        assert_eq!(run.status.code(), Some(code), "{}", String::from_utf8_lossy(&run.stderr));
    }
    let lines = history(&test);
    let verdicts: Vec<&str> = lines.iter().map(|line| line["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["passed", "failed", "passed"]);
    assert_eq!(lines[1]["sessions"][0]["name"], "quick");
    assert_eq!(lines[1]["sessions"][0]["status"], "failed");
    let page = Page::of(test.root());
    let cells = page.texts("//*[@id='trend-verdicts']//rect/@class");
    assert_eq!(cells, ["cell passed", "cell failed", "cell passed"]);
    // The run's duration and the session's, each a line through the three runs.
    let points = page.texts("//section[@id='trends']//polyline/@points");
    assert_eq!(points.len(), 2, "{points:?}");
    assert!(points.iter().all(|points| points.split(' ').count() == 3), "{points:?}");
}

#[test]
fn the_last_hundred_are_kept_and_a_corrupt_line_is_skipped() {
    let line = r#"{"start":"2026-01-01T00:00:00.000Z","duration":1.0,"verdict":"passed","sessions":[]}"#;
    let mut seeded: Vec<&str> = vec![line; 120];
    seeded.insert(60, "{this is not json");
    let test = Test::new().sessions(QUICK).file(".forge/reports/history.jsonl", &(seeded.join("\n") + "\n"));
    let run = test.run();
    run.assert_code(0);
    assert!(run.stderr.contains("warning: history.jsonl line 61 skipped: "), "{}", run.stderr);
    let lines = history(&test);
    assert_eq!(lines.len(), 100);
    assert_eq!(lines[99]["sessions"][0]["name"], "quick", "this run is the last line");
    let page = Page::of(test.root());
    assert_eq!(page.count("//*[@id='trend-verdicts']//rect"), 100);
    assert!(page.text("//header/p[@class='warn']").contains("line 61 skipped"));
}
