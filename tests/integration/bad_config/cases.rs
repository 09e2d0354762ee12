//! The corpus: one malformed or hostile sessions.toml per case, with a substring its error line
//! must contain.

/// What the project's sessions.toml is.
pub enum Input {
    /// UTF-8 text.
    Text(&'static str),
    /// Raw bytes (not UTF-8).
    Bytes(&'static [u8]),
    /// A directory where the file should be.
    Directory,
}

/// One malformed file: its input, the arguments after `-f sessions.toml`, and a substring the
/// error line must contain.
pub struct Case {
    pub name: &'static str,
    pub input: Input,
    pub args: &'static [&'static str],
    pub expected: &'static str,
}

const fn case(name: &'static str, text: &'static str, expected: &'static str) -> Case {
    Case { name, input: Input::Text(text), args: &[], expected }
}

const fn listing(name: &'static str, text: &'static str, expected: &'static str) -> Case {
    Case { name, input: Input::Text(text), args: &["-l"], expected }
}

pub const CASES: &[Case] = &[
    // An empty directory key names it once (not `[forge] [forge] env-dir`).
    case("an empty env-dir", "[forge]\nenv-dir = \" \"\n", "2: [forge] env-dir: the directory is empty"),
    case("an empty reports-dir", "[forge]\nreports-dir = \"\"\n", "2: [forge] reports-dir: the directory is empty"),
    // Wrong types.
    case(
        "retries as a string",
        "[sessions.a]\nretries = \"two\"\n",
        "2:11: `sessions.a.retries`: invalid type: string \"two\", expected a whole number",
    ),
    case("python as a float", "[sessions.a]\npython = 3.11\n", "2:10: `sessions.a.python`: invalid type: float `3.11`"),
    case(
        "commands as a string",
        "[sessions.a]\ncommands = \"pytest\"\n",
        "`sessions.a.commands`: invalid type: string \"pytest\", expected an array",
    ),
    case(
        "deps with a number",
        "[sessions.a]\ndeps = [1]\n",
        "`sessions.a.deps[0]`: invalid type: integer `1`, expected a string",
    ),
    case(
        "a command as a number",
        "[sessions.a]\ncommands = [1]\n",
        "`sessions.a.commands[0]`: invalid type: integer `1`, expected a command string",
    ),
    case(
        "venv as a string",
        "[sessions.a]\nvenv = \"no\"\n",
        "`sessions.a.venv`: invalid type: string \"no\", expected `true` or `false`",
    ),
    case(
        "a session that is not a table",
        "[sessions]\na = 1\n",
        "`sessions.a`: invalid type: integer `1`, expected a table",
    ),
    case(
        "env value not a string",
        "[sessions.a]\nenv = { A = 1 }\n",
        "`sessions.a.env.A`: invalid type: integer `1`, expected a string",
    ),
    // Unknown keys at every level, with the nearest valid key.
    case("unknown top-level key", "[sesions.a]\n", "unknown key `sesions` in the top level"),
    case("unknown [forge] key", "[forge]\njbos = 2\n", "2:1: unknown key `jbos` in [forge]"),
    case(
        "unknown session key",
        "[sessions.lint]\ncomands = [\"ruff\"]\n",
        "2:1: unknown key `comands` in [sessions.lint]",
    ),
    case("unknown [coverage] key", "[coverage]\nfail_under = 80\n", "2:1: unknown key `fail_under` in [coverage]"),
    // TOML syntax.
    case("unclosed table header", "[sessions.a]\n[sessions.b\n", "2:12: unclosed table"),
    case("unclosed array", "[sessions.a]\ncommands = [\"ruff\"\n", "sessions.toml:2:"),
    case("duplicate table", "[sessions.a]\n[sessions.a]\n", "2:11: duplicate key `a`"),
    case(
        "arrays nested too deeply",
        "[sessions.a]\ndeps = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]\n",
        "nested too deeply",
    ),
    // Names that are not safe file names.
    case("empty session name", "[sessions.\"\"]\n", "[sessions.\"\"]: invalid session name: the name is empty"),
    case(
        "session name with a slash",
        "[sessions.\"a/b\"]\n",
        "[sessions.\"a/b\"]: invalid session name: the name contains `/`",
    ),
    case("session name ..", "[sessions.\"..\"]\n", "[sessions.\"..\"]: invalid session name: the name starts with `.`"),
    case("session name ../x", "[sessions.\"../escape\"]\n", "invalid session name: the name contains `/`"),
    case("session name with a space", "[sessions.\"a b\"]\n", "invalid session name: the name contains a space"),
    case(
        "session name starting with -",
        "[sessions.\"-rf\"]\n",
        "[sessions.\"-rf\"]: invalid session name: the name starts with `-`",
    ),
    case(
        "session name with a newline",
        "[sessions.\"a\\nb\"]\n",
        "[sessions.\"a\\nb\"]: invalid session name: the name contains `\\n`",
    ),
    case(
        "python version with a slash",
        "[sessions.t]\npython = [\"3.12\", \"../../x\"]\n",
        "[sessions.t] python: `../../x` is not a Python version",
    ),
    case(
        "[forge] python with a slash",
        "[forge]\npython = \"/usr/bin/python3\"\n",
        "[forge] python: `/usr/bin/python3` is not a Python version",
    ),
    // Huge numbers.
    case(
        "retries beyond u32",
        "[sessions.a]\nretries = 99999999999\n",
        "`sessions.a.retries`: invalid value: integer `99999999999`",
    ),
    case("retries beyond i64", "[sessions.a]\nretries = 999999999999999999999999\n", "`sessions.a.retries`"),
    case(
        "retries over the limit",
        "[sessions.a]\nretries = 101\n",
        "[sessions.a] retries: 101 is more than the maximum of 100",
    ),
    case("jobs as 1e9", "[forge]\njobs = 1e9\n", "`forge.jobs`: invalid type: float"),
    case("jobs over the limit", "[forge]\njobs = 1000000\n", "[forge] jobs: 1000000 is more than the maximum of 1024"),
    case("negative retries", "[sessions.a]\nretries = -1\n", "`sessions.a.retries`: invalid value: integer `-1`"),
    case(
        "fail-under over 100",
        "[coverage]\nfail-under = 120\n",
        "[coverage] fail-under: 120 is not a percentage between 0 and 100",
    ),
    case("fail-under nan", "[coverage]\nfail-under = nan\n", "[coverage] fail-under: NaN is not a percentage"),
    // Durations.
    case("negative timeout", "[sessions.a]\ntimeout = \"-5s\"\n", "`sessions.a.timeout`: `-5s` is negative"),
    case("zero timeout", "[sessions.a]\ntimeout = \"0s\"\n", "`sessions.a.timeout`: `0s` is zero"),
    // The retry policy.
    case(
        "retry-backoff below 1",
        "[sessions.a]\nretries = 2\nretry-backoff = 0.5\n",
        "[sessions.a] retry-backoff: 0.5 is not a back-off factor from 1 to 10",
    ),
    case(
        "retry-backoff absurd",
        "[sessions.a]\nretry-backoff = 1000\n",
        "[sessions.a] retry-backoff: 1000 is not a back-off factor from 1 to 10",
    ),
    case(
        "negative retry-delay",
        "[sessions.a]\nretry-delay = \"-1s\"\n",
        "`sessions.a.retry-delay`: `-1s` is negative",
    ),
    case(
        "absurd retry-max-delay",
        "[sessions.a]\nretry-max-delay = \"2h\"\n",
        "[sessions.a] retry-max-delay: 2h is longer than the maximum of 1h",
    ),
    case(
        "retry-delay over retry-max-delay",
        "[sessions.a]\nretry-delay = \"1m\"\nretry-max-delay = \"10s\"\n",
        "[sessions.a] retry-delay: 1m is longer than retry-max-delay 10s",
    ),
    Case {
        name: "unknown profile",
        input: Input::Text("[sessions.a]\ncommands = [\"true\"]\n[profiles.production]\n"),
        args: &["--profile", "prodution"],
        expected: "[ROOT]/sessions.toml: --profile: no profile `prodution` in sessions.toml",
    },
    case("unknown key in a profile", "[profiles.ci]\nfail-under = 80\n", "unknown key `fail-under` in [profiles.ci]"),
    case(
        "unit-less timeout",
        "[sessions.a]\ntimeout = \"10\"\n",
        "`sessions.a.timeout`: `10` is not a duration (a unit is needed",
    ),
    case("timeout as a number", "[sessions.a]\ntimeout = 10\n", "`sessions.a.timeout`: invalid type: integer `10`"),
    case(
        "absurd timeout",
        "[sessions.a]\ntimeout = \"500000000000y\"\n",
        "`500000000000y` is longer than the maximum of 365 days",
    ),
    case(
        "unknown retry-delay unit",
        "[sessions.a]\nretry-delay = \"1 fortnight\"\n",
        "`sessions.a.retry-delay`: `1 fortnight` is not a duration (unknown unit `fortnight`",
    ),
    // Requirements.
    case("self-requires", "[sessions.a]\nrequires = [\"a\"]\n", "[sessions.a] requires: session `a` requires itself"),
    listing(
        "requires cycle",
        "[sessions.a]\nrequires = [\"b\"]\n[sessions.b]\nrequires = [\"a\"]\n",
        "error: [ROOT]/sessions.toml:2: `requires` forms a cycle: a -> b -> a",
    ),
    case(
        "cycle through an instance",
        "[sessions.lint]\nrequires = [\"test-3.12\"]\n[sessions.test]\npython = [\"3.11\", \"3.12\"]\nrequires = [\"lint\"]\n",
        "sessions.toml:2: `requires` forms a cycle: lint -> test-3.12 -> lint",
    ),
    case(
        "unknown requires",
        "[sessions.lint]\n[sessions.check]\nrequires = [\"lnit\"]\n",
        "sessions.toml:3: [sessions.check] requires: unknown session `lnit`",
    ),
    case(
        "unknown default",
        "[forge]\ndefault = [\"tset\"]\n[sessions.test]\n",
        "[forge] default: unknown session `tset`",
    ),
    // Parametrization.
    case(
        "duplicate instance names",
        "[sessions.test]\npython = [\"3.11\"]\n[sessions.\"test-3.11\"]\n",
        "instance name `test-3.11` is defined twice",
    ),
    case(
        "names differing only in case",
        "[sessions.Lint]\n[sessions.lint]\n",
        "instance names `Lint` and `lint` differ only in case",
    ),
    case(
        "empty python list",
        "[sessions.test]\npython = []\n",
        "[sessions.test] python: the list of versions is empty",
    ),
    case(
        "duplicate python versions",
        "[sessions.test]\npython = [\"3.12\", \"3.12\"]\n",
        "[sessions.test] python: version `3.12` is listed twice",
    ),
    // Templates.
    case(
        "misspelled placeholder",
        "[sessions.a]\ncommands = [\"pytest {pyhton}\"]\n",
        "sessions.toml:2: [sessions.a] commands: unknown placeholder `{pyhton}` at column 8 in `pytest {pyhton}`",
    ),
    case(
        "unclosed placeholder",
        "[sessions.a]\ncommands = [\"pytest {posargs\"]\n",
        "[sessions.a] commands: unclosed `{` at column 8 in `pytest {posargs`",
    ),
    case(
        "envdir without a venv",
        "[sessions.a]\nvenv = false\ncommands = [\"ls {envdir}\"]\n",
        "[sessions.a] commands: `{envdir}` is used, but the session has `venv = false`",
    ),
    case(
        "posargs in a report path",
        "[sessions.a]\njunit = [\"{posargs}.xml\"]\n",
        "[sessions.a] junit: `{posargs}` is only allowed in commands",
    ),
    case(
        "unbalanced quotes",
        "[sessions.a]\ncommands = [\"echo 'oops\"]\n",
        "[sessions.a] commands: unclosed `'` at column 6 in `echo 'oops`",
    ),
    case("empty argv", "[sessions.a]\ncommands = [[]]\n", "[sessions.a] commands: an argv array needs a program"),
    case(
        "a long command is quoted whole",
        "[sessions.a]\ncommands = [\"pytest --junitxml={reports}/pytest-{python}.xml --cov --cov-report=xml:{reports}/coverage-{python}.xml {posargs\"]\n",
        "unclosed `{` at column 104 in `pytest --junitxml={reports}/pytest-{python}.xml --cov --cov-report=xml:{reports}/coverage-{python}.xml {posargs`",
    ),
    case(
        "a typo inside a posargs default",
        "[sessions.a]\ncommands = [\"pytest {posargs:{rot}/tests}\"]\n",
        "[sessions.a] commands: unknown placeholder `{rot}` at column 17 in `pytest {posargs:{rot}/tests}`",
    ),
    case(
        "tox's ignore-the-exit-status prefix",
        "[sessions.a]\nvenv = false\ncommands = [\"true\", \"- pytest -x\"]\n",
        "sessions.toml:3: [sessions.a] commands: `- pytest -x`: a leading `-` (tox's \"ignore the exit status\") is not supported",
    ),
    case(
        "tox's prefix in an argv array",
        "[sessions.a]\nvenv = false\ncommands = [[\"-pytest\", \"-x\"]]\n",
        "[sessions.a] commands: `-pytest -x`: a leading `-`",
    ),
    case(
        "a session name with an unquoted dot",
        "[sessions.build.package]\nvenv = false\ncommands = [\"true\"]\n",
        "sessions.toml:1:17: unknown key `package` in [sessions.build]",
    ),
    // Report paths forge would delete before the session: only inside the project or the reports.
    case(
        "a junit path that leaves the project",
        "[sessions.a]\nvenv = false\ncommands = [\"true\"]\njunit = [\"{reports}/ok.xml\", \"../victim.txt\"]\n",
        "sessions.toml:4: [sessions.a] junit: `../victim.txt`: `..` would leave the directory",
    ),
    case(
        "a coverage path that leaves through {root}",
        "[sessions.a]\nvenv = false\ncommands = [\"true\"]\ncoverage = [\n  \"{root}/../x.xml\",\n]\n",
        "sessions.toml:5: [sessions.a] coverage: `{root}/../x.xml`: `..` would leave the directory",
    ),
    case(
        "an absolute junit path",
        "[sessions.a]\nvenv = false\ncommands = [\"true\"]\njunit = [\"/etc/passwd\"]\n",
        "[sessions.a] junit: `/etc/passwd` is an absolute path",
    ),
    case(
        "a report path beside the root",
        "[sessions.a]\nvenv = false\ncommands = [\"true\"]\njunit = [\"{root}-old/x.xml\"]\n",
        "[sessions.a] junit: `{root}-old/x.xml`: a `/` must follow `{root}` or `{reports}`",
    ),
    case(
        "a report path from the environment",
        "[sessions.a]\nvenv = false\ncommands = [\"true\"]\njunit = [\"{env:OUT}/x.xml\"]\n",
        "[sessions.a] junit: `{env:OUT}/x.xml`: an `{env:…}` value could point anywhere",
    ),
    case(
        "a report path in the virtualenv",
        "[sessions.a]\ncommands = [\"true\"]\ncoverage = [\"{envdir}/cov.xml\"]\n",
        "[sessions.a] coverage: `{envdir}/cov.xml`: the virtualenv may lie outside",
    ),
    case(
        "a report path that is the reports directory",
        "[sessions.a]\nvenv = false\ncommands = [\"true\"]\njunit = [\"{reports}\"]\n",
        "[sessions.a] junit: `{reports}` names a directory, not a file in it",
    ),
    // Environment.
    case(
        "env name with =",
        "[sessions.a]\nenv = { \"A=B\" = \"x\" }\n",
        "[sessions.a] env: `A=B` is not an environment variable name",
    ),
    case(
        "env value with NUL",
        "[sessions.a]\nenv = { A = \"x\\u0000y\" }\n",
        "[sessions.a] env: `x\\u{0}y` contains a NUL character",
    ),
    // Requirements files are checked before anything runs (for the sessions that would run).
    case(
        "a missing requirements file",
        "[sessions.a]\ncommands = [\"true\"]\nrequirements = [\"requirements-dev.txt\"]\n",
        "sessions.toml:3: [sessions.a] requirements: `requirements-dev.txt` does not exist",
    ),
    Case {
        name: "a missing requirements file in a dry run",
        input: Input::Text("[sessions.a]\ncommands = [\"true\"]\nrequirements = [\n  \"a.txt\",\n]\n"),
        args: &["-n"],
        expected: "sessions.toml:4: [sessions.a] requirements: `a.txt` does not exist",
    },
    case(
        "a requirements file that is a directory",
        "[sessions.a]\ncommands = [\"true\"]\nrequirements = [\".\"]\n",
        "[sessions.a] requirements: `[ROOT]/.` is not a regular file (a directory)",
    ),
    case(
        "a requirements file of a required session",
        "[sessions.a]\ncommands = [\"true\"]\nrequirements = [\"gone.txt\"]\n[sessions.b]\nvenv = false\nrequires = [\"a\"]\ncommands = [\"true\"]\n",
        "[sessions.a] requirements: `gone.txt` does not exist",
    ),
    case(
        "deps that need a venv",
        "[sessions.a]\nvenv = false\ndeps = [\"ruff\"]\n",
        "[sessions.a] deps: needs a virtualenv",
    ),
    // The file itself.
    Case {
        name: "invalid UTF-8",
        input: Input::Bytes(b"[sessions.a]\ndescription = \"caf\xe9\"\n"),
        args: &[],
        expected: "sessions.toml:2:19: the file is not valid UTF-8",
    },
    Case {
        name: "a directory",
        input: Input::Directory,
        args: &[],
        expected: "sessions.toml is a directory, not a sessions.toml file",
    },
    case(
        "extras without the project",
        "[sessions.a]\nextras = [\"test\"]\ncommands = [\"true\"]\n",
        "[sessions.a] extras: extras of the project are only installed with the project",
    ),
    case("empty file, nothing to run", "", "sessions.toml defines no sessions"),
    case("only a comment, nothing to run", "# sessions to come\n", "sessions.toml defines no sessions"),
    case(
        "an empty default, nothing to run",
        "[forge]\ndefault = []\n[sessions.a]\n",
        "no session matches [forge] default",
    ),
    case(
        "an inputs glob that leaves the root",
        "[sessions.a]\ncommands = [\"true\"]\ninputs = [\"src/**\", \"../**\"]\n",
        "sessions.toml:3: [sessions.a] inputs: `../**` leaves the project root (`..`)",
    ),
    case(
        "an invalid inputs glob",
        "[sessions.a]\ncommands = [\"true\"]\ninputs = [\"src/{a,b\"]\n",
        "sessions.toml:3: [sessions.a] inputs: `src/{a,b` is not a valid glob",
    ),
    case(
        "outputs over the reports directory",
        "[sessions.a]\ncommands = [\"true\"]\ninputs = []\noutputs = [\"dist/*\",\n  \".forge/**\"]\n",
        "sessions.toml:5: [sessions.a] outputs: `.forge/**` overlaps the reports directory `.forge/reports`",
    ),
    case(
        "inputs on an aggregate",
        "[sessions.a]\ncommands = [\"true\"]\n[sessions.all]\nrequires = [\"a\"]\ninputs = [\"src/**\"]\n",
        "sessions.toml:5: [sessions.all] inputs: an aggregate session (no commands) has nothing to cache",
    ),
];
