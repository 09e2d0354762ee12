//! report.html and history.jsonl for real runs (real uv, Python and pytest): the page is parsed
//! with libxml2's HTML parser (`xmllint --html`) and queried with XPath, so each check is about
//! the page's structure, not a substring that happens to be there. `browser.rs` opens it in real
//! headless Chromium; `profiles.rs` runs the same project under profiles with their own gates.

mod browser;
mod history;
mod page;
mod profiles;
mod runs;

pub use page::Page;

/// A pytest project: `calc` with one uncovered function, tests that pass (`FAIL=0`) or fail one
/// test (`FAIL=1` in the profile's or session's env), JUnit and coverage declared.
pub const CALC: &str =
    "def add(a, b):\n    return a + b\n\n\ndef unused(x):\n    if x:\n        return 1\n    return 2\n";

/// See [`CALC`].
pub const CALC_TESTS: &str = "import os\n\nfrom calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_maybe():\n    assert os.environ.get('FAIL', '0') == '0', 'FAIL is set'\n";

/// The sessions of [`CALC`]: `lint` (no venv), `test` requiring it, `docs` beside them.
pub const CALC_SESSIONS: &str = r#"
[sessions.lint]
venv = false
commands = [["python3", "-c", "print('lint ok')"]]

[sessions.test]
requires = ["lint"]
deps = ["pytest", "pytest-cov"]
env = { PYTHONPATH = "{root}/src" }
commands = ["python -m pytest tests -q -p no:cacheprovider --junitxml={reports}/pytest.xml --cov=calc --cov-report=xml:{reports}/cov.xml"]
junit = ["{reports}/pytest.xml"]
coverage = ["{reports}/cov.xml"]

[sessions.docs]
venv = false
commands = [["python3", "-c", "print('docs built')"]]
"#;

/// The calc project with `extra` appended to its sessions.toml.
pub fn calc_project(extra: &str) -> crate::support::Test {
    crate::support::Test::new()
        .sessions(&format!("{CALC_SESSIONS}\n{extra}"))
        .file("src/calc/__init__.py", CALC)
        .file("tests/test_calc.py", CALC_TESTS)
}
