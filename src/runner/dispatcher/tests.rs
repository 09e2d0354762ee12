//! The dispatcher's state machine, driven by hand with a recording sink.

use super::*;
use crate::plan::Instance;

#[derive(Default)]
struct Recording {
    events: Vec<String>,
}

impl EventSink for Recording {
    fn handle(&mut self, event: &Event) {
        self.events.push(match event {
            Event::RunStarted { names, jobs } => format!("run started: {} at most {jobs}", names.join(",")),
            Event::SessionFinished { index, outcome } => {
                format!("finished {index} {} {}", outcome.status.as_str(), outcome.message.clone().unwrap_or_default())
            }
            Event::Signal { signal, count } => format!("signal {signal} #{count}"),
            Event::RunTimedOut => "timed out".to_owned(),
            Event::MaxFailReached { count } => format!("max-fail {count}"),
            other => format!("{other:?}"),
        });
    }
}

/// A plan of instances named by `specs`: `(name, requires)`, in topological order.
fn plan(specs: &[(&str, &[usize])]) -> Plan {
    Plan {
        instances: specs
            .iter()
            .enumerate()
            .map(|(session, (name, requires))| Instance {
                name: (*name).to_owned(),
                base: (*name).to_owned(),
                python: None,
                matrix: Vec::new(),
                session,
                requires: requires.to_vec(),
                after: Vec::new(),
                posargs: true,
                level: 0,
            })
            .collect(),
    }
}

fn done(plan: &Plan, index: usize, status: SessionStatus) -> Input {
    let instance = &plan.instances[index];
    let mut outcome = SessionOutcome::not_run(&instance.name, &instance.base, status, String::new());
    outcome.message = None;
    Input::Finished(index, Box::new(outcome))
}

fn statuses(outcome: &RunOutcome) -> Vec<(&str, SessionStatus)> {
    outcome.sessions.iter().map(|session| (session.name.as_str(), session.status)).collect()
}

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

#[test]
fn a_failed_requirement_skips_what_needs_it_and_independent_sessions_go_on() {
    let plan = plan(&[("lint", &[]), ("unit", &[]), ("check", &[0, 1]), ("docs", &[2])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 4, None, &mut sink);
    assert_eq!(dispatcher.schedule(), [0, 1]);
    assert_eq!(dispatcher.handle(done(&plan, 0, SessionStatus::Failed)), Response::Continue);
    // `check` is judged at once, without waiting for `unit`.
    assert_eq!(dispatcher.schedule(), Vec::<usize>::new());
    assert!(!dispatcher.is_finished(), "unit is still running");
    dispatcher.handle(done(&plan, 1, SessionStatus::Success));
    assert_eq!(dispatcher.schedule(), Vec::<usize>::new());
    assert!(dispatcher.is_finished());
    let outcome = dispatcher.into_outcome();
    assert_eq!(
        statuses(&outcome),
        [
            ("lint", SessionStatus::Failed),
            ("unit", SessionStatus::Success),
            ("check", SessionStatus::Skipped),
            ("docs", SessionStatus::Skipped)
        ]
    );
    assert_eq!(
        sink.events[2..4],
        ["finished 2 skipped requirement `lint` failed", "finished 3 skipped requirement `check` was skipped"]
    );
}

#[test]
fn at_most_jobs_run_at_once_and_requirements_run_first() {
    let plan = plan(&[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[0])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 2, None, &mut sink);
    assert!(!dispatcher.is_finished(), "nothing has run yet");
    assert_eq!(dispatcher.schedule(), [0, 1]);
    dispatcher.handle(done(&plan, 1, SessionStatus::Success));
    assert_eq!(dispatcher.schedule(), [2]);
    dispatcher.handle(done(&plan, 0, SessionStatus::Success));
    assert_eq!(dispatcher.schedule(), [3]);
    dispatcher.handle(done(&plan, 2, SessionStatus::Success));
    dispatcher.handle(done(&plan, 3, SessionStatus::Success));
    assert_eq!(dispatcher.schedule(), Vec::<usize>::new());
    assert!(dispatcher.is_finished());
    assert_eq!(sink.events[0], "run started: a,b,c,d at most 2");
}

#[test]
fn fail_fast_starts_nothing_new_but_lets_running_sessions_finish() {
    let plan = plan(&[("a", &[]), ("b", &[]), ("c", &[])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 2, Some(MaxFail { count: 1, immediate: false }), &mut sink);
    assert_eq!(dispatcher.schedule(), [0, 1]);
    assert_eq!(dispatcher.handle(done(&plan, 0, SessionStatus::Failed)), Response::Continue);
    assert_eq!(dispatcher.schedule(), Vec::<usize>::new());
    assert!(!dispatcher.is_finished(), "b is still running");
    dispatcher.handle(done(&plan, 1, SessionStatus::Success));
    assert!(dispatcher.is_finished());
    let outcome = dispatcher.into_outcome();
    assert_eq!(
        statuses(&outcome),
        [("a", SessionStatus::Failed), ("b", SessionStatus::Success), ("c", SessionStatus::Skipped)]
    );
    assert_eq!(outcome.sessions[2].message.as_deref(), Some("not started: --max-fail 1 reached"));
    assert!(sink.events.contains(&"max-fail 1".to_owned()));
}

#[test]
fn max_fail_counts_failures_and_errors_and_immediate_stops_running_sessions() {
    let plan = plan(&[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 3, Some(MaxFail { count: 2, immediate: true }), &mut sink);
    assert_eq!(dispatcher.schedule(), [0, 1, 2]);
    assert_eq!(dispatcher.handle(done(&plan, 0, SessionStatus::Error)), Response::Continue);
    // A skipped or interrupted session is not a failure.
    assert_eq!(dispatcher.schedule(), [3]);
    assert_eq!(dispatcher.handle(done(&plan, 3, SessionStatus::Interrupted)), Response::Continue);
    assert_eq!(
        dispatcher.handle(done(&plan, 1, SessionStatus::Failed)),
        Response::Stop(StopRequest::Terminate(SIGTERM))
    );
    dispatcher.handle(done(&plan, 2, SessionStatus::Interrupted));
    assert!(dispatcher.is_finished());
}

#[test]
fn the_first_signal_terminates_the_second_kills_and_pending_sessions_are_skipped() {
    let plan = plan(&[("a", &[]), ("b", &[0]), ("c", &[])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 1, None, &mut sink);
    assert_eq!(dispatcher.schedule(), [0]);
    assert_eq!(dispatcher.handle(Input::Signal(SIGINT)), Response::Stop(StopRequest::Terminate(SIGINT)));
    assert_eq!(dispatcher.handle(Input::Signal(SIGTERM)), Response::Stop(StopRequest::Kill(SIGINT)));
    dispatcher.handle(done(&plan, 0, SessionStatus::Interrupted));
    assert_eq!(dispatcher.schedule(), Vec::<usize>::new());
    assert!(dispatcher.is_finished());
    let outcome = dispatcher.into_outcome();
    assert_eq!(outcome.signal, Some(SIGINT));
    assert_eq!(outcome.sessions[1].message.as_deref(), Some("requirement `a` was interrupted"));
    assert_eq!(outcome.sessions[2].message.as_deref(), Some("not started: run interrupted by SIGINT"));
    assert!(sink.events.contains(&"signal 15 #2".to_owned()));
}

#[test]
fn the_deadline_stops_the_run_once() {
    let plan = plan(&[("a", &[]), ("b", &[])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 1, None, &mut sink);
    assert_eq!(dispatcher.schedule(), [0]);
    assert!(dispatcher.awaits_deadline());
    assert_eq!(dispatcher.handle(Input::Deadline), Response::Stop(StopRequest::RunTimeout));
    assert!(!dispatcher.awaits_deadline());
    assert_eq!(dispatcher.handle(Input::Deadline), Response::Continue);
    dispatcher.handle(done(&plan, 0, SessionStatus::Error));
    dispatcher.schedule();
    let outcome = dispatcher.into_outcome();
    assert!(outcome.timed_out);
    assert_eq!(outcome.signal, None);
    assert_eq!(outcome.sessions[1].message.as_deref(), Some("not started: the run's --timeout expired"));
    assert_eq!(sink.events.iter().filter(|event| *event == "timed out").count(), 1);
}

#[test]
fn the_most_severe_stop_cause_names_the_sessions_not_started() {
    let plan = plan(&[("a", &[]), ("b", &[]), ("c", &[])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 2, Some(MaxFail { count: 1, immediate: false }), &mut sink);
    assert_eq!(dispatcher.schedule(), [0, 1]);
    dispatcher.handle(done(&plan, 0, SessionStatus::Failed));
    dispatcher.handle(Input::Signal(SIGTERM));
    dispatcher.handle(done(&plan, 1, SessionStatus::Interrupted));
    dispatcher.schedule();
    let outcome = dispatcher.into_outcome();
    assert_eq!(outcome.sessions[2].message.as_deref(), Some("not started: run interrupted by SIGTERM"));
}

#[test]
fn a_cancel_stops_running_sessions_without_counting_as_a_signal() {
    let plan = plan(&[("a", &[]), ("b", &[])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 1, None, &mut sink);
    dispatcher.schedule();
    assert_eq!(dispatcher.handle(Input::Cancel), Response::Stop(StopRequest::Terminate(SIGTERM)));
    dispatcher.handle(done(&plan, 0, SessionStatus::Interrupted));
    dispatcher.schedule();
    let outcome = dispatcher.into_outcome();
    assert_eq!(outcome.signal, None);
    assert_eq!(outcome.sessions[1].message.as_deref(), Some("not started: the run was cancelled"));
}

#[test]
fn a_task_that_died_is_an_internal_error_and_a_late_result_is_ignored() {
    let plan = plan(&[("a", &[]), ("b", &[0])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 1, None, &mut sink);
    dispatcher.schedule();
    dispatcher.handle(Input::TaskFailed(0, "panicked".into()));
    // The task's instance is already settled: nothing it sends changes it.
    dispatcher.handle(done(&plan, 0, SessionStatus::Success));
    dispatcher.handle(Input::TaskFailed(0, "again".into()));
    dispatcher.schedule();
    assert!(dispatcher.is_finished());
    let outcome = dispatcher.into_outcome();
    assert!(outcome.internal_error);
    assert_eq!(statuses(&outcome), [("a", SessionStatus::Error), ("b", SessionStatus::Skipped)]);
    assert_eq!(
        outcome.sessions[0].message.as_deref(),
        Some("internal error: forge's task for this session failed (panicked)")
    );
}

#[test]
fn only_successes_satisfy_requirements() {
    let satisfying: Vec<SessionStatus> = [
        SessionStatus::Success,
        SessionStatus::Failed,
        SessionStatus::Error,
        SessionStatus::Skipped,
        SessionStatus::Interrupted,
    ]
    .into_iter()
    .filter(|status| status.satisfies_requirement())
    .collect();
    assert_eq!(satisfying, [SessionStatus::Success]);
}

#[test]
fn executor_events_reach_the_sink_in_order() {
    let plan = plan(&[("a", &[])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 1, None, &mut sink);
    dispatcher.schedule();
    dispatcher.handle(Input::Event(Event::SessionStarted { index: 0 }));
    dispatcher.handle(Input::Event(Event::CommandStarted { index: 0, command: "ruff check".into() }));
    dispatcher.handle(done(&plan, 0, SessionStatus::Success));
    drop(dispatcher);
    assert_eq!(sink.events[1], "SessionStarted { index: 0 }");
    assert_eq!(sink.events[2], r#"CommandStarted { index: 0, command: "ruff check" }"#);
    assert_eq!(sink.events[3], "finished 0 success ");
}

#[test]
fn a_skip_says_how_the_requirement_ended() {
    let plan = plan(&[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[0]), ("e", &[1]), ("f", &[2])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 3, None, &mut sink);
    assert_eq!(dispatcher.schedule(), [0, 1, 2]);
    dispatcher.handle(done(&plan, 0, SessionStatus::Error));
    dispatcher.handle(done(&plan, 1, SessionStatus::Failed));
    dispatcher.handle(done(&plan, 2, SessionStatus::Interrupted));
    dispatcher.schedule();
    let outcome = dispatcher.into_outcome();
    let messages: Vec<&str> = outcome.sessions[3..].iter().map(|session| session.message.as_deref().unwrap()).collect();
    assert_eq!(messages, ["requirement `a` errored", "requirement `b` failed", "requirement `c` was interrupted"]);
}

#[test]
fn after_waits_for_its_sessions_and_runs_whatever_their_outcome() {
    // report runs after unit and integration (ordering only); docs requires unit.
    let mut plan = plan(&[("unit", &[]), ("integration", &[]), ("report", &[]), ("docs", &[0])]);
    plan.instances[2].after = vec![0, 1];
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 4, None, &mut sink);
    assert_eq!(dispatcher.schedule(), [0, 1]);
    dispatcher.handle(done(&plan, 0, SessionStatus::Failed));
    // docs is skipped at once (a failed requirement); report still waits for integration.
    assert_eq!(dispatcher.schedule(), Vec::<usize>::new());
    assert!(!dispatcher.is_finished());
    dispatcher.handle(done(&plan, 1, SessionStatus::Error));
    assert_eq!(dispatcher.schedule(), [2], "report starts although both failed");
    dispatcher.handle(done(&plan, 2, SessionStatus::Success));
    assert!(dispatcher.is_finished());
    assert_eq!(
        statuses(&dispatcher.into_outcome()),
        [
            ("unit", SessionStatus::Failed),
            ("integration", SessionStatus::Error),
            ("report", SessionStatus::Success),
            ("docs", SessionStatus::Skipped)
        ]
    );
}

#[test]
fn after_a_skipped_session_still_runs_but_a_stop_cause_keeps_it_from_starting() {
    let mut plan = plan(&[("a", &[]), ("b", &[0]), ("c", &[])]);
    plan.instances[2].after = vec![1];
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 4, None, &mut sink);
    assert_eq!(dispatcher.schedule(), [0]);
    dispatcher.handle(done(&plan, 0, SessionStatus::Failed));
    // b is skipped (its requirement failed): c, after b, may start.
    assert_eq!(dispatcher.schedule(), [2]);

    let mut plan = self::plan(&[("a", &[]), ("b", &[])]);
    plan.instances[1].after = vec![0];
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 4, Some(MaxFail { count: 1, immediate: false }), &mut sink);
    assert_eq!(dispatcher.schedule(), [0]);
    dispatcher.handle(done(&plan, 0, SessionStatus::Failed));
    assert_eq!(dispatcher.schedule(), Vec::<usize>::new(), "--max-fail reached: nothing new starts");
    assert!(dispatcher.is_finished());
    assert_eq!(dispatcher.into_outcome().sessions[1].status, SessionStatus::Skipped);
}

#[test]
fn a_cached_instance_reads_its_requirements_keys_once_they_are_done() {
    let plan = plan(&[("lint", &[]), ("types", &[]), ("test", &[0, 1])]);
    let mut sink = Recording::default();
    let mut dispatcher = Dispatcher::new(&plan, 4, None, &mut sink);
    assert_eq!(dispatcher.schedule(), [0, 1]);
    // Before they are done, a requirement has no key yet.
    assert_eq!(dispatcher.requirement_keys(2), [("lint".to_owned(), None), ("types".to_owned(), None)]);
    let Input::Finished(index, mut outcome) = done(&plan, 0, SessionStatus::Cached) else { unreachable!() };
    outcome.cache_key = Some("k1".into());
    dispatcher.handle(Input::Finished(index, outcome));
    dispatcher.handle(done(&plan, 1, SessionStatus::Success));
    assert_eq!(dispatcher.schedule(), [2]);
    // An uncached requirement (no key) only has to succeed.
    assert_eq!(
        dispatcher.requirement_keys(2),
        [("lint".to_owned(), Some("k1".to_owned())), ("types".to_owned(), None)]
    );
}
