//! Making arbitrary command output safe for XML 1.0: lossy UTF-8, no ANSI escapes, no characters
//! XML 1.0 forbids, bounded length.

/// The most bytes of output kept in a report (the tail is kept): 64 KiB.
pub const OUTPUT_CAP: usize = 64 * 1024;

/// Decodes `bytes` lossily (invalid UTF-8 becomes U+FFFD) and returns [`text`] of it, keeping the
/// last [`OUTPUT_CAP`] bytes.
pub fn output(bytes: &[u8]) -> String {
    cap_tail(&text(&String::from_utf8_lossy(bytes)), OUTPUT_CAP)
}

/// `input` with ANSI escape sequences (CSI, OSC, two-byte `ESC x`) removed, `\r\n` and lone `\r`
/// turned into `\n`, and every character outside XML 1.0's `Char` production removed: C0 controls
/// other than tab and newline, surrogates (impossible in `str`), U+FFFE and U+FFFF
/// (<https://www.w3.org/TR/xml/#charsets>).
pub fn text(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            '\r' if chars.peek() != Some(&'\n') => out.push('\n'),
            '\r' => {}
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// [`text`] on one line: newlines and tabs become spaces, runs of spaces collapse, and the result
/// is trimmed and capped at 1,000 bytes. For attribute values such as `message`.
pub fn one_line(input: &str) -> String {
    let cleaned = text(input);
    let mut out = String::with_capacity(cleaned.len());
    for word in cleaned.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    cap_head(&out, 1000)
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production), excluding the C1 controls
/// U+0080–U+009F that XML 1.0 allows but discourages and terminals treat as controls.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            // OSC / DCS / SOS / PM / APC: up to BEL or ST (ESC \).
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\u{7}' || c == '\u{9c}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        Some('(' | ')' | '*' | '+' | '#' | '%') => {
            // Character set designation: ESC ( B and friends.
            chars.next();
            chars.next();
        }
        Some(c) if ('\u{40}'..='\u{7e}').contains(c) || c.is_ascii_digit() || *c == '=' || *c == '>' => {
            chars.next();
        }
        _ => {}
    }
}

/// Skips a CSI sequence's parameters and intermediates up to and including its final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        if ('\u{20}'..='\u{3f}').contains(&c) {
            chars.next();
        } else {
            if ('\u{40}'..='\u{7e}').contains(&c) {
                chars.next();
            }
            return;
        }
    }
}

/// The last `max` bytes of `text` (cut at a character boundary), prefixed with a note when cut.
pub fn cap_tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("[... {start} earlier bytes omitted ...]\n{}", &text[start..])
}

/// The first `max` bytes of `text` (cut at a character boundary), with `...` when cut.
pub fn cap_head(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ansi_sequences() {
        assert_eq!(text("\u{1b}[1;31mred\u{1b}[0m plain"), "red plain");
        assert_eq!(text("\u{1b}]0;title\u{7}after"), "after");
        assert_eq!(text("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"), "link");
        assert_eq!(text("\u{1b}(Bx\u{1b}7y"), "xy");
        assert_eq!(text("\u{9b}2Kz"), "z");
    }

    #[test]
    fn removes_characters_xml_forbids() {
        let all_c0: String = (0u8..0x20).map(char::from).collect();
        assert_eq!(text(&all_c0), "\t\n\n");
        assert_eq!(text("a\u{fffe}b\u{ffff}c\u{7f}d\u{85}e"), "abcde");
        assert_eq!(text("keep ]]> and <&> and é 𝄞"), "keep ]]> and <&> and é 𝄞");
        assert_eq!(text("progress\r50%\r\ndone"), "progress\n50%\ndone");
    }

    #[test]
    fn decodes_invalid_utf8_lossily_and_caps_the_tail() {
        assert_eq!(output(b"ok \xff\xfe bad\x00"), "ok \u{fffd}\u{fffd} bad");
        let long = "é".repeat(OUTPUT_CAP);
        let capped = output(long.as_bytes());
        assert!(capped.starts_with("[... "));
        assert!(capped.len() <= OUTPUT_CAP + 64);
        assert!(capped.ends_with('é'));
    }

    #[test]
    fn one_line_collapses_whitespace() {
        assert_eq!(one_line("  exit status 1\n\tsecond\r\nthird  "), "exit status 1 second third");
        assert!(one_line(&"x".repeat(5000)).len() <= 1003);
    }
}
