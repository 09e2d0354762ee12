//! report.html in a real browser: headless Chromium (Debian's `chromium`, which
//! `scripts/install-test-deps` installs) opens the page of a failing run with history and
//! coverage, its script removed (what a reader with JavaScript off gets; Chromium's own
//! `scriptEnabled=false` setting stops headless screenshots), and takes a screenshot; the PNG is decoded and must show a page,
//! not a blank: many distinct colours (the status colours, text) and a good share of ink.
//! `FORGE_UPDATE_SCREENSHOT=1` copies it to docs/report.png, the picture the README shows.

use std::collections::HashSet;
use std::process::{Command, Stdio};

use super::calc_project;
use crate::support::output_within;

const MORE: &str = r#"
[sessions.broken]
venv = false
commands = [["forge-test-no-such-program"]]

[sessions.package]
venv = false
requires = ["test"]
commands = [["python3", "-c", "print('packaged')"]]
"#;

#[test]
fn chromium_shows_the_page_without_its_script() {
    let test = calc_project(MORE);
    for fail in ["0", "1", "0", "1"] {
        let run = test.command().env("FAIL", fail).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
        assert_eq!(run.code(), Some(1), "broken always fails the run");
    }
    let html = std::fs::read_to_string(test.root().join(".forge/reports/report.html")).unwrap();
    let (before, rest) = html.split_once("<script>").expect("the page has its script");
    let (_, after) = rest.split_once("</script>").expect("the script ends");
    let page = test.root().join(".forge/reports/report-no-script.html");
    std::fs::write(&page, format!("{before}{after}")).unwrap();
    let screenshot = test.root().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    let chromium = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .arg("--window-size=1200,2400")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium runs (scripts/install-test-deps installs it)");
    let (code, _, stderr) = output_within(chromium);
    assert_eq!(code, Some(0), "{stderr}");

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&screenshot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    let pixels = &pixels[..frame.buffer_size()];
    assert!(frame.width >= 1000 && frame.height >= 1000, "{}x{}", frame.width, frame.height);
    let colours: HashSet<&[u8]> = pixels.chunks(channels).map(|pixel| &pixel[..3]).collect();
    let ink = pixels.chunks(channels).filter(|pixel| pixel[..3] != [255, 255, 255]).count();
    let share = ink as f64 / (frame.width * frame.height) as f64;
    assert!(colours.len() > 50, "{} distinct colours: a blank or unstyled page", colours.len());
    assert!(share > 0.05, "only {:.1}% of the pixels are not white", share * 100.0);
    if std::env::var_os("FORGE_UPDATE_SCREENSHOT").is_some() {
        let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.png");
        std::fs::copy(&screenshot, docs).unwrap();
    }
}
