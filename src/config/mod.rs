//! Loading `sessions.toml`: finding the file, parsing it strictly, and validating it into a [`Project`].

mod duration;
mod error;
mod explain;
mod globs;
mod groups;
mod inherit;
mod load;
mod locate;
mod matrix;
mod model;
mod names;
mod paths;
mod project;
mod python_version;
mod schema;
mod session;
mod template;
mod validate;

#[cfg(test)]
mod fuzz_tests;

pub use duration::DurationSpec;
pub use error::{ConfigError, escape, excerpt};
pub use globs::compile as compile_glob;
pub use groups::{DependencyGroups, GroupError, normalize_group_name};
pub use load::{find_sessions_file, load, load_with_profile, parse};
pub use matrix::substitute as substitute_matrix;
pub use model::{CommandSpec, ForgeTable, InstallProjectSpec, ProfileTable, PythonSpec, SessionsFile};
pub use names::{is_valid_name, suggest};
pub use paths::{check_project_inputs, check_requirement_files, check_working_directory, is_inside};
pub use project::{
    Command, CoverageGate, InstanceSpec, Project, RunDefaults, SessionDef, SessionLines, cache_dir, default_env_dir,
    project_env_dir, shell_join,
};
pub use schema::json_schema;
pub use template::{PosargsDefault, Rendered, Template, TemplateContext, TemplateError, TemplatePart};
