//! Coverage reports name the checkout they were measured in: Cobertura's `<source>` elements
//! hold absolute paths (coverage.py writes the measured directories there). A stored coverage
//! report is made portable — the project root at the start of a `<source>` becomes
//! [`ROOT_TOKEN`] — and a restored one gets the restoring checkout's root back, so a result
//! proved in `/home/ci/work/app` merges correctly in `/Users/ana/src/app`, and a local hit is
//! still byte for byte what the session wrote.

/// What stands for the project root in a stored coverage report.
pub const ROOT_TOKEN: &str = "{forge-project-root}";

const OPEN: &[u8] = b"<source>";

/// `xml` with each `<source>` that starts with one of `roots` (followed by `/` or `<`) starting
/// with [`ROOT_TOKEN`] instead; `None` when no `<source>` does.
pub fn to_portable(xml: &[u8], roots: &[&str]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(xml.len());
    let mut changed = false;
    let mut rest = xml;
    while let Some(at) = find(rest, OPEN) {
        let (before, after) = rest.split_at(at + OPEN.len());
        out.extend_from_slice(before);
        rest = after;
        let matched = roots.iter().map(|root| root.trim_end_matches('/').as_bytes()).find(|root| {
            !root.is_empty() && rest.starts_with(root) && matches!(rest.get(root.len()), Some(b'/' | b'<'))
        });
        if let Some(root) = matched {
            out.extend_from_slice(ROOT_TOKEN.as_bytes());
            rest = &rest[root.len()..];
            changed = true;
        }
    }
    out.extend_from_slice(rest);
    changed.then_some(out)
}

/// `xml` (a stored report) with [`ROOT_TOKEN`] after each `<source>` replaced by `root`; `None`
/// when it holds none.
pub fn to_local(xml: &[u8], root: &str) -> Option<Vec<u8>> {
    let token: Vec<u8> = [OPEN, ROOT_TOKEN.as_bytes()].concat();
    find(xml, &token)?;
    let mut out = Vec::with_capacity(xml.len() + root.len());
    let mut rest = xml;
    while let Some(at) = find(rest, &token) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(OPEN);
        out.extend_from_slice(root.trim_end_matches('/').as_bytes());
        rest = &rest[at + token.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "<coverage><sources><source>/ci/app/src</source><source>/ci/app</source>\
                          <source>/ci/apple/src</source><source>/usr/lib</source></sources></coverage>";

    #[test]
    fn the_root_is_replaced_only_as_a_whole_path_at_the_start_of_a_source() {
        let portable = String::from_utf8(to_portable(REPORT.as_bytes(), &["/ci/app/"]).unwrap()).unwrap();
        assert_eq!(
            portable,
            "<coverage><sources><source>{forge-project-root}/src</source><source>{forge-project-root}</source>\
             <source>/ci/apple/src</source><source>/usr/lib</source></sources></coverage>"
        );
        let local = String::from_utf8(to_local(portable.as_bytes(), "/home/ana/app").unwrap()).unwrap();
        assert_eq!(local, REPORT.replace("/ci/app/src", "/home/ana/app/src").replace(">/ci/app<", ">/home/ana/app<"));
        assert_eq!(
            to_local(portable.as_bytes(), "/ci/app").unwrap(),
            REPORT.as_bytes(),
            "a local hit is byte for byte"
        );
    }

    #[test]
    fn a_report_without_the_root_is_left_alone() {
        assert_eq!(to_portable(REPORT.as_bytes(), &["/elsewhere"]), None);
        assert_eq!(to_portable(b"<coverage/>", &["/ci/app"]), None);
        assert_eq!(to_local(REPORT.as_bytes(), "/ci/app"), None);
    }
}
