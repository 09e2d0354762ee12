//! The page's data model: plain structs computed from the report model, every value formatted,
//! so that the template only loops and prints. Ordering (problems first, coverage lowest
//! first), caps (output tails, files) and the timeline's geometry are decided here.

use std::path::Path;
use std::time::Duration;

use super::super::history::{self, is_failure};
use super::super::model::SessionReport;
use super::format::{duration, relative, shell_word, tail};
use super::timeline::{self, Span};
use super::trends::{Trends, trends};
use super::{PageInput, suites::SessionTests};

/// The most coverage rows (the lowest covered files); the rest are counted.
pub const COVERAGE_ROWS: usize = 1000;
/// The timeline's width in SVG user units, and one lane's height.
const TIMELINE_WIDTH: f64 = 1000.0;
const LANE_HEIGHT: f64 = 26.0;

/// Everything report.html shows.
#[derive(Debug)]
pub struct Page {
    /// `passed`, `failed`, `interrupted` or `timed out`.
    pub verdict: String,
    /// The verdict as a CSS class.
    pub verdict_class: String,
    /// One line under the verdict: sessions by status, tests, coverage.
    pub headline: String,
    /// The forge that wrote it.
    pub forge_version: String,
    /// The run's start, RFC 3339.
    pub start: String,
    /// The run's wall time.
    pub duration: String,
    /// The profile applied, if any.
    pub profile: Option<String>,
    /// Input directories of `forge report`.
    pub merged_from: Vec<String>,
    /// `remote cache http://…: 2 hits, …`, when the run had one.
    pub remote_cache: Option<String>,
    /// Failed, errored and interrupted instances, in plan order.
    pub problems: Vec<Problem>,
    /// The timeline, when any instance started.
    pub timeline: Option<Timeline>,
    /// Every instance, in plan order.
    pub instances: Vec<InstanceRow>,
    /// Tests per session instance that declared JUnit files.
    pub tests: Vec<SessionTests>,
    /// Tests in total, when any tool's JUnit file was merged.
    pub tests_total: Option<String>,
    /// Coverage, when measured.
    pub coverage: Option<CoverageView>,
    /// Trends, when there is history.
    pub trends: Option<Trends>,
    /// Report problems and history warnings.
    pub warnings: Vec<String>,
}

/// A failed, errored or interrupted instance.
#[derive(Debug)]
pub struct Problem {
    /// Instance name (also the anchor).
    pub name: String,
    /// Its status.
    pub status: String,
    /// Why.
    pub message: String,
    /// The last of its output; `tail_cut` says whether earlier output was left out.
    pub tail: String,
    /// See `tail`.
    pub tail_cut: bool,
    /// The command that runs it alone.
    pub rerun: String,
    /// Its log, relative to the page.
    pub log: Option<String>,
}

/// One bar of the timeline.
#[derive(Debug)]
pub struct Bar {
    /// Instance name.
    pub name: String,
    /// Its status (the bar's colour).
    pub status: String,
    /// Geometry, SVG user units.
    pub x: String,
    /// See `x`.
    pub y: String,
    /// See `x`.
    pub width: String,
    /// Where the label goes.
    pub label_y: String,
    /// Whether the name fits in the bar.
    pub labelled: bool,
    /// On the critical path.
    pub critical: bool,
    /// Cached or unchanged: nothing ran.
    pub cached: bool,
    /// Tooltip.
    pub title: String,
}

/// The timeline: bars on lanes, a time axis, the critical path named.
#[derive(Debug)]
pub struct Timeline {
    /// The SVG's height.
    pub height: String,
    /// Where the axis labels go.
    pub axis_y: String,
    /// The bars.
    pub bars: Vec<Bar>,
    /// Axis ticks: x, label and text-anchor (the ends stay inside the picture).
    pub ticks: Vec<(String, String, &'static str)>,
    /// `a → b → c`.
    pub critical_path: String,
    /// Its summed wall time.
    pub critical_duration: String,
    /// Lanes used: the run's peak parallelism.
    pub lanes: usize,
}

/// One row of the instances table.
#[derive(Debug)]
pub struct InstanceRow {
    /// Instance name.
    pub name: String,
    /// Its status.
    pub status: String,
    /// Its status as shown: `cached (remote)` for a remote hit.
    pub status_label: String,
    /// Interpreter version, when known.
    pub python: String,
    /// Wall time, formatted, and in milliseconds for sorting.
    pub duration: String,
    /// See `duration`.
    pub millis: u128,
    /// Attempts made.
    pub attempts: usize,
    /// `built`, `reused`, `cached` or "".
    pub env: String,
    /// Its log, relative to the page.
    pub log: Option<String>,
    /// Why it failed or was skipped.
    pub message: String,
}

/// The coverage section.
#[derive(Debug)]
pub struct CoverageView {
    /// `81.25%`.
    pub total: String,
    /// `812/1000 lines`.
    pub lines: String,
    /// `fail-under 80%: passed`, when a gate is set.
    pub gate: Option<String>,
    /// Whether the gate failed.
    pub gate_failed: bool,
    /// Files, lowest coverage first.
    pub files: Vec<FileRow>,
    /// Files left out (the best covered).
    pub more: usize,
}

/// One file's coverage.
#[derive(Debug)]
pub struct FileRow {
    /// Path relative to the project root.
    pub path: String,
    /// `12/40`.
    pub lines: String,
    /// `30.0%`, and the bar's width in percent.
    pub percent: String,
    /// See `percent`.
    pub bar: String,
}

/// Builds the page of `input`.
pub fn build(input: &PageInput<'_>) -> Page {
    let run = input.run;
    let verdict = history::verdict(run, input.merged);
    let mut counts: Vec<(String, usize)> = Vec::new();
    for session in &run.sessions {
        match counts.iter_mut().find(|(status, _)| status == session.status.as_str()) {
            Some((_, count)) => *count += 1,
            None => counts.push((session.status.as_str().to_owned(), 1)),
        }
    }
    let mut headline: Vec<String> = counts.iter().map(|(status, count)| format!("{count} {status}")).collect();
    if let Some(tests) = input.merged.tests {
        headline.push(format!("{} tests, {} failed", tests.tests, tests.failures + tests.errors));
    }
    if let Some(total) = input.merged.coverage {
        headline.push(format!("coverage {:.2}%", total.percent()));
    }
    let mut warnings: Vec<String> = input.merged.problems.iter().map(ToString::to_string).collect();
    warnings.extend(input.warnings.iter().cloned());
    warnings.extend(run.remote_cache.iter().filter_map(|remote| remote.warning.clone()));
    Page {
        verdict: verdict.to_owned(),
        verdict_class: verdict.replace(' ', "-"),
        headline: headline.join(" · "),
        forge_version: run.forge_version.clone(),
        start: humantime::format_rfc3339_seconds(run.start).to_string(),
        duration: duration(run.duration),
        profile: run.profile.clone(),
        merged_from: run.merged_from.clone(),
        remote_cache: run.remote_cache.as_ref().map(|remote| format!("{}: {}", remote.url, remote.counts())),
        problems: run
            .sessions
            .iter()
            .filter(|session| is_problem(session))
            .map(|session| problem(input, session))
            .collect(),
        timeline: timeline_of(&run.sessions, run.duration),
        instances: run.sessions.iter().map(|session| instance_row(input.reports_dir, session)).collect(),
        tests: super::suites::per_session(input.junit, &input.merged.failed_tests, &run.sessions),
        tests_total: input.merged.tests.map(|tests| {
            format!(
                "{} tests: {} passed, {} failed, {} errors, {} skipped",
                tests.tests,
                tests.passed(),
                tests.failures,
                tests.errors,
                tests.skipped
            )
        }),
        coverage: coverage_view(input),
        trends: trends(input.history, input.fail_under),
        warnings,
    }
}

/// Failed, errored and interrupted instances come first on the page.
fn is_problem(session: &SessionReport) -> bool {
    is_failure(session.status.as_str()) || session.status.as_str() == "interrupted"
}

fn problem(input: &PageInput<'_>, session: &SessionReport) -> Problem {
    let (tail, tail_cut) = tail(session.final_output());
    Problem {
        name: session.name.clone(),
        status: session.status.as_str().to_owned(),
        message: session.message.clone().unwrap_or_default(),
        tail,
        tail_cut,
        rerun: format!("{} -s {} --no-deps{}", input.rerun.prefix, shell_word(&session.name), input.rerun.suffix),
        log: session.log.as_deref().map(|log| relative(input.reports_dir, log)),
    }
}

fn timeline_of(sessions: &[SessionReport], run: Duration) -> Option<Timeline> {
    let started: Vec<&SessionReport> = sessions.iter().filter(|session| session.start_offset.is_some()).collect();
    if started.is_empty() {
        return None;
    }
    let spans: Vec<Span<'_>> = started
        .iter()
        .map(|session| Span {
            name: &session.name,
            start: session.start_offset.unwrap_or_default(),
            duration: session.duration,
            requires: &session.requires,
        })
        .collect();
    let lanes = timeline::lanes(&spans);
    let path = timeline::critical_path(&spans);
    let end = spans.iter().map(|span| span.start + span.duration).max().unwrap_or_default().max(run);
    let scale = TIMELINE_WIDTH / end.as_secs_f64().max(0.001);
    let lane_count = lanes.iter().max().map_or(0, |lane| lane + 1);
    let bars = started
        .iter()
        .zip(&spans)
        .zip(&lanes)
        .enumerate()
        .map(|(index, ((session, span), &lane))| {
            let width = (span.duration.as_secs_f64() * scale).max(2.0);
            let status = session.status.as_str();
            Bar {
                name: session.name.clone(),
                status: status.to_owned(),
                x: format!("{:.1}", span.start.as_secs_f64() * scale),
                y: format!("{:.1}", lane as f64 * LANE_HEIGHT),
                width: format!("{width:.1}"),
                label_y: format!("{:.1}", lane as f64 * LANE_HEIGHT + 15.0),
                labelled: width >= 8.0 * session.name.chars().count() as f64 + 8.0,
                critical: path.contains(&index),
                cached: matches!(status, "cached" | "unchanged"),
                title: format!("{}: {status}, {} from {}", session.name, duration(span.duration), duration(span.start)),
            }
        })
        .collect();
    let ticks = (0..=4)
        .map(|step| {
            let at = end.mul_f64(f64::from(step) / 4.0);
            let anchor = match step {
                0 => "start",
                4 => "end",
                _ => "middle",
            };
            (format!("{:.1}", at.as_secs_f64() * scale), duration(at), anchor)
        })
        .collect();
    let critical_duration = path.iter().map(|&index| spans[index].duration).sum();
    Some(Timeline {
        height: format!("{:.0}", lane_count as f64 * LANE_HEIGHT + 20.0),
        axis_y: format!("{:.0}", lane_count as f64 * LANE_HEIGHT + 14.0),
        bars,
        ticks,
        critical_path: path.iter().map(|&index| spans[index].name).collect::<Vec<_>>().join(" → "),
        critical_duration: duration(critical_duration),
        lanes: lane_count,
    })
}

fn instance_row(reports_dir: &Path, session: &SessionReport) -> InstanceRow {
    InstanceRow {
        name: session.name.clone(),
        status: session.status.as_str().to_owned(),
        status_label: match &session.cache {
            Some(source) => format!("{} ({source})", session.status.as_str()),
            None => session.status.as_str().to_owned(),
        },
        python: session.python.clone().unwrap_or_default(),
        duration: duration(session.duration),
        millis: session.duration.as_millis(),
        attempts: session.attempts.len(),
        env: session.env.map(|env| env.as_str().to_owned()).unwrap_or_default(),
        log: session.log.as_deref().map(|log| relative(reports_dir, log)),
        message: session.message.clone().unwrap_or_default(),
    }
}

fn coverage_view(input: &PageInput<'_>) -> Option<CoverageView> {
    let total = input.merged.coverage?;
    let mut files: Vec<&(String, u64, u64)> = input.coverage_files.iter().filter(|(_, _, valid)| *valid > 0).collect();
    let percent = |&&(_, covered, valid): &&(String, u64, u64)| covered as f64 / valid as f64;
    files.sort_by(|a, b| percent(a).total_cmp(&percent(b)).then_with(|| a.0.cmp(&b.0)));
    let more = files.len().saturating_sub(COVERAGE_ROWS);
    files.truncate(COVERAGE_ROWS);
    Some(CoverageView {
        total: format!("{:.2}%", total.percent()),
        lines: format!("{}/{} lines", total.covered, total.valid),
        gate: input.fail_under.map(|gate| {
            let verdict = if input.merged.gate_failure.is_some() { "failed" } else { "passed" };
            format!("fail-under {gate}%: {verdict}")
        }),
        gate_failed: input.merged.gate_failure.is_some(),
        files: files
            .into_iter()
            .map(|file| {
                let share = percent(&file) * 100.0;
                FileRow {
                    path: file.0.clone(),
                    lines: format!("{}/{}", file.1, file.2),
                    percent: format!("{share:.1}%"),
                    bar: format!("{share:.1}"),
                }
            })
            .collect(),
        more,
    })
}

#[cfg(test)]
mod tests;
