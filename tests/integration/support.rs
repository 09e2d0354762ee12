//! The `Test` builder: a temporary project, the real `forge` binary, and helpers to read what it
//! did. Every test runs real uv and real Python.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary project directory and a forge invocation in it.
pub struct Test {
    dir: std::rc::Rc<tempfile::TempDir>,
    /// forge's cache (`FORGE_CACHE_DIR`), where the project's envs live: outside the project.
    cache: std::rc::Rc<tempfile::TempDir>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    env_remove: Vec<String>,
    cwd: Option<PathBuf>,
}

/// What a forge run left behind.
pub struct Run {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
    /// The project directory.
    pub root: PathBuf,
    /// Keeps the project alive as long as the run is inspected.
    _dir: std::rc::Rc<tempfile::TempDir>,
}

impl Test {
    /// An empty project.
    pub fn new() -> Self {
        Self {
            dir: std::rc::Rc::new(tempfile::tempdir().expect("tempdir")),
            cache: std::rc::Rc::new(tempfile::tempdir().expect("tempdir")),
            args: Vec::new(),
            env: Vec::new(),
            env_remove: Vec::new(),
            cwd: None,
        }
    }

    /// Writes `sessions.toml`.
    pub fn sessions(self, text: &str) -> Self {
        self.file("sessions.toml", text)
    }

    /// Writes a file (parents created) relative to the project root.
    pub fn file(self, path: &str, text: &str) -> Self {
        let path = self.dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// Puts a wrapper around the real uv in front of forge (`FORGE_UV`): it runs `on_pip` (shell
    /// code) when uv is called for `pip`, and the real uv otherwise. Real uv cannot be made to
    /// crash or hang halfway; this is the one place the tests provoke that.
    pub fn uv_wrapper(self, on_pip: &str) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join("uv-wrapper");
        let script = format!("#!/bin/sh\nif [ \"$1\" = pip ]; then {on_pip}; fi\nexec \"$REAL_UV\" \"$@\"\n");
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let wrapper = path.to_string_lossy().into_owned();
        self.env("FORGE_UV", &wrapper).env("REAL_UV", &real_uv())
    }

    /// Adds arguments.
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|arg| (*arg).to_owned()));
        self
    }

    /// Sets an environment variable for forge.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Removes an environment variable for forge.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.env_remove.push(key.to_owned());
        self
    }

    /// Runs forge from this subdirectory of the project.
    pub fn current_dir(mut self, relative: &str) -> Self {
        self.cwd = Some(self.dir.path().join(relative));
        self
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// forge's cache directory for this test (`FORGE_CACHE_DIR`).
    pub fn cache_dir(&self) -> &Path {
        self.cache.path()
    }

    /// Where forge puts the envs of the project at the test's root by default.
    pub fn env_dir(&self) -> PathBuf {
        self.env_dir_of(self.root())
    }

    /// Where forge puts the envs of the project at `project` by default.
    pub fn env_dir_of(&self, project: &Path) -> PathBuf {
        forge::config::project_env_dir(self.cache.path(), project)
    }

    /// The forge command, ready to spawn.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_forge"));
        command
            .args(&self.args)
            .current_dir(self.cwd.clone().unwrap_or_else(|| self.dir.path().to_path_buf()))
            .env("NO_COLOR", "1")
            .env("FORGE_CACHE_DIR", self.cache.path())
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR_FORCE")
            // Run in CI, the suite must not get CI output unless a test asks for it.
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("GITLAB_CI")
            .stdin(Stdio::null());
        // The caller's forge settings must not leak into the tests' runs.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("FORGE_") {
                command.env_remove(key);
            }
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        for key in &self.env_remove {
            command.env_remove(key);
        }
        command
    }

    /// Another program (`unshare`, `script`…) run with forge's arguments after `args`, in the
    /// project, with forge's environment: for wrapping forge in what a test needs.
    pub fn command_for(&self, program: &str, args: &[&str]) -> Command {
        let forge = self.command();
        let mut command = Command::new(program);
        command.args(args).current_dir(forge.get_current_dir().unwrap()).stdin(Stdio::null());
        for (key, value) in forge.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        command
    }

    /// Runs forge to completion; the project stays for further runs.
    pub fn run(&self) -> Run {
        let output: Output = self.command().output().expect("forge runs");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            root: self.dir.path().to_path_buf(),
            _dir: std::rc::Rc::clone(&self.dir),
        }
    }

    /// Runs forge again with other arguments (same project, same environment).
    pub fn rerun(&mut self, args: &[&str]) -> Run {
        self.args = args.iter().map(|arg| (*arg).to_owned()).collect();
        self.run()
    }
}

impl Run {
    /// Asserts the exit code, showing both streams on failure.
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(self.code, Some(expected), "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    /// stdout and stderr with the project path and durations replaced, for snapshots.
    pub fn redacted(&self, text: &str) -> String {
        redact(text, &self.root)
    }

    /// run.json, parsed.
    pub fn run_json(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.root.join(".forge/reports/run.json")).expect("run.json written");
        serde_json::from_str(&text).expect("run.json is JSON")
    }

    /// The status of session `name` in run.json.
    pub fn status_of(&self, name: &str) -> String {
        let json = self.run_json();
        let sessions = json["sessions"].as_array().expect("sessions array");
        let session = sessions
            .iter()
            .find(|session| session["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in run.json: {json:#}"));
        session["status"].as_str().unwrap().to_owned()
    }

    /// The names of sessions in run.json, in plan order.
    pub fn session_names(&self) -> Vec<String> {
        self.run_json()["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|session| session["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// A session's log.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.root.join(format!(".forge/reports/logs/{name}.log")))
            .unwrap_or_else(|_| panic!("log of {name}"))
    }
}

/// Replaces `root` with `[ROOT]` and `[  1.234s]`-style durations with `[DURATION]`.
pub fn redact(text: &str, root: &Path) -> String {
    let root = root.to_string_lossy();
    let mut out = text.replace(root.as_ref(), "[ROOT]");
    let canonical =
        std::fs::canonicalize(root.as_ref()).map(|path| path.to_string_lossy().into_owned()).unwrap_or_default();
    if !canonical.is_empty() {
        out = out.replace(&canonical, "[ROOT]");
    }
    let mut redacted = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(start) = rest.find('[') {
        redacted.push_str(&rest[..start]);
        let after = &rest[start..];
        match after.find("s]") {
            Some(end) if after[1..end].trim().parse::<f64>().is_ok() => {
                redacted.push_str("[DURATION]");
                rest = &after[end + 2..];
            }
            _ => {
                redacted.push('[');
                rest = &after[1..];
            }
        }
    }
    redacted.push_str(rest);
    redacted
}

/// The real uv binary (installed by scripts/install-test-deps), bypassing any pyenv shim.
pub fn real_uv() -> String {
    let output =
        std::process::Command::new("python3").args(["-c", "import uv; print(uv.find_uv_bin())"]).output().unwrap();
    let path = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(!path.is_empty(), "uv is installed (scripts/install-test-deps)");
    path
}

/// How long a test waits for a condition before failing. Its only purpose is to turn a hang into
/// a failure with a message; nothing asserts on elapsed time.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Waits (at most [`DEADLINE`]) for `path` to hold a complete line, and returns its text.
#[track_caller]
pub fn wait_for_file(path: &Path) -> String {
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(std::time::Instant::now() < deadline, "{} never appeared within {DEADLINE:?}", path.display());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Waits (at most [`DEADLINE`]) for `child` to exit and returns its exit code (`None`: killed by
/// a signal). On the deadline the child is killed and the test fails.
#[track_caller]
pub fn wait_for_exit(child: &mut std::process::Child) -> Option<i32> {
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("process {} did not exit within {DEADLINE:?}", child.id());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Whether `pid` is a live process (a zombie awaiting its reaper counts as gone).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

/// The live (non-zombie) processes whose process group is `group`.
pub fn group_members(group: i32) -> Vec<i32> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<i32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // After the command name: state, ppid, pgrp.
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[2].parse::<i32>() == Ok(group) {
            members.push(pid);
        }
    }
    members
}

/// Waits (at most [`DEADLINE`]) until none of `pids` is alive and no live process is left in
/// process group `group` (a SIGKILL takes effect asynchronously, so "gone" is a condition to
/// wait for, not to sample once).
#[track_caller]
pub fn wait_until_gone(pids: &[i32], group: Option<i32>) {
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        let living: Vec<i32> = pids.iter().copied().filter(|&pid| alive(pid)).collect();
        let members = group.map(group_members).unwrap_or_default();
        if living.is_empty() && members.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running {DEADLINE:?} later: processes {living:?}, group members {members:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends signal `number` to `pid`.
#[track_caller]
pub fn send_signal(pid: u32, number: i32) {
    let result = unsafe { libc::kill(pid as i32, number) };
    assert_eq!(result, 0, "kill({pid}, {number})");
}

/// The lines of a child's output stream, read by a background thread so that waiting for one
/// never blocks past [`DEADLINE`].
pub struct Lines {
    receiver: std::sync::mpsc::Receiver<String>,
    seen: String,
}

impl Lines {
    /// Starts reading `stream` (a child's stdout or stderr) line by line.
    pub fn new(stream: impl std::io::Read + Send + 'static) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = std::io::BufReader::new(stream);
            loop {
                let mut line = Vec::new();
                match std::io::BufRead::read_until(&mut reader, b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if sender.send(String::from_utf8_lossy(&line).into_owned()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Self { receiver, seen: String::new() }
    }

    /// Waits (at most [`DEADLINE`]) for a line satisfying `wanted` and returns it; fails naming
    /// `what` and showing everything read so far.
    #[track_caller]
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.receiver.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    panic!("no line {what} within {DEADLINE:?}; read so far:\n{}", self.seen)
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the stream ended without a line {what}; read:\n{}", self.seen)
                }
            }
        }
    }

    /// Everything read so far plus the rest of the stream, up to its end (at most [`DEADLINE`]).
    #[track_caller]
    pub fn rest(mut self) -> String {
        let deadline = std::time::Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.receiver.recv_timeout(left) {
                Ok(line) => self.seen.push_str(&line),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return self.seen,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    panic!("the stream did not end within {DEADLINE:?}; read:\n{}", self.seen)
                }
            }
        }
    }
}

/// A spawned child's exit code and its whole stdout and stderr (each piped, or empty when not),
/// waiting at most [`DEADLINE`]: the bounded `wait_with_output`.
#[track_caller]
pub fn output_within(mut child: std::process::Child) -> (Option<i32>, String, String) {
    let stdout = child.stdout.take().map(Lines::new);
    let stderr = child.stderr.take().map(Lines::new);
    let code = wait_for_exit(&mut child);
    (code, stdout.map(Lines::rest).unwrap_or_default(), stderr.map(Lines::rest).unwrap_or_default())
}

impl Run {
    /// The [`Run`] of a forge process a test spawned itself (from [`Test::command`]) and waited
    /// for, to read its reports with the same helpers.
    pub fn of(test: &Test, code: Option<i32>, stdout: String, stderr: String) -> Run {
        Run { code, stdout, stderr, root: test.dir.path().to_path_buf(), _dir: std::rc::Rc::clone(&test.dir) }
    }
}

/// Kills what is left of process group `.0` when dropped: a failing test leaves no command of
/// its forge running (forge itself may have been killed by [`wait_for_exit`]'s deadline).
pub struct KillGroupOnDrop(pub i32);

impl Drop for KillGroupOnDrop {
    fn drop(&mut self) {
        if !group_members(self.0).is_empty() {
            unsafe { libc::killpg(self.0, libc::SIGKILL) };
        }
    }
}

/// Waits (at most [`DEADLINE`]) until `condition` holds, failing with `what` otherwise.
#[track_caller]
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + DEADLINE;
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The process id written (with a newline) to `path` by a command, once it is there.
#[track_caller]
pub fn read_pid(path: &Path) -> i32 {
    let mut pid = None;
    wait_until(&format!("{} holds a pid", path.display()), || {
        pid = std::fs::read_to_string(path)
            .ok()
            .filter(|text| text.ends_with('\n'))
            .and_then(|text| text.trim().parse().ok());
        pid.is_some()
    });
    pid.unwrap()
}

/// The lines of `root/file`, sorted, and the file removed: what the sessions that append their
/// names to it ran since the last call (none when it does not exist).
pub fn take_sorted_lines(root: &Path, file: &str) -> Vec<String> {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}
