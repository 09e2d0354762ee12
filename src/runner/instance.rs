//! The values one instance's templates are rendered with — `{python}`, `{session}`, `{envdir}`,
//! `{reports}`, `{root}`, `{posargs}` — built once and shared by the executor and `forge -n`.

use std::path::PathBuf;

use crate::config::{Project, Template, TemplateContext};
use crate::plan::Instance;
use crate::settings::Settings;

/// One instance's substitution values.
#[derive(Debug, Clone)]
pub struct InstanceContext {
    /// The instance name (`{session}`).
    pub name: String,
    /// The interpreter request as written (`3.11`), or "" when the instance names none.
    pub python_request: String,
    /// `{python}`: the request, or once the env is known the interpreter's `MAJOR.MINOR`.
    pub python: String,
    /// The instance's virtualenv directory (also for `venv = false`, where `{envdir}` is "").
    pub env_path: PathBuf,
    /// `{envdir}`.
    pub envdir: String,
    /// `{reports}`: the absolute reports directory.
    pub reports: String,
    /// `{root}`: the project root.
    pub root: String,
    /// `{posargs}`: the arguments after `--`, `None` when no `--` was given or the plan does not
    /// route them to this instance (see `plan::posargs`).
    pub posargs: Option<Vec<String>>,
    /// `{matrix.NAME}`: the instance's matrix values.
    pub matrix: Vec<(String, String)>,
    /// Where the commands run: the session's `working-directory`, else the project root.
    pub working_directory: PathBuf,
    /// The leak token every command and uv step of this instance carries (see `leaks.rs`).
    pub token: String,
}

impl InstanceContext {
    /// The context of plan instance `index` (`instance`) of `project` under `settings`.
    pub fn new(project: &Project, settings: &Settings, index: usize, instance: &Instance) -> Self {
        let definition = &project.sessions[instance.session];
        let env_path = settings.layout.env_path(&instance.name);
        let python_request = instance.python.clone().unwrap_or_default();
        Self {
            name: instance.name.clone(),
            python: python_request.clone(),
            python_request,
            envdir: if definition.venv { env_path.to_string_lossy().into_owned() } else { String::new() },
            env_path,
            reports: settings.layout.reports_dir.to_string_lossy().into_owned(),
            root: project.root.to_string_lossy().into_owned(),
            posargs: settings.posargs.clone().filter(|_| instance.posargs),
            matrix: instance.matrix.clone(),
            working_directory: definition.working_directory.clone().unwrap_or_else(|| project.root.clone()),
            token: super::leaks::token(index),
        }
    }

    /// Sets `{python}` from the env's interpreter (`3.11.7` → `3.11`) when no request named it.
    pub fn learn_python(&mut self, version: &str) {
        if self.python.is_empty() {
            self.python = version.split('.').take(2).collect::<Vec<_>>().join(".");
        }
    }

    /// The template context of the session's commands, report paths and `env`.
    pub fn template(&self) -> TemplateContext<'_> {
        TemplateContext {
            posargs: self.posargs.as_deref(),
            python: &self.python,
            session: &self.name,
            envdir: &self.envdir,
            reports: &self.reports,
            root: &self.root,
            matrix: &self.matrix,
            redact_env: false,
        }
    }

    /// The context while the env is built: `{python}` is the request (the interpreter is not known
    /// yet) and there are no posargs (they are for the commands).
    pub fn build_template(&self) -> TemplateContext<'_> {
        TemplateContext { posargs: None, python: &self.python_request, envdir: &self.envdir, ..self.template() }
    }

    /// The session's `deps` with `{matrix.NAME}` substituted (the only placeholder in `deps`).
    pub fn deps(&self, definition: &crate::config::SessionDef) -> Vec<String> {
        definition.deps.iter().map(|dep| crate::config::substitute_matrix(dep, &self.matrix)).collect()
    }

    /// A declared report path rendered and made absolute against the project root.
    pub fn path(&self, template: &Template) -> PathBuf {
        PathBuf::from(&self.root).join(template.render(&self.template()))
    }
}
