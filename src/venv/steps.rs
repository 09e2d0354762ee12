//! The uv commands that build an env, and those that refresh a reused one: `uv venv` + `uv pip
//! install` (deps, requirements files, dependency groups, the project), or `uv sync --locked`
//! into the env for a `locked` session, and `uv build` of the project for the wheel and sdist
//! install modes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{EnvRequest, VenvError};
use crate::config::InstallProjectSpec;

/// The directory inside an env where forge builds the project's wheel or sdist: owned by forge,
/// emptied before each build (so exactly one artifact is there), removed with the env.
pub const PACKAGE_DIR: &str = ".forge-package";

/// One uv invocation of a rebuild.
#[derive(Debug, Clone)]
pub struct BuildStep {
    /// The full argv, uv first.
    pub argv: Vec<OsString>,
    /// A short form for messages.
    pub display: String,
    /// Variables set for this step only (`UV_PROJECT_ENVIRONMENT` for `uv sync`).
    pub env: Vec<(OsString, OsString)>,
    /// `uv sync --locked`: its failure may mean the lock is out of date.
    pub syncs_lock: bool,
    /// A directory of forge's to empty before the step runs ([`PACKAGE_DIR`] before `uv build`).
    pub clears: Option<PathBuf>,
    /// Append the artifact found in this directory when the step runs (its name is known only
    /// once `uv build` made it).
    pub artifact: Option<ArtifactSlot>,
}

/// The built project to install: the one file in `dir` ending in `extension`.
#[derive(Debug, Clone)]
pub struct ArtifactSlot {
    /// [`PACKAGE_DIR`] of the env.
    pub dir: PathBuf,
    /// `.whl` or `.tar.gz`.
    pub extension: &'static str,
    /// Extras to install with it (`NAME[a,b] @ file://…`).
    pub extras: Vec<String>,
}

impl BuildStep {
    /// A step whose display is its whole argv, shell-quoted, so a log line can be pasted into a
    /// shell to repeat it.
    pub(super) fn new(argv: Vec<OsString>) -> Self {
        let display = display(&argv);
        Self { argv, display, env: Vec::new(), syncs_lock: false, clears: None, artifact: None }
    }

    /// Empties [`BuildStep::clears`] and fills in [`BuildStep::artifact`]: the step as it runs.
    ///
    /// # Errors
    /// The directory cannot be emptied, or `uv build` left no single artifact in it.
    pub fn prepared(&self) -> Result<Self, VenvError> {
        if let Some(dir) = &self.clears {
            let io = |action, source| VenvError::Io { action, path: dir.clone(), source };
            match std::fs::remove_dir_all(dir) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(io("cannot remove", error)),
                _ => {}
            }
            std::fs::create_dir_all(dir).map_err(|error| io("cannot create", error))?;
        }
        let mut step = self.clone();
        if let Some(slot) = &self.artifact {
            step.argv.push(slot.requirement()?);
            step.display = display(&step.argv);
        }
        Ok(step)
    }
}

impl ArtifactSlot {
    /// The artifact as a requirement: its path, or `NAME[extras] @ file:///path` with extras.
    fn requirement(&self) -> Result<OsString, VenvError> {
        let missing = |detail: String| VenvError::Io {
            action: "cannot find the built project in",
            path: self.dir.clone(),
            source: std::io::Error::other(detail),
        };
        let entries = std::fs::read_dir(&self.dir).map_err(|error| missing(error.to_string()))?;
        let found: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.to_string_lossy().ends_with(self.extension))
            .collect();
        let [artifact] = found.as_slice() else {
            return Err(missing(format!("expected one *{} file, found {}", self.extension, found.len())));
        };
        if self.extras.is_empty() {
            return Ok(artifact.clone().into_os_string());
        }
        // Wheel and sdist file names start with the normalized project name, then `-`.
        let file = artifact.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let name = file.split('-').next().unwrap_or_default();
        Ok(format!("{name}[{}] @ file://{}", self.extras.join(","), artifact.display()).into())
    }
}

fn display(argv: &[OsString]) -> String {
    let words: Vec<String> = argv.iter().map(|word| word.to_string_lossy().into_owned()).collect();
    crate::config::shell_join(&words)
}

/// The steps that build `request`'s env from nothing with `interpreter`.
pub(super) fn build_steps(request: &EnvRequest, uv: &Path, interpreter: &Path) -> Vec<BuildStep> {
    let inputs = &request.inputs;
    let mut steps = Vec::new();
    if inputs.locked {
        steps.push(sync_step(request, uv, interpreter));
    } else {
        steps.push(BuildStep::new(vec![
            uv.into(),
            "venv".into(),
            "--quiet".into(),
            "--no-project".into(),
            "--python".into(),
            interpreter.into(),
            request.path.clone().into(),
        ]));
    }
    let packaged = package_extension(inputs.install_project);
    if packaged.is_some() {
        steps.push(package_build_step(request, uv, interpreter));
    }
    let mut install: Vec<OsString> = Vec::new();
    install.extend(inputs.deps.iter().map(OsString::from));
    for file in &inputs.requirements {
        install.push("-r".into());
        install.push(file.clone().into());
    }
    if !inputs.locked {
        let pyproject = inputs.root.join("pyproject.toml");
        for group in &inputs.groups {
            // uv ≥ 0.8's `--group FILE:NAME`; forge resolved the same groups for the fingerprint.
            let mut spec = pyproject.clone().into_os_string();
            spec.push(format!(":{group}"));
            install.push("--group".into());
            install.push(spec);
        }
        if inputs.install_project == InstallProjectSpec::Editable {
            let mut project = inputs.root.clone().into_os_string();
            if !inputs.extras.is_empty() {
                project.push(format!("[{}]", inputs.extras.join(",")));
            }
            install.push("-e".into());
            install.push(project);
        }
    }
    // Unlocked, the built project goes in with everything else, so its dependencies resolve
    // together with `deps`; locked, its dependencies came from the lock and it goes in alone.
    let slot_with_rest = packaged.filter(|_| !inputs.locked);
    if !install.is_empty() || slot_with_rest.is_some() {
        let mut step = pip_install(request, uv, install);
        step.artifact = slot_with_rest.map(|extension| slot(request, extension));
        steps.push(step);
    }
    if let Some(extension) = packaged.filter(|_| inputs.locked) {
        let mut step = pip_install(request, uv, vec!["--no-deps".into()]);
        step.artifact = Some(slot(request, extension));
        steps.push(step);
    }
    steps
}

/// The steps run on every reuse of a wheel or sdist env, as tox rebuilds its package each run:
/// the project's sources are not in the fingerprint, and a stale wheel must never be tested.
/// Empty for other envs.
pub(super) fn refresh_steps(request: &EnvRequest, uv: &Path, interpreter: &Path) -> Vec<BuildStep> {
    let Some(extension) = package_extension(request.inputs.install_project) else {
        return Vec::new();
    };
    // The project's dependencies did not change (pyproject.toml is in the fingerprint): only
    // the project is replaced, even at the same version.
    let mut install = pip_install(request, uv, vec!["--no-deps".into(), "--reinstall".into()]);
    install.artifact = Some(slot(request, extension));
    vec![package_build_step(request, uv, interpreter), install]
}

fn package_extension(mode: InstallProjectSpec) -> Option<&'static str> {
    match mode {
        InstallProjectSpec::Wheel => Some(".whl"),
        InstallProjectSpec::Sdist => Some(".tar.gz"),
        InstallProjectSpec::No | InstallProjectSpec::Editable => None,
    }
}

fn slot(request: &EnvRequest, extension: &'static str) -> ArtifactSlot {
    ArtifactSlot { dir: request.path.join(PACKAGE_DIR), extension, extras: request.inputs.extras.clone() }
}

/// `uv sync --locked` into the env, as `UV_PROJECT_ENVIRONMENT`: exactly the lock's pins for the
/// project, the named groups and extras, no default group unless named. `--locked` fails on a
/// lock out of date with pyproject.toml and never writes it. `--quiet`, as for `uv venv` and
/// `uv build`: what it installs is what uv.lock lists, so the log gains nothing from uv's list of
/// it, and relaying that output as uv writes it cost a cold sync ~2 ms (`bench/ab`, paired);
/// uv's warnings and errors, the out-of-date lock's included, still reach the log.
fn sync_step(request: &EnvRequest, uv: &Path, interpreter: &Path) -> BuildStep {
    let inputs = &request.inputs;
    let mut argv: Vec<OsString> = vec![
        uv.into(),
        "sync".into(),
        "--quiet".into(),
        "--locked".into(),
        "--no-default-groups".into(),
        "--python".into(),
        interpreter.into(),
        "--project".into(),
        inputs.root.clone().into(),
    ];
    for group in &inputs.groups {
        argv.extend(["--group".into(), group.into()]);
    }
    for extra in &inputs.extras {
        argv.extend(["--extra".into(), extra.into()]);
    }
    if inputs.install_project != InstallProjectSpec::Editable {
        argv.push("--no-install-project".into());
    }
    let mut step = BuildStep::new(argv);
    step.env.push(("UV_PROJECT_ENVIRONMENT".into(), request.path.clone().into()));
    step.syncs_lock = true;
    step
}

fn package_build_step(request: &EnvRequest, uv: &Path, interpreter: &Path) -> BuildStep {
    let kind = if request.inputs.install_project == InstallProjectSpec::Sdist { "--sdist" } else { "--wheel" };
    let dir = request.path.join(PACKAGE_DIR);
    let mut step = BuildStep::new(vec![
        uv.into(),
        "build".into(),
        "--quiet".into(),
        kind.into(),
        "--python".into(),
        interpreter.into(),
        "--out-dir".into(),
        dir.clone().into(),
        request.inputs.root.clone().into(),
    ]);
    step.clears = Some(dir);
    step
}

fn pip_install(request: &EnvRequest, uv: &Path, args: Vec<OsString>) -> BuildStep {
    let mut argv: Vec<OsString> =
        vec![uv.into(), "pip".into(), "install".into(), "--python".into(), request.python_executable().into()];
    argv.extend(args);
    BuildStep::new(argv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venv::EnvInputs;

    fn request(install_project: InstallProjectSpec, locked: bool) -> EnvRequest {
        EnvRequest {
            path: PathBuf::from("/envs/test"),
            inputs: EnvInputs {
                python_request: String::new(),
                deps: vec!["ruff".into()],
                requirements: vec![],
                install_project,
                extras: vec!["fast".into()],
                groups: vec!["dev".into()],
                locked,
                root: PathBuf::from("/project"),
            },
            python: None,
        }
    }

    fn words(step: &BuildStep) -> Vec<String> {
        step.argv.iter().skip(1).map(|word| word.to_string_lossy().into_owned()).collect()
    }

    fn build(install_project: InstallProjectSpec, locked: bool) -> Vec<Vec<String>> {
        build_steps(&request(install_project, locked), Path::new("uv"), Path::new("/py")).iter().map(words).collect()
    }

    #[test]
    fn a_locked_env_is_synced_from_the_lock_then_deps_go_on_top() {
        let steps = build_steps(&request(InstallProjectSpec::No, true), Path::new("uv"), Path::new("/py"));
        assert_eq!(
            words(&steps[0]),
            [
                "sync",
                "--quiet",
                "--locked",
                "--no-default-groups",
                "--python",
                "/py",
                "--project",
                "/project",
                "--group",
                "dev",
                "--extra",
                "fast",
                "--no-install-project"
            ]
        );
        assert!(steps[0].syncs_lock);
        assert_eq!(steps[0].env, [(OsString::from("UV_PROJECT_ENVIRONMENT"), OsString::from("/envs/test"))]);
        assert_eq!(words(&steps[1]), ["pip", "install", "--python", "/envs/test/bin/python", "ruff"]);
        assert_eq!(steps.len(), 2);
        // Editable: uv sync installs the project itself.
        assert!(!build(InstallProjectSpec::Editable, true)[0].contains(&"--no-install-project".to_owned()));
    }

    #[test]
    fn unlocked_groups_and_the_editable_project_go_in_one_install() {
        let steps = build(InstallProjectSpec::Editable, false);
        assert_eq!(steps[0][..2], ["venv", "--quiet"]);
        assert_eq!(
            steps[1][4..],
            ["ruff", "--group", "/project/pyproject.toml:dev", "-e", "/project[fast]"].map(String::from)
        );
        assert_eq!(steps.len(), 2);
    }

    #[test]
    fn a_wheel_is_built_into_the_env_and_installed_with_the_rest_or_alone_when_locked() {
        let request = request(InstallProjectSpec::Wheel, false);
        let steps = build_steps(&request, Path::new("uv"), Path::new("/py"));
        assert_eq!(words(&steps[1])[..4], ["build", "--quiet", "--wheel", "--python"]);
        assert_eq!(steps[1].clears.as_deref(), Some(Path::new("/envs/test/.forge-package")));
        let slot = steps[2].artifact.as_ref().expect("the wheel is installed");
        assert_eq!((slot.extension, slot.extras.as_slice()), (".whl", ["fast".to_owned()].as_slice()));
        assert!(!words(&steps[2]).contains(&"--no-deps".to_owned()), "unlocked, its dependencies resolve");
        let locked =
            build_steps(&super::tests::request(InstallProjectSpec::Sdist, true), Path::new("uv"), Path::new("/py"));
        assert_eq!(locked.len(), 4, "sync, build, deps, the sdist");
        assert_eq!(words(&locked[3])[4..], ["--no-deps"]);
        assert_eq!(locked[3].artifact.as_ref().unwrap().extension, ".tar.gz");
    }

    #[test]
    fn only_wheel_and_sdist_envs_are_refreshed_on_reuse() {
        for mode in [InstallProjectSpec::No, InstallProjectSpec::Editable] {
            assert!(refresh_steps(&request(mode, false), Path::new("uv"), Path::new("/py")).is_empty());
        }
        let refresh = refresh_steps(&request(InstallProjectSpec::Wheel, true), Path::new("uv"), Path::new("/py"));
        assert_eq!(words(&refresh[1])[4..], ["--no-deps", "--reinstall"]);
    }

    #[test]
    fn the_artifact_is_found_when_the_step_runs() {
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join(PACKAGE_DIR);
        let mut build = BuildStep::new(vec!["true".into()]);
        build.clears = Some(package.clone());
        std::fs::create_dir_all(&package).unwrap();
        std::fs::write(package.join("old-0.1-py3-none-any.whl"), "").unwrap();
        build.prepared().unwrap();
        assert_eq!(std::fs::read_dir(&package).unwrap().count(), 0, "emptied before the build");
        let mut install = BuildStep::new(vec!["uv".into()]);
        install.artifact = Some(ArtifactSlot { dir: package.clone(), extension: ".whl", extras: vec!["a".into()] });
        assert!(install.prepared().is_err(), "no wheel built");
        std::fs::write(package.join("my_pkg-0.1-py3-none-any.whl"), "").unwrap();
        let requirement = install.prepared().unwrap().argv[1].to_string_lossy().into_owned();
        assert_eq!(requirement, format!("my_pkg[a] @ file://{}/my_pkg-0.1-py3-none-any.whl", package.display()));
    }
}
