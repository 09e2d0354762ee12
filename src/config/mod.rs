//! Loading `sessions.toml`: finding the file, parsing it strictly, and validating it into a [`Project`].

mod duration;
mod error;
mod load;
mod model;
mod project;
mod template;
mod validate;

pub use duration::DurationSpec;
pub use error::ConfigError;
pub use load::{find_sessions_file, load};
pub use model::{CommandSpec, PythonSpec, SessionsFile};
pub use project::{Command, CoverageGate, Project, SessionDef};
pub use template::{Template, TemplateContext, TemplatePart};
pub use validate::{is_valid_name, suggest};
