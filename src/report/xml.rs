//! A small, lenient XML tree built from `quick-xml` events, for reading other tools' reports.
//!
//! Lenient means: namespace prefixes are ignored (local names only), mismatched or unmatched end
//! tags are tolerated, elements left open at the end of a truncated file are closed, the
//! DOCTYPE is skipped (never fetched) and invalid UTF-8 is decoded lossily.
//!
//! Not lenient about depth: elements nested deeper than [`MAX_DEPTH`] are an error, because the
//! tree (and every reader walking it) is recursive and a hostile file would overflow the stack.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// One element: its local name, attributes in document order, child elements and its own text
/// (text and CDATA directly inside it, concatenated, entities resolved).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Element {
    /// Local name (`testsuite`, not `ns:testsuite`).
    pub name: String,
    /// `(local name, value)` pairs, values unescaped.
    pub attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Direct text content.
    pub text: String,
}

impl Element {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Child elements named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }
}

/// The deepest element nesting accepted: 256 levels, libxml2's default limit (`xmlParserMaxDepth`
/// without `XML_PARSE_HUGE`). Real reports nest a few levels (Cobertura: 9); the limit keeps the
/// recursive tree's drop and walks far from the stack's end.
pub const MAX_DEPTH: usize = 256;

/// Parses `bytes` (UTF-8 expected; other bytes are decoded lossily) into its root element.
///
/// # Errors
/// A message saying what is wrong and where (byte offset): malformed XML, elements nested deeper
/// than [`MAX_DEPTH`], or no root element.
pub fn parse(bytes: &[u8]) -> Result<Element, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                return Err(format!("malformed XML at byte {}: {error}", reader.error_position()));
            }
        };
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "elements nested deeper than {MAX_DEPTH} levels (at byte {})",
                        reader.buffer_position()
                    ));
                }
                stack.push(element(&start));
            }
            Event::Empty(start) => {
                let child = element(&start);
                attach(&mut stack, &mut root, child);
            }
            Event::End(_) => {
                if let Some(done) = stack.pop() {
                    attach(&mut stack, &mut root, done);
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(current) = stack.last_mut() {
                    let name = reference.xml10_content();
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) => current.text.push(c),
                        Ok(None) => match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(value) => current.text.push_str(value),
                            None => {
                                current.text.push('&');
                                current.text.push_str(&name);
                                current.text.push(';');
                            }
                        },
                        Err(_) => {}
                    }
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
        if root.is_some() && stack.is_empty() {
            break;
        }
    }
    while let Some(open) = stack.pop() {
        attach(&mut stack, &mut root, open);
    }
    root.ok_or_else(|| "no root element".to_owned())
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, child: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(child),
        None => {
            if root.is_none() {
                *root = Some(child);
            }
        }
    }
}

fn element(start: &BytesStart<'_>) -> Element {
    let name = start.local_name().as_ref().to_owned();
    let attributes = start
        .attributes()
        .with_checks(false)
        .flatten()
        .map(|attribute| {
            let key = attribute.key.local_name().as_ref().to_owned();
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|value| value.into_owned())
                .unwrap_or_else(|_| attribute.value.clone().into_owned());
            (key, value)
        })
        .collect();
    Element { name, attributes, children: Vec::new(), text: String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_elements_attributes_and_text() {
        let root = parse(br#"<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://nowhere/x.dtd"><a k="1 &amp; 2"><b>t&lt;x<![CDATA[ <raw> ]]>&#65;</b><c/></a>"#)
            .expect("parses");
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("k"), Some("1 & 2"));
        assert_eq!(root.child("b").map(|b| b.text.as_str()), Some("t<x <raw> A"));
        assert!(root.child("c").is_some());
    }

    #[test]
    fn tolerates_prefixes_truncation_and_bad_utf8() {
        let root = parse(b"<ns:a xmlns:ns=\"u\"><ns:b v=\"\xff\"><c>text").expect("parses");
        assert_eq!(root.name, "a");
        let b = root.child("b").expect("b");
        assert_eq!(b.attr("v"), Some("\u{fffd}"));
        assert_eq!(b.child("c").map(|c| c.text.as_str()), Some("text"));
    }

    #[test]
    fn nesting_is_limited_without_overflowing_the_stack() {
        let nested = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(parse(nested(MAX_DEPTH).as_bytes()).is_ok());
        let error = parse(nested(MAX_DEPTH + 1).as_bytes()).expect_err("too deep");
        assert_eq!(error, format!("elements nested deeper than 256 levels (at byte {})", 3 * (MAX_DEPTH + 1)));
        // Unclosed, as a truncated hostile file would be: still refused, not built.
        assert!(parse("<a>".repeat(200_000).as_bytes()).is_err());
        // Empty elements at the limit do not nest further.
        assert!(parse(format!("{}<b/>{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH)).as_bytes()).is_ok());
    }

    #[test]
    fn rejects_documents_without_a_root() {
        assert!(parse(b"   ").is_err());
        assert!(parse(b"<a><b></a>").is_ok());
    }
}
