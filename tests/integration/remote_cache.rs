//! The remote cache end to end, against a real nginx (WebDAV) on 127.0.0.1: two checkouts in
//! different directories share results (the second is all `cached (remote)`, its reports equal
//! the first's), read mode uploads nothing, credentials come from the environment and are never
//! printed, and each fault — the server down, slow, answering 500, a blob whose hash does not
//! match, a truncated body — is a miss with one warning and the run's result unchanged.

use std::path::{Path, PathBuf};

// The pytest project of the local cache's tests: JUnit, Cobertura and an output-producing step.
use crate::cache::{CALC, CALC_TESTS, PYTEST_SESSIONS};
use crate::nginx::{Behaviour, Nginx, TruncatingProxy, closed_port_url};
use crate::support::Test;

/// Two cheap cached sessions (no venv) for the faults.
const SHELL_SESSIONS: &str = r#"
[sessions.one]
venv = false
commands = [["sh", "-c", "mkdir -p out && echo one > out/one.txt"]]
inputs = ["src/**"]
outputs = ["out/one.txt"]

[sessions.two]
venv = false
commands = [["sh", "-c", "mkdir -p out && echo two > out/two.txt"]]
inputs = ["src/**"]
outputs = ["out/two.txt"]
"#;

fn checkout(sessions: &str, url: &str) -> Test {
    Test::new()
        .sessions(sessions)
        .file("src/calc/__init__.py", CALC)
        .file("tests/test_calc.py", CALC_TESTS)
        .file(".gitignore", "dist/\nout/\n")
        .env("FORGE_REMOTE_CACHE", url)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The records of the test's local store, as (file name, JSON).
fn local_records(test: &Test) -> Vec<(String, serde_json::Value)> {
    let mut records = Vec::new();
    for project in std::fs::read_dir(test.cache_dir().join("cache")).unwrap().flatten() {
        for record in std::fs::read_dir(project.path().join("records")).unwrap().flatten() {
            let json = serde_json::from_slice(&read(&record.path())).unwrap();
            records.push((record.file_name().to_string_lossy().into_owned(), json));
        }
    }
    records.sort_by(|a, b| a.0.cmp(&b.0));
    records
}

/// `xml` with the root element's `timestamp="…"` taken out.
fn without_timestamp(xml: &str) -> String {
    match xml.find(" timestamp=\"") {
        Some(start) => {
            let end = xml[start + 12..].find('"').map_or(xml.len(), |end| start + 12 + end + 1);
            format!("{}{}", &xml[..start], &xml[end..])
        }
        None => xml.to_owned(),
    }
}

/// How many requests a remote-cache warning says failed.
fn failed_requests(warning: &str) -> usize {
    match warning.split_once(" failed requests in all") {
        Some((before, _)) => before.rsplit('(').next().unwrap().parse().unwrap(),
        None => 1,
    }
}

fn warnings(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|line| line.starts_with("warning:")).collect()
}

#[test]
fn a_second_checkout_elsewhere_is_all_cached_remote_with_the_same_reports() {
    let nginx = Nginx::start(Behaviour::Cache);
    let first = checkout(PYTEST_SESSIONS, &nginx.url);
    let ran = first.run();
    ran.assert_code(0);
    assert!(ran.stderr.contains("remote cache: 0 hits, 2 misses"), "{}", ran.stderr);
    assert!(ran.stderr.contains("uploaded (2 results)"), "{}", ran.stderr);
    assert_eq!(nginx.files("ac").len(), 2, "one record per instance: {:?}", nginx.requests());
    // Blobs go up before the record naming them: the last request is a record's.
    let requests = nginx.requests();
    let puts: Vec<&String> = requests.iter().filter(|request| request.starts_with("PUT ")).collect();
    assert!(puts[0].starts_with("PUT /cas/") && puts.last().unwrap().starts_with("PUT /ac/"), "{requests:?}");

    let second = checkout(PYTEST_SESSIONS, &nginx.url);
    assert_ne!(first.root(), second.root());
    let plan = second.command().arg("-n").output().unwrap();
    let plan = String::from_utf8_lossy(&plan.stdout).into_owned() + &String::from_utf8_lossy(&plan.stderr);
    assert_eq!(plan.matches("cached (remote)").count(), 2, "{plan}");

    let hit = second.run();
    hit.assert_code(0);
    assert_eq!(hit.status_of("test"), "cached");
    assert_eq!(hit.status_of("package"), "cached");
    let sessions = hit.run_json()["sessions"].clone();
    for session in sessions.as_array().unwrap() {
        assert_eq!(session["cache"], "remote", "{session}");
    }
    assert!(hit.stderr.contains("2 cached (remote)"), "{}", hit.stderr);
    // Everything the server holds was downloaded once: both records and every blob.
    let held: u64 = ["ac", "cas"]
        .iter()
        .flat_map(|area| nginx.files(area))
        .map(|file| std::fs::metadata(file).unwrap().len())
        .sum();
    assert_eq!(hit.run_json()["remote_cache"]["bytes_downloaded"], held, "{}", hit.run_json()["remote_cache"]);
    assert!(hit.stderr.contains("remote cache: 2 hits, 0 misses"), "{}", hit.stderr);
    assert!(hit.stderr.contains("CACHED") && hit.stderr.contains("test (remote)"), "{}", hit.stderr);
    let page = String::from_utf8(read(&second.root().join(".forge/reports/report.html"))).unwrap();
    assert_eq!(page.matches(r#"<span class="status s-cached">cached (remote)</span>"#).count(), 2, "{page}");
    assert!(page.contains(&format!(r#"<p class="meta" id="remote-cache">remote cache {}: 2 hits"#, nginx.url)));
    let reports = |test: &Test| test.root().join(".forge/reports");
    // Equal, except that a coverage report names the checkout it is in (Cobertura's <source>).
    let text = |test: &Test, file: &str| String::from_utf8(read(&reports(test).join(file))).unwrap();
    let (here, there) = (second.root().to_string_lossy().into_owned(), first.root().to_string_lossy().into_owned());
    for file in ["pytest.xml", "cov.xml", "coverage.xml"] {
        let (ours, theirs) = (text(&second, file), text(&first, file).replace(&there, &here));
        // The merged coverage.xml is stamped when forge writes it.
        assert_eq!(without_timestamp(&ours), without_timestamp(&theirs), "{file}");
    }
    assert_eq!(
        text(&second, "cov.xml"),
        text(&first, "cov.xml").replace(&there, &here),
        "pytest-cov's own, byte for byte"
    );
    // The merged junit.xml: pytest's suite as the first run's; forge's own suite says `cached`.
    let tool_suite = |test: &Test| {
        let junit = text(test, "junit.xml");
        junit[junit.find("<testsuite name=\"test: pytest\"").expect("pytest's suite")..].to_owned()
    };
    assert_eq!(tool_suite(&second), tool_suite(&first));
    assert!(text(&second, "junit.xml").contains(r#"<property name="forge.status" value="cached"/>"#));
    assert!(text(&second, "cov.xml").contains(&format!("<source>{here}")), "{}", text(&second, "cov.xml"));
    assert_eq!(read(&second.root().join("dist/calc.txt")), CALC.as_bytes());
    // The same keys from two directories, and no path of either machine's layout in them.
    let (ours, theirs) = (local_records(&first), local_records(&second));
    let digests = |records: &[(String, serde_json::Value)]| {
        records.iter().map(|(name, json)| (name.clone(), json["digest"].clone())).collect::<Vec<_>>()
    };
    assert_eq!(digests(&ours), digests(&theirs));
    let home = std::env::var("HOME").unwrap();
    for (name, json) in &theirs {
        let key = json["key"].to_string();
        for path in [first.root(), second.root(), first.cache_dir(), second.cache_dir(), Path::new(&home)] {
            assert!(!key.contains(&*path.to_string_lossy()), "{name}'s key holds {}: {key}", path.display());
        }
        assert!(
            json["key"]["interpreter"].as_str().is_some_and(|identity| identity.contains(' '))
                || name.starts_with("package")
        );
    }

    // Now both caches hold it: a third run is local, and asks the server nothing.
    let before = nginx.requests().len();
    let local = second.run();
    local.assert_code(0);
    assert!(local.stderr.contains("2 cached (local)"), "{}", local.stderr);
    assert_eq!(nginx.requests().len(), before, "{:?}", &nginx.requests()[before..]);

    // Re-proving with --force uploads the new records, and no blob the server already holds
    // (the package's output is the same file): each blob went up once.
    let mut first = first;
    first.rerun(&["--force"]).assert_code(0);
    let requests = nginx.requests();
    let mut blob_puts: Vec<&str> = requests
        .iter()
        .filter(|request| request.starts_with("PUT /cas/"))
        .map(|request| request.split(' ').nth(1).unwrap())
        .collect();
    let count = blob_puts.len();
    blob_puts.sort();
    blob_puts.dedup();
    assert_eq!(blob_puts.len(), count, "a blob was uploaded twice: {requests:?}");
    assert!(requests.iter().any(|request| request.starts_with("HEAD /cas/") && request.ends_with(" 200")));
    assert_eq!(requests.iter().filter(|request| request.starts_with("PUT /ac/")).count(), 4, "{requests:?}");
}

#[test]
fn read_mode_looks_up_but_uploads_nothing() {
    let nginx = Nginx::start(Behaviour::Cache);
    let summary = tempfile::NamedTempFile::new().unwrap();
    let test = checkout(SHELL_SESSIONS, &nginx.url)
        .env("FORGE_REMOTE_CACHE_MODE", "read")
        .env("GITHUB_STEP_SUMMARY", &summary.path().to_string_lossy())
        .args(&["--ci", "github"]);
    let run = test.run();
    run.assert_code(0);
    assert!(run.stderr.contains("remote cache: 0 hits, 2 misses, 0 B downloaded (read only)"), "{}", run.stderr);
    let markdown = std::fs::read_to_string(summary.path()).unwrap();
    assert!(markdown.contains("**Remote cache:** 0 hits, 2 misses, 0 B downloaded (read only)"), "{markdown}");
    let requests = nginx.requests();
    assert!(requests.iter().all(|request| request.starts_with("GET /ac/")), "{requests:?}");
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(nginx.files("ac").is_empty() && nginx.files("cas").is_empty());
    // A checkout with nothing stored locally: -n asks the (empty) server.
    let fresh = checkout(SHELL_SESSIONS, &nginx.url).env("FORGE_REMOTE_CACHE_MODE", "read");
    let plan = fresh.command().arg("-n").output().unwrap();
    let plan = String::from_utf8_lossy(&plan.stdout).into_owned();
    assert_eq!(plan.matches("cache: runs: no stored result; not in the remote cache").count(), 2, "{plan}");
}

#[test]
fn a_record_naming_a_blob_the_server_lost_is_a_quiet_miss() {
    let (nginx, blobs) = populated();
    for blob in &blobs {
        std::fs::remove_file(blob).unwrap();
    }
    let test = checkout(SHELL_SESSIONS, &nginx.url).env("FORGE_REMOTE_CACHE_MODE", "read");
    let plan = test.command().arg("-n").output().unwrap();
    let plan = String::from_utf8_lossy(&plan.stdout).into_owned();
    assert_eq!(plan.matches("; the remote cache lacks blob ").count(), 2, "{plan}");
    let run = test.run();
    run.assert_code(0);
    assert_eq!((run.status_of("one"), run.status_of("two")), ("success".into(), "success".into()));
    assert!(warnings(&run.stderr).is_empty(), "a server that evicted a blob is not a fault: {}", run.stderr);
}

#[test]
fn a_blob_two_outputs_share_is_downloaded_once() {
    let nginx = Nginx::start(Behaviour::Cache);
    let sessions = SHELL_SESSIONS.replace("echo one >", "echo same >").replace("echo two >", "echo same >");
    checkout(&sessions, &nginx.url).run().assert_code(0);
    let held: u64 = ["ac", "cas"]
        .iter()
        .flat_map(|area| nginx.files(area))
        .map(|file| std::fs::metadata(file).unwrap().len())
        .sum();
    // One at a time, so the second lookup finds the shared blob already in the local store.
    let run = checkout(&sessions, &nginx.url).args(&["-j", "1"]).run();
    assert!(run.stderr.contains("2 cached (remote)"), "{}", run.stderr);
    assert_eq!(run.run_json()["remote_cache"]["bytes_downloaded"], held);
}

#[test]
fn a_bearer_token_comes_from_the_environment_and_is_never_printed() {
    let nginx = Nginx::start(Behaviour::Bearer);
    let mut writer = checkout(SHELL_SESSIONS, &nginx.url).env("FORGE_REMOTE_CACHE_TOKEN", "s3cret-token");
    let run = writer.rerun(&["-v"]);
    run.assert_code(0);
    assert_eq!(nginx.files("ac").len(), 2, "{:?}", nginx.requests());
    assert!(warnings(&run.stderr).is_empty(), "{}", run.stderr);

    let wrong = checkout(SHELL_SESSIONS, &nginx.url).env("FORGE_REMOTE_CACHE_TOKEN", "not-the-token");
    let run = wrong.run();
    run.assert_code(0);
    let warned = warnings(&run.stderr);
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(warned[0].contains("HTTP 401"), "{}", warned[0]);
    assert!(!run.stderr.contains("not-the-token") && !run.stdout.contains("not-the-token"));

    let reader = checkout(SHELL_SESSIONS, &nginx.url).env("FORGE_REMOTE_CACHE_TOKEN", "s3cret-token");
    let run = reader.run();
    assert!(run.stderr.contains("2 cached (remote)"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cret") && !run.stdout.contains("s3cret"));
}

#[test]
fn basic_auth_comes_from_the_environment_and_the_password_is_never_printed() {
    let nginx = Nginx::start(Behaviour::Basic);
    let as_ci = |password: &str| {
        checkout(SHELL_SESSIONS, &nginx.url)
            .env("FORGE_REMOTE_CACHE_USER", "ci")
            .env("FORGE_REMOTE_CACHE_PASSWORD", password)
    };
    let run = as_ci("open sesame").run();
    run.assert_code(0);
    assert!(warnings(&run.stderr).is_empty(), "{}", run.stderr);
    assert_eq!(nginx.files("ac").len(), 2, "{:?}", nginx.requests());

    let run = as_ci("guess").run();
    run.assert_code(0);
    let warned = warnings(&run.stderr);
    assert!(warned.len() == 1 && warned[0].contains("HTTP 401"), "{}", run.stderr);
    assert!(!run.stderr.contains("guess") && !run.stdout.contains("guess"));

    let run = as_ci("open sesame").run();
    assert!(run.stderr.contains("2 cached (remote)"), "{}", run.stderr);
    assert!(!run.stderr.contains("sesame") && !run.stdout.contains("sesame"));
}

/// Runs the shell sessions against `url` (after `prepare`), expecting both to run and succeed
/// with exactly one warning naming `problem`.
fn assert_one_warning_and_a_normal_run(url: &str, problem: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let mut test = checkout(SHELL_SESSIONS, url).env("FORGE_REMOTE_CACHE_TIMEOUT", "1s");
    for (key, value) in extra {
        test = test.env(key, value);
    }
    let run = test.run();
    run.assert_code(0);
    assert_eq!(run.status_of("one"), "success", "{}", run.stderr);
    assert_eq!(run.status_of("two"), "success", "{}", run.stderr);
    assert_eq!(read(&run.root.join("out/one.txt")), b"one\n");
    let warned: Vec<String> = warnings(&run.stderr).into_iter().map(str::to_owned).collect();
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(warned[0].starts_with(&format!("warning: remote cache {url}: ")), "{}", warned[0]);
    assert!(warned[0].contains(problem), "{problem}: {}", warned[0]);
    assert!(warned[0].contains("each failure was a cache miss"), "{}", warned[0]);
    warned
}

#[test]
fn a_server_that_is_down_is_one_warning_and_not_asked_again() {
    let url = closed_port_url();
    let warned = assert_one_warning_and_a_normal_run(&url, "GET /ac/", &[]);
    assert!(warned[0].contains("not used for the rest of the run"), "{}", warned[0]);
    // The two lookups (made at once) failed; no upload was tried after them.
    assert!(failed_requests(&warned[0]) <= 2, "{}", warned[0]);
}

#[test]
fn a_server_answering_500_is_one_warning() {
    let nginx = Nginx::start(Behaviour::Error500);
    let warned = assert_one_warning_and_a_normal_run(&nginx.url, "HTTP 500", &[]);
    // Two lookups and, read-write, an upload attempt per result: every one failed, one warning.
    assert!(warned[0].contains("failed requests in all"), "{}", warned[0]);
}

#[test]
fn a_server_slower_than_the_timeout_is_one_warning() {
    let nginx = Nginx::start(Behaviour::Slow);
    let warned = assert_one_warning_and_a_normal_run(&nginx.url, "timed out", &[]);
    assert!(warned[0].contains("not used for the rest of the run"), "{}", warned[0]);
    assert!(warned[0].contains("timed out after 1s"), "{}", warned[0]);
    assert!(failed_requests(&warned[0]) <= 2, "one wait per lookup, then no more: {}", warned[0]);
}

/// A server holding both results of [`SHELL_SESSIONS`], and its blobs.
fn populated() -> (Nginx, Vec<PathBuf>) {
    let nginx = Nginx::start(Behaviour::Cache);
    checkout(SHELL_SESSIONS, &nginx.url).run().assert_code(0);
    let blobs = nginx.files("cas");
    assert!(blobs.len() >= 2, "{:?}", nginx.requests());
    (nginx, blobs)
}

#[test]
fn a_blob_whose_hash_does_not_match_its_address_is_refused() {
    let (nginx, blobs) = populated();
    for blob in &blobs {
        // Same length, other bytes.
        let length = read(blob).len();
        std::fs::write(blob, vec![b'x'; length]).unwrap();
    }
    assert_one_warning_and_a_normal_run(&nginx.url, "has SHA-256", &[("FORGE_REMOTE_CACHE_MODE", "read")]);
}

#[test]
fn a_truncated_body_is_refused() {
    let (nginx, _) = populated();
    let proxy = TruncatingProxy::start(&nginx.url);
    assert_one_warning_and_a_normal_run(&proxy.url, "GET /cas/", &[("FORGE_REMOTE_CACHE_MODE", "read")]);
}

#[test]
fn a_url_with_credentials_or_another_scheme_is_exit_2_without_the_secret() {
    let test = Test::new()
        .sessions("[forge]\nremote-cache = \"http://me:hunter2@cache:8080\"\n\n[sessions.a]\nvenv = false\ncommands = [\"true\"]\n");
    let run = test.run();
    run.assert_code(2);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("remote-cache") && run.stderr.contains("FORGE_REMOTE_CACHE_TOKEN"), "{}", run.stderr);

    let test = Test::new().sessions("[sessions.a]\nvenv = false\ncommands = [\"true\"]\n");
    let run = test.command().args(["--remote-cache", "ftp://cache"]).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.starts_with("error: --remote-cache") && stderr.contains("hint:"), "{stderr}");
    let run = test.command().env("FORGE_REMOTE_CACHE", "http://u:p4ss@cache").output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&run.stderr).contains("p4ss"));
    let run = test.command().args(["--remote-cache", "http://cache", "--remote-cache-timeout", "0s"]).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("`0s` is zero"));
    let run = test.command().args(["--remote-cache-mode", "sometimes"]).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("'sometimes'"));
    let test = Test::new().sessions("[forge]\nremote-cache = \"http://cache\"\nremote-cache-timeout = \"0s\"\n\n[sessions.a]\nvenv = false\ncommands = [\"true\"]\n");
    let run = test.run();
    run.assert_code(2);
    assert!(run.stderr.contains("forge.remote-cache-timeout`: `0s` is zero"), "{}", run.stderr);
}

#[test]
fn a_record_edited_on_the_server_is_refused_and_one_of_another_format_is_a_quiet_miss() {
    let (nginx, _) = populated();
    let records = nginx.files("ac");
    let edit = |change: &dyn Fn(&mut serde_json::Value)| {
        for record in &records {
            let mut json: serde_json::Value = serde_json::from_slice(&read(record)).unwrap();
            change(&mut json);
            std::fs::write(record, json.to_string()).unwrap();
        }
    };
    // A record whose digest is not its key's: refused, with the run's one warning.
    edit(&|json| json["digest"] = serde_json::json!("0".repeat(64)));
    assert_one_warning_and_a_normal_run(&nginx.url, "does not match its key", &[("FORGE_REMOTE_CACHE_MODE", "read")]);

    // A record of another cache format (another forge wrote it): a miss, and no warning.
    edit(&|json| json["format"] = serde_json::json!(999));
    let mut test = checkout(SHELL_SESSIONS, &nginx.url).env("FORGE_REMOTE_CACHE_MODE", "read");
    let run = test.rerun(&["-v"]);
    run.assert_code(0);
    assert_eq!(run.status_of("one"), "success");
    assert!(warnings(&run.stderr).is_empty(), "{}", run.stderr);
    assert!(run.stderr.contains("cache: no stored result; the remote result is of cache format 999"), "{}", run.stderr);

    // A later format whose layout forge cannot even read: the same quiet miss.
    for record in &records {
        std::fs::write(record, r#"{"format": 999, "entries": []}"#).unwrap();
    }
    let mut test = checkout(SHELL_SESSIONS, &nginx.url).env("FORGE_REMOTE_CACHE_MODE", "read");
    let run = test.rerun(&["-v"]);
    assert!(warnings(&run.stderr).is_empty(), "{}", run.stderr);
    assert!(run.stderr.contains("the remote result is of another cache format"), "{}", run.stderr);
    // Not a record at all (of this format or any): refused with the warning.
    for record in &records {
        std::fs::write(record, r#"{"format": 2, "instance": 7}"#).unwrap();
    }
    assert_one_warning_and_a_normal_run(&nginx.url, "not a forge cache record", &[("FORGE_REMOTE_CACHE_MODE", "read")]);
}

#[test]
fn a_record_at_another_instances_address_is_refused() {
    // Two sessions alike in all but name have equal keys: only the record's instance tells them
    // apart. One's record at the other's address: the first hits, the second is refused.
    let twins = "[sessions.one]\nvenv = false\ncommands = [[\"sh\", \"-c\", \"echo twin\"]]\ninputs = [\"src/**\"]\n\n\
                 [sessions.two]\nvenv = false\ncommands = [[\"sh\", \"-c\", \"echo twin\"]]\ninputs = [\"src/**\"]\n";
    let nginx = Nginx::start(Behaviour::Cache);
    checkout(twins, &nginx.url).run().assert_code(0);
    let records = nginx.files("ac");
    assert_eq!(records.len(), 2);
    let one = records.iter().find(|record| String::from_utf8(read(record)).unwrap().contains(r#""instance":"one""#));
    let two = records.iter().find(|record| String::from_utf8(read(record)).unwrap().contains(r#""instance":"two""#));
    std::fs::copy(one.unwrap(), two.unwrap()).unwrap();
    let run = checkout(twins, &nginx.url).env("FORGE_REMOTE_CACHE_MODE", "read").run();
    run.assert_code(0);
    assert_eq!((run.status_of("one"), run.status_of("two")), ("cached".into(), "success".into()));
    let warned = warnings(&run.stderr);
    assert!(warned.len() == 1 && warned[0].contains("does not match its key"), "{}", run.stderr);
}
