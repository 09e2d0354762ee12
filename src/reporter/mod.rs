//! Everything forge shows a person: the session list, the dry-run plan, live progress, output
//! blocks, the summary and error diagnostics. Library code never prints; it goes through here.

mod ci;
mod clean;
mod diagnostic;
mod display;
mod dry_run;
mod list;
mod run;
mod style;
mod summary;
mod watch;

pub use clean::{print_cache_clean, print_clean};
pub use diagnostic::{print_error, print_note, print_warning};
pub use display::Display;
pub use dry_run::print_plan;
pub use list::{print_list, print_list_json, print_list_names};
pub use run::Reporter;
pub use summary::{print_junit_counts, print_reports};
pub use watch::{print_watch_change, print_watch_stopped, print_watching};
