//! Profiles with their own gates: the same project and coverage pass under `dev` and without a
//! profile, and fail under `production`; run.json, junit.xml and report.html name the profile;
//! `FORGE_PROFILE` selects one as `--profile` does, and the profile's env reaches the sessions.

use super::{Page, calc_project};

const PROFILES: &str = r#"
[coverage]
fail-under = 40

[profiles.dev]
coverage = { fail-under = 45 }

[profiles.production]
description = "what users get"
coverage = { fail-under = 95 }
env = { TARGET = "production" }
retries = 1

[sessions.target]
venv = false
commands = [["sh", "-c", "echo target=$TARGET"]]
"#;

#[test]
fn a_profile_changes_the_gates_verdict_and_is_named_in_every_report() {
    let mut test = calc_project(PROFILES);
    let run = test.run();
    run.assert_code(0);
    assert!(run.log("target").contains("target=\n"), "no profile, no TARGET");
    assert!(run.run_json().get("profile").is_none());

    let run = test.rerun(&["--profile", "dev"]);
    run.assert_code(0);
    assert_eq!(run.run_json()["profile"], "dev");

    let run = test.rerun(&["--profile", "production"]);
    run.assert_code(1);
    assert!(run.stderr.contains("is below fail-under 95%"), "{}", run.stderr);
    assert!(run.log("target").contains("target=production"));
    let json = run.run_json();
    assert_eq!(json["profile"], "production");
    assert!(json["sessions"].as_array().unwrap().iter().all(|session| session["status"] == "success"));
    let property = std::process::Command::new("xmllint")
        .args([
            "--xpath",
            "string(/testsuites/testsuite[@name='forge']/properties/property[@name='forge.profile']/@value)",
        ])
        .arg(run.root.join(".forge/reports/junit.xml"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&property.stdout).trim(), "production");
    let page = Page::of(&run.root);
    assert_eq!(page.text("//*[@id='profile']"), "production");
    assert_eq!(page.text("//header//*[contains(@class, 'verdict')]"), "failed");
    assert!(page.text("//*[@id='gate']").starts_with("fail-under 95%: failed"));
    assert_eq!(page.texts("//*[@id='trend-verdicts']//rect/@class"), ["cell passed", "cell passed", "cell failed"]);

    // FORGE_PROFILE is --profile's variable; the command line wins over it.
    test.rerun(&["-q"]).assert_code(0);
    let run = test.command().env("FORGE_PROFILE", "production").output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    let run = test.command().env("FORGE_PROFILE", "production").args(["--profile", "dev"]).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
}

#[test]
fn an_unknown_profile_is_a_usage_error_naming_the_nearest() {
    let run = calc_project(PROFILES).args(&["--profile", "prod"]).run();
    run.assert_code(2);
    assert!(run.stderr.contains("no profile `prod` in sessions.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: did you mean `production`?"), "{}", run.stderr);
    assert!(!run.root.join(".forge/reports").exists(), "nothing ran");
}
