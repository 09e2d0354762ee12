//! Reading templates: placeholders (nested in defaults), `{{`/`}}`, and command lines split into
//! word templates. An error quotes the value (whole, unless it is very long) and gives the column
//! of the character at fault.

use super::{PosargsDefault, Template, TemplatePart};
use crate::config::error::escape;

/// How deeply placeholders may nest in defaults (`{posargs:{env:A:{root}}}` is 3 deep). The
/// parser recurses: a hostile value of thousands of `{posargs:` is an error, not a stack overflow.
const MAX_DEPTH: usize = 8;

/// The longest value (in characters) an error quotes whole; a longer one is shown as a window of
/// `WINDOW_CHARS` on each side of the fault, so a hostile value cannot flood the terminal.
const QUOTE_WHOLE_CHARS: usize = 160;
const WINDOW_CHARS: usize = 50;

// Private-use characters stand in for placeholders while a command line is split into words.
const MARK_OPEN: char = '\u{F8F0}';
const MARK_CLOSE: char = '\u{F8F1}';

const SIMPLE: [&str; 6] = ["posargs", "python", "session", "envdir", "reports", "root"];

/// A malformed template: one line quoting the value and pointing at the fault, and a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// E.g. "unclosed `{` at column 8 in `pytest {posargs`".
    pub message: String,
    /// What to write instead, when there is a likely fix.
    pub hint: Option<String>,
}

/// A fault before it is put in words: what, at which 0-based character of the value.
struct Fault {
    what: String,
    at: Option<usize>,
    hint: Option<String>,
}

impl Fault {
    fn at(at: usize, what: impl Into<String>, hint: Option<&str>) -> Self {
        Self { what: what.into(), at: Some(at), hint: hint.map(str::to_owned) }
    }

    fn unclosed(open: usize) -> Self {
        Self::at(open, "unclosed `{`", Some("a placeholder ends with `}`; write `{{` for a literal `{`"))
    }

    fn into_error(self, text: &str) -> TemplateError {
        let message = match self.at {
            Some(at) => format!("{} at column {} in `{}`", self.what, at + 1, quote(text, at)),
            None => format!("{} in `{}`", self.what, quote(text, 0)),
        };
        TemplateError { message, hint: self.hint }
    }
}

/// `text` escaped onto one line; when long, only the part around character `at`.
fn quote(text: &str, at: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= QUOTE_WHOLE_CHARS {
        return escape(text);
    }
    let start = at.saturating_sub(WINDOW_CHARS).min(chars.len());
    let end = (at + WINDOW_CHARS).min(chars.len());
    let window: String = chars[start..end].iter().collect();
    let before = if start > 0 { "…" } else { "" };
    let after = if end < chars.len() { "…" } else { "" };
    format!("{before}{}{after}", escape(&window))
}

/// A part with the character range of the value it was read from.
struct Piece {
    part: TemplatePart,
    start: usize,
    end: usize,
}

fn template(pieces: &[Piece]) -> Template {
    Template { parts: pieces.iter().map(|piece| piece.part.clone()).collect() }
}

struct Parser {
    chars: Vec<char>,
    position: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn peek_next(&self) -> Option<char> {
        self.chars.get(self.position + 1).copied()
    }

    fn take_name(&mut self) -> String {
        let start = self.position;
        while self.peek().is_some_and(|character| !matches!(character, ':' | '}' | '{')) {
            self.position += 1;
        }
        self.chars[start..self.position].iter().collect()
    }

    /// Reads parts up to the end (`depth` 0) or up to the `}` closing a default (`depth` > 0,
    /// consumed). The flag says whether that `}` was found.
    fn sequence(&mut self, depth: usize) -> Result<(Vec<Piece>, bool), Fault> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut literal_start = self.position;
        let flush = |pieces: &mut Vec<Piece>, literal: &mut String, start: usize, end: usize| {
            if !literal.is_empty() {
                pieces.push(Piece { part: TemplatePart::Literal(std::mem::take(literal)), start, end });
            }
        };
        while let Some(character) = self.peek() {
            let at = self.position;
            match character {
                // In a default, `}` always closes: `{env:A:{env:B:x}}` ends two defaults.
                '{' | '}' if self.peek_next() == Some(character) && (character == '{' || depth == 0) => {
                    literal.push(character);
                    self.position += 2;
                }
                '}' if depth > 0 => {
                    flush(&mut pieces, &mut literal, literal_start, at);
                    self.position += 1;
                    return Ok((pieces, true));
                }
                '}' => return Err(Fault::at(at, "unmatched `}`", Some("write `}}` for a literal `}`"))),
                '{' => {
                    flush(&mut pieces, &mut literal, literal_start, at);
                    let part = self.placeholder(depth)?;
                    pieces.push(Piece { part, start: at, end: self.position });
                    literal_start = self.position;
                }
                other => {
                    literal.push(other);
                    self.position += 1;
                }
            }
        }
        flush(&mut pieces, &mut literal, literal_start, self.position);
        Ok((pieces, false))
    }

    /// Reads one placeholder; `self.position` is at its `{`.
    fn placeholder(&mut self, depth: usize) -> Result<TemplatePart, Fault> {
        let open = self.position;
        if depth >= MAX_DEPTH {
            return Err(Fault::at(open, format!("placeholders nested more than {MAX_DEPTH} deep"), None));
        }
        self.position += 1;
        let name = self.take_name();
        match self.peek() {
            Some('}') => {
                self.position += 1;
                simple(&name, open)
            }
            Some(':') => {
                self.position += 1;
                match name.as_str() {
                    "posargs" => self.posargs_default(open, depth),
                    "env" => self.env(open, depth),
                    known if SIMPLE.contains(&known) => {
                        Err(Fault::at(open, format!("`{{{known}}}` takes no `:` argument"), None))
                    }
                    _ => Err(unknown(&format!("{name}:…"), &name, open)),
                }
            }
            _ => Err(Fault::unclosed(open)),
        }
    }

    fn default(&mut self, open: usize, depth: usize) -> Result<Vec<Piece>, Fault> {
        let (pieces, closed) = self.sequence(depth + 1)?;
        if closed { Ok(pieces) } else { Err(Fault::unclosed(open)) }
    }

    fn posargs_default(&mut self, open: usize, depth: usize) -> Result<TemplatePart, Fault> {
        let start = self.position;
        let pieces = self.default(open, depth)?;
        let text = template(&pieces);
        if text.uses(&TemplatePart::Posargs(None)) {
            return Err(Fault::at(open, "`{posargs}` inside the default of `{posargs:…}`", None));
        }
        let words = split_words(&self.chars, start..self.position - 1, &pieces)
            .map_err(|fault| Fault { what: format!("the default of `{{posargs:…}}`: {}", fault.what), ..fault })?;
        Ok(TemplatePart::Posargs(Some(PosargsDefault { text, words })))
    }

    fn env(&mut self, open: usize, depth: usize) -> Result<TemplatePart, Fault> {
        let variable = self.take_name();
        if variable.is_empty() {
            return Err(Fault::at(open, "`{env:…}` needs a variable name", Some("e.g. `{env:HOME}`")));
        }
        if variable.contains(['=', '\0']) {
            return Err(Fault::at(open, format!("`{}` is not an environment variable name", escape(&variable)), None));
        }
        let default = match self.peek() {
            Some('}') => {
                self.position += 1;
                None
            }
            Some(':') => {
                self.position += 1;
                Some(template(&self.default(open, depth)?))
            }
            Some(_) => return Err(Fault::at(self.position, "unexpected `{` in `{env:…}`", None)),
            None => return Err(Fault::unclosed(open)),
        };
        Ok(TemplatePart::Env(variable, default))
    }
}

fn simple(name: &str, open: usize) -> Result<TemplatePart, Fault> {
    Ok(match name {
        "posargs" => TemplatePart::Posargs(None),
        "python" => TemplatePart::Python,
        "session" => TemplatePart::Session,
        "envdir" => TemplatePart::Envdir,
        "reports" => TemplatePart::Reports,
        "root" => TemplatePart::Root,
        // Whether the axis exists is the session's to check (`config::session`).
        axis if axis.strip_prefix("matrix.").is_some_and(|axis| !axis.is_empty()) => {
            TemplatePart::Matrix(axis["matrix.".len()..].to_owned())
        }
        "matrix" | "matrix." => {
            return Err(Fault::at(open, "`{matrix.NAME}` needs an axis name", Some("e.g. `{matrix.django}`")));
        }
        "env" => return Err(Fault::at(open, "`{env}` needs a variable name", Some("e.g. `{env:HOME}`"))),
        _ => return Err(unknown(name, name, open)),
    })
}

fn unknown(shown: &str, name: &str, open: usize) -> Fault {
    let known = SIMPLE.iter().copied().chain(["env:NAME", "matrix.NAME"]);
    let hint = match crate::config::suggest(name, known) {
        Some(near) => format!("did you mean `{{{near}}}`?"),
        None => "write `{{` and `}}` for literal braces".to_owned(),
    };
    let shown: String = shown.chars().take(WINDOW_CHARS).collect();
    Fault { what: format!("unknown placeholder `{{{}}}`", escape(&shown)), at: Some(open), hint: Some(hint) }
}

/// Splits `pieces` (read from `chars[range]`) into words like a POSIX shell would, without
/// running one; placeholders are masked first, so their values are never split.
fn split_words(chars: &[char], range: std::ops::Range<usize>, pieces: &[Piece]) -> Result<Vec<Template>, Fault> {
    let mut masked = String::new();
    let mut placeholders = Vec::new();
    for piece in pieces {
        match &piece.part {
            TemplatePart::Literal(text) if text.contains([MARK_OPEN, MARK_CLOSE]) => {
                return Err(Fault::at(piece.start, "reserved private-use characters", None));
            }
            TemplatePart::Literal(text) => masked.push_str(text),
            other => {
                masked.push(MARK_OPEN);
                masked.push_str(&placeholders.len().to_string());
                masked.push(MARK_CLOSE);
                placeholders.push(other.clone());
            }
        }
    }
    let words = shlex::split(&masked).ok_or_else(|| match quote_fault(chars, range, pieces) {
        Some((at, what)) => Fault::at(at, what, Some("quotes work as in `sh`; or write the command as an array")),
        None => Fault { what: "cannot split into words".into(), at: None, hint: None },
    })?;
    Ok(words.into_iter().map(|word| unmask(&word, &placeholders)).collect())
}

/// Where splitting failed: the quote left open, or a trailing backslash (placeholders skipped).
fn quote_fault(chars: &[char], range: std::ops::Range<usize>, pieces: &[Piece]) -> Option<(usize, &'static str)> {
    enum State {
        Plain,
        Single(usize),
        Double(usize),
    }
    let mut state = State::Plain;
    let mut position = range.start;
    let mut escaped = false;
    while position < range.end.min(chars.len()) {
        if let Some(piece) =
            pieces.iter().find(|piece| piece.start == position && !matches!(piece.part, TemplatePart::Literal(_)))
        {
            position = piece.end;
            escaped = false;
            continue;
        }
        let character = chars[position];
        if escaped {
            escaped = false;
        } else {
            match (&state, character) {
                (State::Plain | State::Double(_), '\\') => escaped = true,
                (State::Plain, '\'') => state = State::Single(position),
                (State::Plain, '"') => state = State::Double(position),
                (State::Single(_), '\'') | (State::Double(_), '"') => state = State::Plain,
                _ => {}
            }
        }
        position += 1;
    }
    match state {
        _ if escaped => Some((position.saturating_sub(1), "a trailing backslash")),
        State::Single(at) => Some((at, "unclosed `'`")),
        State::Double(at) => Some((at, "unclosed `\"`")),
        State::Plain => None,
    }
}

fn unmask(word: &str, placeholders: &[TemplatePart]) -> Template {
    let mut parts = Vec::new();
    let mut rest = word;
    while let Some(start) = rest.find(MARK_OPEN) {
        if start > 0 {
            parts.push(TemplatePart::Literal(rest[..start].to_owned()));
        }
        let after = &rest[start + MARK_OPEN.len_utf8()..];
        let end = after.find(MARK_CLOSE).unwrap_or(after.len());
        if let Some(part) = after[..end].parse::<usize>().ok().and_then(|index| placeholders.get(index)) {
            parts.push(part.clone());
        }
        rest = after.get(end + MARK_CLOSE.len_utf8()..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Literal(rest.to_owned()));
    }
    Template { parts }
}

fn parse_pieces(text: &str) -> Result<(Vec<char>, Vec<Piece>), TemplateError> {
    let mut parser = Parser { chars: text.chars().collect(), position: 0 };
    let (pieces, _) = parser.sequence(0).map_err(|fault| fault.into_error(text))?;
    Ok((parser.chars, pieces))
}

impl Template {
    /// Parses `text`.
    ///
    /// # Errors
    /// Unclosed, unmatched or unknown placeholders, e.g. "unknown placeholder `{pyhton}` at
    /// column 8 in `pytest {pyhton}`" with the hint "did you mean `{python}`?".
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        parse_pieces(text).map(|(_, pieces)| template(&pieces))
    }

    /// Splits a command line into word templates like a POSIX shell would (quotes, backslashes),
    /// without running one; placeholders may hold spaces (`{posargs:-x tests}`) and are never
    /// split again.
    ///
    /// # Errors
    /// Malformed placeholders, unbalanced quotes or a trailing backslash, or no words at all.
    pub fn split_command(line: &str) -> Result<Vec<Template>, TemplateError> {
        let (chars, pieces) = parse_pieces(line)?;
        let words = split_words(&chars, 0..chars.len(), &pieces).map_err(|fault| fault.into_error(line))?;
        if words.is_empty() {
            return Err(TemplateError { message: "the command is empty".into(), hint: None });
        }
        Ok(words)
    }
}
