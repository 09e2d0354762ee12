//! Formatting for report.html: durations, output tails, relative links, shell words.

use std::path::Path;
use std::time::Duration;

/// The most output shown per failed session: its last lines up to this many bytes.
pub const TAIL_BYTES: usize = 8 * 1024;
/// ... and at most this many lines.
pub const TAIL_LINES: usize = 60;

/// The last [`TAIL_LINES`] lines of `output`, at most [`TAIL_BYTES`], and whether it was cut.
pub fn tail(output: &str) -> (String, bool) {
    let trimmed = output.trim_end();
    let mut start = trimmed.len().saturating_sub(TAIL_BYTES);
    while !trimmed.is_char_boundary(start) {
        start += 1;
    }
    let mut tail = &trimmed[start..];
    if let Some((at, _)) = tail.rmatch_indices('\n').nth(TAIL_LINES - 1) {
        tail = &tail[at + 1..];
    }
    (tail.to_owned(), tail.len() < trimmed.len())
}

pub fn shell_word(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| word.to_owned(), |quoted| quoted.into_owned())
}

/// `0.42 s`, `12.3 s`, `2 m 05 s`.
pub fn duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 10.0 {
        format!("{seconds:.2} s")
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        format!("{} m {:02} s", duration.as_secs() / 60, duration.as_secs() % 60)
    }
}

/// `target` relative to directory `from` (`logs/test.log`), with `..` where they part; the path
/// as given when they share no root.
pub fn relative(from: &Path, target: &Path) -> String {
    let (from, target): (Vec<_>, Vec<_>) = (from.components().collect(), target.components().collect());
    let common = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return target.iter().collect::<std::path::PathBuf>().to_string_lossy().into_owned();
    }
    let mut path = std::path::PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    path.extend(&target[common..]);
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_summary() {
        assert_eq!(duration(Duration::from_millis(420)), "0.42 s");
        assert_eq!(duration(Duration::from_millis(12_340)), "12.3 s");
        assert_eq!(duration(Duration::from_secs(125)), "2 m 05 s");
    }

    #[test]
    fn a_tail_keeps_the_last_lines_and_bytes_and_says_so() {
        assert_eq!(tail("a\nb\n"), ("a\nb".to_owned(), false));
        let many: String = (0..100).map(|line| format!("line {line}\n")).collect();
        let (kept, cut) = tail(&many);
        assert!(cut);
        assert_eq!(kept.lines().count(), TAIL_LINES);
        assert!(kept.starts_with("line 40\n") && kept.ends_with("line 99"));
        let long = "é".repeat(TAIL_BYTES);
        let (kept, cut) = tail(&long);
        assert!(cut && kept.len() <= TAIL_BYTES && kept.chars().all(|c| c == 'é'));
    }

    #[test]
    fn links_are_relative_to_the_page() {
        let reports = Path::new("/p/.forge/reports");
        assert_eq!(relative(reports, Path::new("/p/.forge/reports/logs/test.log")), "logs/test.log");
        assert_eq!(relative(reports, Path::new("/p/out/test.log")), "../../out/test.log");
        assert_eq!(relative(Path::new("reports"), Path::new("/abs/log")), "/abs/log");
        assert_eq!(shell_word("test-3.12"), "test-3.12");
        assert_eq!(shell_word("a b"), "'a b'");
    }
}
