//! Line numbers of values in sessions.toml, so that an error found after parsing (an unknown
//! requirement, a report path outside the project, a missing requirements file) can say where the
//! value is written, as the parser's own errors do.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of the path to a value: a table key or an array index.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    /// `sessions`, `lint`, `requires`…
    Key(&'a str),
    /// The n-th element of an array (0-based).
    Index(usize),
}

/// The parsed document with spans, kept beside the serde model only to answer "which line".
pub struct Locator<'a> {
    text: &'a str,
    document: Option<Spanned<DeTable<'a>>>,
}

impl<'a> Locator<'a> {
    /// Parses `text` once more, this time keeping every value's byte span. A document that does
    /// not parse (it would have been rejected before validation) locates nothing.
    pub fn new(text: &'a str) -> Self {
        Self { text, document: DeTable::parse(text).ok() }
    }

    /// The 1-based line where the value at `path` starts. When the path leads to no value (a
    /// default the file does not write), the line of the deepest value on the way; `None` when
    /// not even the first step exists.
    pub fn line(&self, path: &[Step<'_>]) -> Option<usize> {
        let document = self.document.as_ref()?;
        // `None` is the document itself.
        let mut current: Option<&Spanned<DeValue<'_>>> = None;
        let mut found = None;
        for step in path {
            let next = match (step, current.map(Spanned::get_ref)) {
                (Step::Key(key), None) => lookup(document.get_ref(), key),
                (Step::Key(key), Some(DeValue::Table(table))) => lookup(table, key),
                (Step::Index(index), Some(DeValue::Array(items))) => items.get(*index),
                _ => None,
            };
            let Some(next) = next else { break };
            found = Some(next.span().start);
            current = Some(next);
        }
        found.map(|offset| line_column(self.text, offset).0)
    }
}

fn lookup<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
    table.iter().find(|(name, _)| name.get_ref() == key).map(|(_, value)| value)
}

/// 1-based line and character column of byte `offset` in `text` (an offset past the end or inside
/// a character counts from the character boundary before it).
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[forge]\njobs = 2\n\n[sessions.lint]\nrequires = [\n  \"a\",\n  \"b\",\n]\n\n[sessions.\"x.y\"]\njunit = [\"r.xml\"]\n";

    #[test]
    fn finds_keys_tables_and_array_elements() {
        let locator = Locator::new(TEXT);
        assert_eq!(locator.line(&[Step::Key("forge"), Step::Key("jobs")]), Some(2));
        let requires = [Step::Key("sessions"), Step::Key("lint"), Step::Key("requires")];
        assert_eq!(locator.line(&requires), Some(5));
        assert_eq!(locator.line(&[requires[0], requires[1], requires[2], Step::Index(1)]), Some(7));
        let junit = [Step::Key("sessions"), Step::Key("x.y"), Step::Key("junit"), Step::Index(0)];
        assert_eq!(locator.line(&junit), Some(11));
    }

    #[test]
    fn a_missing_step_gives_the_deepest_line_found() {
        let locator = Locator::new(TEXT);
        assert_eq!(locator.line(&[Step::Key("sessions"), Step::Key("lint"), Step::Key("tags")]), Some(4));
        assert_eq!(locator.line(&[Step::Key("coverage")]), None);
        assert_eq!(Locator::new("not [ toml").line(&[Step::Key("forge")]), None);
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
    }
}
