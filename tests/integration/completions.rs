//! `forge completions SHELL` and the hidden `forge -l --names` its scripts use for session names:
//! the scripts are produced for every shell, bash's and zsh's parse (`bash -n`, `zsh -n`), and
//! bash and fish really complete a project's session names after `-s`.

use std::path::Path;
use std::process::Command;

use crate::reports::tools::ok;
use crate::support::Test;

const SESSIONS: &str = r#"
[sessions.lint]
venv = false
commands = ["true"]

[sessions.test]
python = ["3.11", "3.12"]
venv = false
commands = ["true"]

[sessions."build:package"]
venv = false
commands = ["true"]
"#;

fn script(shell: &str) -> String {
    let run = Test::new().args(&["completions", shell]).run();
    run.assert_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    run.stdout
}

#[test]
fn every_shell_gets_a_script_that_knows_session() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = script(shell);
        assert!(script.contains("--session"), "{shell}:\n{script}");
    }
}

#[test]
fn the_bash_and_zsh_scripts_parse() {
    for shell in ["bash", "zsh"] {
        let test = Test::new().file(&format!("forge.{shell}"), &script(shell));
        ok(Command::new(shell).arg("-n").arg(test.root().join(format!("forge.{shell}"))));
    }
    let zsh = script("zsh");
    assert_eq!(zsh.matches("]:NAME:_forge_sessions'").count(), 2, "-s and --session complete names:\n{zsh}");
}

#[test]
fn an_unknown_shell_is_a_usage_error_on_one_line() {
    let run = Test::new().args(&["completions", "tcsh"]).run();
    run.assert_code(2);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("error: invalid value 'tcsh' for '<SHELL>'"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn names_lists_instances_one_a_line() {
    let run = Test::new().sessions(SESSIONS).args(&["-l", "--names"]).run();
    run.assert_code(0);
    assert_eq!(run.stdout, "lint\ntest-3.11\ntest-3.12\nbuild:package\n");
}

#[test]
fn bash_completes_session_names_after_dash_s() {
    let test = Test::new().sessions(SESSIONS).file("forge.bash", &script("bash"));
    // Called as bash calls a completion function: the command, the current word, the previous one.
    let complete = |words: &str| {
        let program = format!(
            "source ./forge.bash\nCOMP_WORDS=({} {words})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n_forge_with_sessions \"${{COMP_WORDS[0]}}\" \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            env!("CARGO_BIN_EXE_forge")
        );
        ok(&mut test.command_for("bash", &["-c", &program]))
    };
    assert_eq!(complete("-s te"), "test-3.11\ntest-3.12\n");
    assert_eq!(complete("--session l"), "lint\n");
    assert!(complete("--no-d").contains("--no-deps"), "options still complete");
}

#[test]
fn fish_completes_session_names_after_dash_s() {
    let test = Test::new().sessions(SESSIONS).file("forge.fish", &script("fish"));
    let bin = Path::new(env!("CARGO_BIN_EXE_forge")).parent().expect("bin dir").to_owned();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    // `complete -C LINE` prints what fish would offer at the end of LINE, one candidate a line.
    let complete = |line: &str| {
        let mut command = test.command_for("fish", &["-c", &format!("source ./forge.fish; complete -C '{line}'")]);
        ok(command.env("PATH", &path))
    };
    assert_eq!(complete("forge -s te"), "test-3.11\ntest-3.12\n");
    assert_eq!(complete("forge --session l"), "lint\n");
    // fish sorts the candidates.
    assert_eq!(complete("forge -s "), "build:package\nlint\ntest-3.11\ntest-3.12\n");
    assert!(complete("forge --no-d").starts_with("--no-deps\t"), "options still complete");
    // After any subcommand, `-s` is not forge's session option: no session names.
    for subcommand in ["report", "clean", "cache", "schema", "init"] {
        let offered = complete(&format!("forge {subcommand} -s "));
        assert!(!offered.contains("lint"), "forge {subcommand} -s offers session names: {offered}");
    }
}
