//! The report tests' tools: a test-owned venv with the Python consumers, the schema files from
//! PyPI sdists, and helpers that run them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::Run;

/// The test-only tools: a venv with junitparser, pycobertura, diff-cover, coverage and
/// check-jsonschema and taplo, and the schema files extracted from the pytest and coverage sdists.
pub struct Tools {
    pub python: PathBuf,
    /// The venv's `bin/` (diff-cover, coverage, check-jsonschema, taplo).
    pub bin: PathBuf,
    pub junit_xsd: PathBuf,
    pub coverage_dtd: PathBuf,
    /// The extracted toolz 1.0.0 sdist.
    pub toolz: PathBuf,
}

/// The coverage.py version every session and the oracle use (its sdist ships the DTD).
const COVERAGE: &str = "coverage==7.17.3";

/// What the venv holds; the completion marker records it, so a venv built for an older list is
/// rebuilt rather than found lacking a tool.
const PACKAGES: [&str; 7] =
    ["pip", "junitparser", "pycobertura", "diff-cover", COVERAGE, "check-jsonschema==0.39.0", "taplo==0.9.3"];

pub fn tools() -> &'static Tools {
    static TOOLS: OnceLock<Tools> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let (base, _lock) = locked_dir("test-tools");
        let venv = base.join("venv");
        let python = venv.join("bin/python");
        install_venv(&venv, &PACKAGES);
        let sdists = base.join("sdists");
        let wanted = [("pytest-9.2.0.tar.gz", "pytest==9.2.0"), ("coverage-7.17.3.tar.gz", COVERAGE), ("toolz-1.0.0.tar.gz", "toolz==1.0.0")];
        for (file, requirement) in wanted {
            if !sdists.join(file).exists() {
                ok(Command::new(&python)
                    .args(["-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "--dest"])
                    .arg(&sdists)
                    .arg(requirement));
            }
        }
        let extracted = base.join("extracted");
        if !extracted.join(".complete").exists() {
            let script = "import sys, tarfile\nfor name in sys.argv[2:]:\n    with tarfile.open(name) as archive:\n        archive.extractall(sys.argv[1], filter='data')\n";
            ok(Command::new(&python).args(["-c", script]).arg(&extracted).args(wanted.map(|(file, _)| sdists.join(file))));
            std::fs::write(extracted.join(".complete"), "").expect("marker");
        }
        let tools = Tools {
            bin: venv.join("bin"),
            python,
            junit_xsd: extracted.join("pytest-9.2.0/testing/example_scripts/junit-10.xsd"),
            coverage_dtd: extracted.join("coverage-7.17.3/lab/coverage-04.dtd"),
            toolz: extracted.join("toolz-1.0.0"),
        };
        assert!(tools.junit_xsd.is_file() && tools.coverage_dtd.is_file(), "schema files extracted");
        tools
    })
}

/// `target/tmp/NAME`, created, and a file lock on it held while the guard lives: another `cargo
/// test` process may be building the same tools.
pub fn locked_dir(name: &str) -> (PathBuf, std::fs::File) {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&base).unwrap_or_else(|error| panic!("create {}: {error}", base.display()));
    let lock = std::fs::File::create(base.join(".lock")).expect("lock file");
    lock.lock().expect("lock tools dir");
    (base, lock)
}

/// A uv venv (Python 3.11) at `venv` holding exactly `packages`. Its completion marker records the
/// list, so a venv built for an older list is rebuilt rather than found lacking a tool. Call it
/// under [`locked_dir`]'s lock.
pub fn install_venv(venv: &Path, packages: &[&str]) {
    let python = venv.join("bin/python");
    let wanted = packages.join(" ");
    if std::fs::read_to_string(venv.join(".complete")).ok().as_deref() != Some(wanted.as_str()) {
        let _ = std::fs::remove_dir_all(venv);
        ok(Command::new("uv").args(["venv", "--quiet", "--python", "3.11"]).arg(venv));
        ok(Command::new("uv").args(["pip", "install", "--quiet", "--python"]).arg(&python).args(packages));
        std::fs::write(venv.join(".complete"), &wanted).expect("marker");
    }
}

/// Runs `command`, asserting it succeeds; returns its stdout.
#[track_caller]
pub fn ok(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Runs a Python snippet in the tools venv with `args`; returns its stdout parsed as JSON.
#[track_caller]
pub fn python_json(script: &str, args: &[&Path]) -> serde_json::Value {
    let stdout = ok(Command::new(&tools().python).args(["-c", script]).args(args));
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

/// `xmllint --schema` with junit-10.xsd. Relaxation: the schema's `<testsuites>` declares no
/// `skipped` attribute, which quick-junit (like most writers since Surefire 2.x) puts on the root;
/// it is added here. Nothing else is relaxed.
#[track_caller]
pub fn assert_junit_schema_valid(junit: &Path) {
    let original = std::fs::read_to_string(&tools().junit_xsd).expect("xsd");
    let (head, tail) = original.split_once("<xs:element name=\"testsuites\">").expect("testsuites element in xsd");
    let tail = tail.replacen(
        "<xs:attribute name=\"errors\" type=\"xs:string\" />",
        "<xs:attribute name=\"errors\" type=\"xs:string\" />\n            <xs:attribute name=\"skipped\" type=\"xs:string\" />",
        1,
    );
    let relaxed = junit.with_file_name("junit-10-relaxed.xsd");
    std::fs::write(&relaxed, format!("{head}<xs:element name=\"testsuites\">{tail}")).expect("write xsd");
    ok(Command::new("xmllint").args(["--noout", "--schema"]).arg(&relaxed).arg(junit));
}

/// `xmllint --dtdvalid` with coverage-04.dtd. Relaxation: coverage.py's own `missing-branches`
/// line attribute (which forge keeps so branches merge exactly) is declared; nothing else.
#[track_caller]
pub fn assert_cobertura_dtd_valid(coverage: &Path) {
    let dtd = std::fs::read_to_string(&tools().coverage_dtd).expect("dtd");
    let relaxed = coverage.with_file_name("coverage-04-relaxed.dtd");
    std::fs::write(&relaxed, format!("{dtd}\n<!ATTLIST line missing-branches CDATA #IMPLIED>\n")).expect("write dtd");
    ok(Command::new("xmllint").args(["--noout", "--dtdvalid"]).arg(&relaxed).arg(coverage));
}

/// The attributes of the root element of an XML file (read with Python's ElementTree).
pub fn root_attributes(path: &Path) -> serde_json::Value {
    python_json(
        "import sys, json, xml.etree.ElementTree as ET\nprint(json.dumps(ET.parse(sys.argv[1]).getroot().attrib))",
        &[path],
    )
}

/// A numeric attribute from [`root_attributes`].
pub fn number(attributes: &serde_json::Value, name: &str) -> u64 {
    attributes[name].as_str().and_then(|text| text.parse().ok()).unwrap_or_else(|| panic!("{name} in {attributes}"))
}

/// `(covered, valid)` from the `TOTAL c/v lines p%` line forge printed.
pub fn printed_total(run: &Run) -> (u64, u64) {
    let line = run
        .stdout
        .lines()
        .find(|line| line.starts_with("TOTAL "))
        .unwrap_or_else(|| panic!("no TOTAL line in {}", run.stdout));
    let fraction = line.split_whitespace().nth(1).expect("c/v");
    let (covered, valid) = fraction.split_once('/').expect("c/v");
    (covered.parse().expect("covered"), valid.parse().expect("valid"))
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// junit.xml normalized for comparison: suites with their counts and testcases (status and
/// message), times, timestamps and output left out.
pub fn junit_shape(path: &Path) -> serde_json::Value {
    python_json(
        "import sys, json, xml.etree.ElementTree as ET\nroot = ET.parse(sys.argv[1]).getroot()\nout = dict((k, root.get(k)) for k in ('tests', 'failures', 'errors', 'skipped'))\nout['suites'] = [dict(name=s.get('name'), counts=[s.get(k) for k in ('tests', 'failures', 'errors', 'skipped')], cases=sorted([c.get('classname'), c.get('name')] + [[r.tag, r.get('message')] for r in c if r.tag not in ('system-out', 'system-err')] for c in s.findall('testcase'))) for s in root.findall('testsuite')]\nprint(json.dumps(out))",
        &[path],
    )
}
