//! An existing tox configuration, read for `forge init`: the env list of `tox.ini` (or
//! `[tool.tox] legacy_tox_ini`) or `tox.toml` (or `[tool.tox]`), and for each env what forge can
//! carry over as it is: description, deps and commands. A line forge cannot carry (a tox
//! substitution other than `{posargs}`, a factor condition) is left out and counted, so the
//! generated file can say so.

use toml::Table;

/// tox's configuration as far as `forge init` uses it.
#[derive(Debug, Default, PartialEq)]
pub struct Tox {
    /// Where it was read from (`tox.ini`, `tox.toml`, `pyproject.toml [tool.tox]`).
    pub source: String,
    /// The envs of the env list, in its order (brace expressions expanded).
    pub envs: Vec<ToxEnv>,
}

/// One env of tox's env list.
#[derive(Debug, Default, PartialEq)]
pub struct ToxEnv {
    /// The env's name (`py312`, `lint`).
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `deps` lines that are requirements.
    pub deps: Vec<String>,
    /// `dependency_groups` (tox 4.22+): PEP 735 groups of pyproject.toml.
    pub groups: Vec<String>,
    /// `-r FILE` lines of `deps`.
    pub requirements: Vec<String>,
    /// Commands, as shell-like strings with `{posargs}` kept.
    pub commands: Vec<String>,
    /// Lines of deps or commands left out (tox substitutions, factor conditions).
    pub skipped: usize,
}

impl ToxEnv {
    /// Whether the env's first factor names an interpreter (`py312`, `3.12`, `pypy3`,
    /// `py312-tests`): tox runs such an env per interpreter, and forge parametrizes instead.
    pub fn per_interpreter(&self) -> bool {
        let factor = self.name.split('-').next().unwrap_or_default();
        let rest = factor.strip_prefix("pypy").or_else(|| factor.strip_prefix("py")).unwrap_or(factor);
        !rest.is_empty() && rest.starts_with('3') && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
    }

    /// The CPython minor version of the env's first factor (`py312`, `py3.12`, `3.12`,
    /// `py312-tests` → 12; `pypy3.11` → none: forge's instances name CPython versions here).
    pub fn python_minor(&self) -> Option<u32> {
        let factor = self.name.split('-').next().unwrap_or_default();
        let digits =
            factor.strip_prefix("py3").or_else(|| factor.strip_prefix("3")).map(|rest| rest.trim_start_matches('.'));
        digits.filter(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))?.parse().ok()
    }
}

/// Reads an INI-format tox configuration (tox.ini, `legacy_tox_ini`).
pub fn from_ini(source: &str, text: &str) -> Tox {
    let sections = parse_ini(text);
    let get = |section: &str, key: &str| {
        sections.iter().find(|(name, _)| name == section).and_then(|(_, keys)| {
            keys.iter().find(|(k, _)| k.replace('-', "_") == key).map(|(_, value)| value.as_str())
        })
    };
    let list = get("tox", "env_list").or_else(|| get("tox", "envlist")).unwrap_or("");
    let names: Vec<String> = split_top_level(list)
        .into_iter()
        .flat_map(|item| expand_braces(item.trim()))
        .filter(|name| !name.is_empty())
        .collect();
    let mut names = dedup(names);
    if names.is_empty() {
        // No env list: the envs with their own section.
        names = sections.iter().filter_map(|(name, _)| name.strip_prefix("testenv:").map(str::to_owned)).collect();
    }
    let envs = names
        .into_iter()
        .map(|name| {
            let section = format!("testenv:{name}");
            let mut env = ToxEnv { name, ..ToxEnv::default() };
            env.description = get(&section, "description").map(str::to_owned);
            env.groups = get(&section, "dependency_groups")
                .map(|groups| {
                    split_top_level(groups)
                        .into_iter()
                        .map(str::trim)
                        .filter(|g| !g.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(deps) = get(&section, "deps") {
                for line in deps.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')) {
                    add_dep(&mut env, line);
                }
            }
            if let Some(commands) = get(&section, "commands") {
                for line in commands.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')) {
                    match carry_command(line) {
                        Some(command) => env.commands.push(command),
                        None => env.skipped += 1,
                    }
                }
            }
            env
        })
        .collect();
    Tox { source: source.to_owned(), envs }
}

/// Reads a TOML-format tox configuration (tox.toml, or pyproject.toml's `[tool.tox]` table).
pub fn from_toml(source: &str, table: &Table) -> Tox {
    let strings = |value: Option<&toml::Value>| -> Vec<String> {
        value
            .and_then(toml::Value::as_array)
            .map(|items| items.iter().filter_map(|item| item.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let names = dedup(strings(table.get("env_list")));
    let env_tables = table.get("env").and_then(toml::Value::as_table);
    let envs = names
        .into_iter()
        .map(|name| {
            let mut env = ToxEnv { name, ..ToxEnv::default() };
            let Some(definition) = env_tables.and_then(|envs| envs.get(&env.name)).and_then(toml::Value::as_table)
            else {
                return env;
            };
            env.description = definition.get("description").and_then(toml::Value::as_str).map(str::to_owned);
            env.groups = strings(definition.get("dependency_groups"));
            for dep in strings(definition.get("deps")) {
                add_dep(&mut env, &dep);
            }
            for command in definition.get("commands").and_then(toml::Value::as_array).into_iter().flatten() {
                match command.as_array().and_then(|args| toml_command(args)) {
                    Some(command) => env.commands.push(command),
                    None => env.skipped += 1,
                }
            }
            env
        })
        .collect();
    Tox { source: source.to_owned(), envs }
}

/// One command of tox.toml (an array of arguments) as a command line; `{ replace = "posargs" }`
/// becomes `{posargs}` (its default, if any, `{posargs:DEFAULT}`).
fn toml_command(args: &[toml::Value]) -> Option<String> {
    let mut words = Vec::new();
    for arg in args {
        match arg {
            toml::Value::String(text) if !text.contains('{') => words.push(shlex::try_quote(text).ok()?.into_owned()),
            toml::Value::Table(table) if table.get("replace").and_then(toml::Value::as_str) == Some("posargs") => {
                let default: Vec<&str> = table
                    .get("default")
                    .and_then(toml::Value::as_array)
                    .map(|items| items.iter().filter_map(toml::Value::as_str).collect())
                    .unwrap_or_default();
                words.push(if default.is_empty() {
                    "{posargs}".into()
                } else {
                    format!("{{posargs:{}}}", default.join(" "))
                });
            }
            _ => return None,
        }
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// A `deps` line: `-r FILE` is a requirements file, a plain requirement is kept; anything with a
/// tox substitution or a factor condition (`py312: pytest`) is skipped.
fn add_dep(env: &mut ToxEnv, line: &str) {
    if let Some(file) = line.strip_prefix("-r").map(str::trim) {
        if !file.contains('{') {
            env.requirements.push(file.to_owned());
            return;
        }
    } else if !line.contains('{') && !is_factor_condition(line) && !line.starts_with('-') {
        env.deps.push(line.to_owned());
        return;
    }
    env.skipped += 1;
}

/// A commands line forge can run as it is: no tox substitution but `{posargs}`/`{posargs:…}`, no
/// factor condition, no tox-only prefix (`-` ignore-exit, `!`).
fn carry_command(line: &str) -> Option<String> {
    if is_factor_condition(line) || line.starts_with('-') || line.starts_with('!') {
        return None;
    }
    let mut rest = line;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}')? + start;
        let inner = &rest[start + 1..end];
        if inner != "posargs" && !inner.starts_with("posargs:") {
            return None;
        }
        rest = &rest[end + 1..];
    }
    Some(line.to_owned())
}

/// `py312,py313: pytest` / `!py38: mypy` (a tox factor condition before a colon).
fn is_factor_condition(line: &str) -> bool {
    line.split_once(':').is_some_and(|(head, tail)| {
        !head.is_empty()
            && !tail.starts_with("//")
            && head.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ',' | '-' | '!' | '_' | '.' | ' '))
            && !head.contains(' ')
    })
}

/// An env list split at commas and line ends outside braces (`py{311,312}, lint`).
fn split_top_level(list: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (index, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' | '\n' if depth == 0 => {
                items.push(&list[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    items
}

/// `py{311,312}-django{42,52}` → every combination, in order.
fn expand_braces(item: &str) -> Vec<String> {
    let Some(open) = item.find('{') else { return vec![item.to_owned()] };
    let Some(close) = item[open..].find('}').map(|end| end + open) else { return vec![item.to_owned()] };
    let (head, alternatives, tail) = (&item[..open], &item[open + 1..close], &item[close + 1..]);
    let tails = expand_braces(tail);
    alternatives
        .split(',')
        .flat_map(|alternative| tails.iter().map(move |tail| format!("{head}{}{tail}", alternative.trim())))
        .collect()
}

fn dedup(names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().filter(|name| seen.insert(name.clone())).collect()
}

/// INI as tox reads it: `[section]`, `key = value`, indented continuation lines, `#`/`;` comments.
fn parse_ini(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            sections.push((name.trim().to_owned(), Vec::new()));
            continue;
        }
        let Some((_, keys)) = sections.last_mut() else { continue };
        let continuation = line.starts_with(char::is_whitespace);
        match (continuation, keys.last_mut(), trimmed.split_once('=')) {
            (true, Some((_, value)), _) => {
                value.push('\n');
                value.push_str(trimmed.trim_end_matches('\\').trim_end());
            }
            (_, _, Some((key, value))) => keys.push((key.trim().to_owned(), value.trim().to_owned())),
            _ => {}
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    const INI: &str = "[tox]\nenvlist = py{311,312}, lint\n    docs\n\n[testenv]\ndeps = pytest\ncommands = pytest {posargs}\n\n[testenv:lint]\ndescription = run linters\ndeps =\n    ruff\n    -r requirements-lint.txt\n    py312: black\ncommands =\n    ruff check {posargs:.}\n    python -m build {toxinidir}\n";

    #[test]
    fn the_ini_env_list_is_expanded_and_envs_carried_over() {
        let tox = from_ini("tox.ini", INI);
        let names: Vec<&str> = tox.envs.iter().map(|env| env.name.as_str()).collect();
        assert_eq!(names, ["py311", "py312", "lint", "docs"]);
        assert_eq!(tox.envs[0].python_minor(), Some(11));
        assert_eq!(tox.envs[2].python_minor(), None);
        assert!(tox.envs[1].per_interpreter() && !tox.envs[2].per_interpreter());
        let env = |name: &str| ToxEnv { name: name.into(), ..ToxEnv::default() };
        assert_eq!(env("py38-tests").python_minor(), Some(8));
        assert!(env("pypy3.11").per_interpreter() && env("pypy3.11").python_minor().is_none());
        assert!(!env("pyright").per_interpreter() && !env("python").per_interpreter());
        let lint = &tox.envs[2];
        assert_eq!(lint.description.as_deref(), Some("run linters"));
        assert_eq!(lint.deps, ["ruff"]);
        assert_eq!(lint.requirements, ["requirements-lint.txt"]);
        assert_eq!(lint.commands, ["ruff check {posargs:.}"]);
        assert_eq!(lint.skipped, 2, "the factor dep and the {{toxinidir}} command");
    }

    #[test]
    fn without_an_env_list_the_sections_are_the_envs() {
        let tox = from_ini("tox.ini", "[testenv:type]\ncommands = mypy src\n");
        assert_eq!(tox.envs.len(), 1);
        assert_eq!(tox.envs[0].commands, ["mypy src"]);
    }

    #[test]
    fn toml_envs_with_posargs_tables() {
        let table: Table = toml::from_str(
            "env_list = [\"3.13\", \"lint\"]\n[env.lint]\ndeps = [\"ruff\"]\ncommands = [[\"ruff\", \"check\", { replace = \"posargs\", default = [\"src\"], extend = true }], [\"python\", \"{tox_root}/x.py\"]]\n",
        )
        .unwrap();
        let tox = from_toml("tox.toml", &table);
        assert_eq!(tox.envs[0].python_minor(), Some(13));
        assert_eq!(tox.envs[1].commands, ["ruff check {posargs:src}"]);
        assert_eq!(tox.envs[1].skipped, 1);
    }

    #[test]
    fn brace_products() {
        assert_eq!(expand_braces("py{311,312}-dj{42,52}"), ["py311-dj42", "py311-dj52", "py312-dj42", "py312-dj52"]);
        assert_eq!(expand_braces("lint"), ["lint"]);
    }
}
