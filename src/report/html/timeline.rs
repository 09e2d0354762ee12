//! The run's timeline: each started instance on a parallel lane (computed from start and end
//! times, like a Gantt chart of the scheduler), and the critical path — the chain of `requires`
//! ending with the instance that ended last — that bounds the run's wall time.

use std::time::Duration;

/// One instance as the timeline needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Span<'a> {
    /// Instance name.
    pub name: &'a str,
    /// Start, from the run's start.
    pub start: Duration,
    /// Wall time.
    pub duration: Duration,
    /// The instances it required, by name.
    pub requires: &'a [String],
}

impl Span<'_> {
    fn end(&self) -> Duration {
        self.start + self.duration
    }
}

/// The lane of each span (same order as `spans`): the lowest lane free at its start, spans taken
/// by start time (ties in input order), so lanes never show more overlap than the run had and
/// the number of lanes is the run's peak parallelism.
pub fn lanes(spans: &[Span<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&index| (spans[index].start, index));
    let mut lane_ends: Vec<Duration> = Vec::new();
    let mut lanes = vec![0; spans.len()];
    for index in order {
        let span = &spans[index];
        let lane = match lane_ends.iter().position(|&end| end <= span.start) {
            Some(lane) => lane,
            None => {
                lane_ends.push(Duration::ZERO);
                lane_ends.len() - 1
            }
        };
        lane_ends[lane] = span.end();
        lanes[index] = lane;
    }
    lanes
}

/// The critical path, as indices into `spans` from first to last: the span that ended last,
/// preceded by its requirement that ended last, and so on. Empty for no spans.
pub fn critical_path(spans: &[Span<'_>]) -> Vec<usize> {
    let last = |candidates: &mut dyn Iterator<Item = usize>| {
        // The latest end; on a tie the later in plan order, which depends on the earlier.
        candidates.max_by_key(|&index| (spans[index].end(), index))
    };
    let mut path = Vec::new();
    let mut current = last(&mut (0..spans.len()));
    while let Some(index) = current {
        if path.contains(&index) {
            break;
        }
        path.push(index);
        let requires = spans[index].requires;
        current = last(&mut (0..spans.len()).filter(|&other| requires.iter().any(|name| name == spans[other].name)));
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span<'a>(name: &'a str, start: u64, duration: u64, requires: &'a [String]) -> Span<'a> {
        Span { name, start: Duration::from_secs(start), duration: Duration::from_secs(duration), requires }
    }

    #[test]
    fn overlapping_spans_get_their_own_lanes_and_freed_lanes_are_reused() {
        let none: &[String] = &[];
        let spans = [
            span("a", 0, 10, none),
            span("b", 0, 3, none),
            span("c", 3, 4, none),
            span("d", 5, 1, none),
            span("e", 10, 2, none),
        ];
        // b ends at 3 as c starts: c takes b's lane; d overlaps a and c; e starts when a ends.
        assert_eq!(lanes(&spans), [0, 1, 1, 2, 0]);
        assert_eq!(lanes(&[]), Vec::<usize>::new());
    }

    #[test]
    fn input_order_does_not_matter_only_times_do() {
        let none: &[String] = &[];
        let spans = [span("late", 5, 1, none), span("early", 0, 10, none)];
        assert_eq!(lanes(&spans), [1, 0]);
    }

    #[test]
    fn the_critical_path_follows_the_requirement_that_ended_last() {
        let (none, build, both) = (vec![], vec!["build".to_owned()], vec!["lint".to_owned(), "test".to_owned()]);
        let spans = [
            span("build", 0, 2, &none),
            span("lint", 0, 1, &none),
            span("test", 2, 5, &build),
            span("docs", 2, 1, &build),
            span("publish", 7, 1, &both),
        ];
        assert_eq!(critical_path(&spans), [0, 2, 4]);
        // Without requirements the path is the span that ended last, alone.
        let spans = [span("a", 0, 3, &none), span("b", 0, 5, &none)];
        assert_eq!(critical_path(&spans), [1]);
        assert!(critical_path(&[]).is_empty());
    }

    #[test]
    fn a_requirement_that_never_started_ends_the_path() {
        let needs = vec!["gone".to_owned()];
        let spans = [span("a", 1, 3, &needs)];
        assert_eq!(critical_path(&spans), [0]);
    }
}
