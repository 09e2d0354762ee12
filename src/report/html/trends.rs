//! The trends of report.html: small SVG charts over the recorded runs (`history.jsonl`), their
//! points computed here so the template only prints them.

use super::super::history::HistoryEntry;

/// Chart width and height, in SVG user units.
pub const WIDTH: f64 = 240.0;
/// See [`WIDTH`].
pub const HEIGHT: f64 = 48.0;
/// The most sessions charted (the current run's, in plan order); the rest are in history.jsonl.
const SESSIONS_CHARTED: usize = 12;

/// A line chart of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// What it shows.
    pub title: String,
    /// SVG polyline points, `x,y x,y`, oldest first.
    pub points: String,
    /// The latest value, formatted.
    pub last: String,
    /// The range, formatted (`min–max`).
    pub range: String,
    /// A horizontal line (the coverage gate), as its y coordinate.
    pub rule_y: Option<String>,
}

/// One run's verdict square.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictCell {
    /// x of the square.
    pub x: String,
    /// CSS class: the verdict, spaces as `-`.
    pub class: String,
    /// Tooltip: when and what.
    pub title: String,
}

/// Everything the trends section shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    /// Runs recorded.
    pub runs: usize,
    /// Pass/fail per run, oldest first.
    pub verdicts: Vec<VerdictCell>,
    /// The width of one verdict square.
    pub cell_width: String,
    /// Run wall time.
    pub duration: Chart,
    /// Coverage total, when any run measured it.
    pub coverage: Option<Chart>,
    /// Wall time per session instance.
    pub sessions: Vec<Chart>,
}

impl Trends {
    /// Every line chart, in the page's order: coverage, run duration, then per session.
    pub fn charts(&self) -> Vec<&Chart> {
        self.coverage.iter().chain(std::iter::once(&self.duration)).chain(&self.sessions).collect()
    }
}

/// The trends of `history` (oldest first), with the gate drawn at `fail_under` percent; `None`
/// for no history.
pub fn trends(history: &[HistoryEntry], fail_under: Option<f64>) -> Option<Trends> {
    if history.is_empty() {
        return None;
    }
    let count = history.len();
    let cell = WIDTH / count as f64;
    let verdicts = history
        .iter()
        .enumerate()
        .map(|(index, entry)| VerdictCell {
            x: format!("{:.1}", index as f64 * cell),
            class: entry.verdict.replace(' ', "-"),
            title: format!("{}: {}", entry.start, entry.verdict),
        })
        .collect();
    let duration =
        chart("run duration", &history.iter().map(|entry| Some(entry.duration)).collect::<Vec<_>>(), seconds, None);
    let coverage_values: Vec<Option<f64>> = history.iter().map(|entry| entry.coverage).collect();
    let coverage = coverage_values.iter().any(Option::is_some).then(|| {
        chart(
            "coverage total",
            &coverage_values,
            |value| format!("{value:.1}%"),
            fail_under.map(|gate| (gate, 0.0, 100.0)),
        )
    });
    let latest = &history[count - 1];
    let sessions = latest
        .sessions
        .iter()
        .take(SESSIONS_CHARTED)
        .map(|session| {
            let values: Vec<Option<f64>> = history
                .iter()
                .map(|entry| entry.sessions.iter().find(|other| other.name == session.name).map(|other| other.duration))
                .collect();
            chart(&session.name, &values, seconds, None)
        })
        .collect();
    Some(Trends {
        runs: count,
        verdicts,
        cell_width: format!("{:.1}", (cell - 1.0).max(1.0)),
        duration,
        coverage,
        sessions,
    })
}

fn seconds(value: f64) -> String {
    format!("{value:.1} s")
}

/// A polyline of `values` (a run without a value is left out), scaled to the chart: from 0 to
/// the largest value, or over `fixed` = (rule, min, max) with a rule drawn at `rule`.
fn chart(title: &str, values: &[Option<f64>], format: fn(f64) -> String, fixed: Option<(f64, f64, f64)>) -> Chart {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let low = present.iter().copied().fold(f64::INFINITY, f64::min);
    let high = present.iter().copied().fold(0.0, f64::max);
    let (min, max) = match fixed {
        Some((_, min, max)) => (min, max),
        None => (0.0, if high > 0.0 { high } else { 1.0 }),
    };
    let step = if values.len() > 1 { WIDTH / (values.len() - 1) as f64 } else { 0.0 };
    let y = |value: f64| HEIGHT - 2.0 - (value - min) / (max - min) * (HEIGHT - 4.0);
    let points = values
        .iter()
        .enumerate()
        .filter_map(|(index, value)| value.map(|value| format!("{:.1},{:.1}", index as f64 * step, y(value))))
        .collect::<Vec<_>>()
        .join(" ");
    Chart {
        title: title.to_owned(),
        points,
        last: values.last().copied().flatten().map_or_else(|| "–".to_owned(), format),
        range: if present.is_empty() { String::new() } else { format!("{}–{}", format(low), format(high)) },
        rule_y: fixed.map(|(rule, _, _)| format!("{:.1}", y(rule))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::history::SessionEntry;
    use super::*;

    fn entry(duration: f64, verdict: &str, coverage: Option<f64>) -> HistoryEntry {
        HistoryEntry {
            start: "2026-01-01T00:00:00.000Z".into(),
            duration,
            verdict: verdict.into(),
            profile: None,
            coverage,
            sessions: vec![SessionEntry { name: "test".into(), status: "success".into(), duration }],
        }
    }

    #[test]
    fn points_span_the_chart_from_zero_to_the_largest_value() {
        let history = [entry(1.0, "passed", None), entry(2.0, "failed", None), entry(4.0, "timed out", None)];
        let trends = trends(&history, Some(80.0)).expect("history");
        assert_eq!(trends.duration.points, "0.0,35.0 120.0,24.0 240.0,2.0");
        assert_eq!((trends.duration.last.as_str(), trends.duration.range.as_str()), ("4.0 s", "1.0 s–4.0 s"));
        assert_eq!(
            trends.verdicts.iter().map(|cell| cell.class.as_str()).collect::<Vec<_>>(),
            ["passed", "failed", "timed-out"]
        );
        assert_eq!(trends.sessions[0].points, trends.duration.points);
        assert_eq!(trends.coverage, None);
    }

    #[test]
    fn coverage_is_charted_on_zero_to_a_hundred_with_the_gate() {
        let history = [entry(1.0, "passed", Some(50.0)), entry(1.0, "passed", None), entry(1.0, "passed", Some(100.0))];
        let coverage = trends(&history, Some(75.0)).expect("history").coverage.expect("measured");
        // The run without coverage is left out of the line.
        assert_eq!(coverage.points, "0.0,24.0 240.0,2.0");
        assert_eq!(coverage.rule_y.as_deref(), Some("13.0"));
        assert!(trends(&[], None).is_none());
    }
}
