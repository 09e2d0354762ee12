//! forge's own CI/CD files, checked by the tools that read them: actionlint on
//! `.github/workflows/`, `mkdocs build --strict` on the docs site, and the composite `action.yml`
//! (which actionlint does not lint) parsed with PyYAML: a composite action whose every input is
//! used and whose steps use no undeclared input.

use std::process::Command;

use super::tools::{bin, repository};
use crate::reports::tools::ok;

#[test]
fn the_workflows_pass_actionlint() {
    let output = Command::new(bin().join("actionlint"))
        .args(["-no-color"])
        .current_dir(repository())
        .output()
        .expect("actionlint runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}");
    for workflow in ["ci.yml", "release.yml", "docs.yml"] {
        assert!(repository().join(".github/workflows").join(workflow).is_file(), "{workflow}");
    }
}

#[test]
fn the_docs_site_builds_strictly() {
    let site = tempfile::tempdir().expect("tempdir");
    let output = Command::new(bin().join("mkdocs"))
        .args(["build", "--strict", "--site-dir"])
        .arg(site.path())
        .current_dir(repository())
        .output()
        .expect("mkdocs runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(site.path().join("index.html").is_file() && site.path().join("cli/index.html").is_file());
}

/// The action's inputs, the inputs its steps use, and its `runs.using`, as PyYAML reads them.
const ACTION_INPUTS: &str = r#"
import json, re, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
steps = json.dumps(action["runs"]["steps"])
print(json.dumps({
    "using": action["runs"]["using"],
    "declared": sorted(action["inputs"]),
    "used": sorted(set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", steps))),
    "uses": [step.get("uses", "") for step in action["runs"]["steps"]],
}))
"#;

#[test]
fn the_composite_action_uses_every_input_it_declares() {
    let path = repository().join("action.yml");
    let stdout = ok(Command::new(bin().join("python")).args(["-c", ACTION_INPUTS]).arg(&path));
    let action: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(action["using"], "composite");
    assert_eq!(action["declared"], action["used"], "declared inputs = used inputs");
    for input in ["sessions", "args", "version"] {
        assert!(action["declared"].as_array().unwrap().iter().any(|name| name == input), "{input}: {action}");
    }
    let uses = action["uses"].to_string();
    assert!(uses.contains("astral-sh/setup-uv@") && uses.contains("actions/upload-artifact@"), "{uses}");
}
