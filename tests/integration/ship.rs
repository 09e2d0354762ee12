//! How forge reaches its users, each checked with the real tool: the maturin wheel run by `uvx`,
//! the pre-commit hook run by the real pre-commit and prek, `forge init` on real projects' sdists,
//! and forge's own workflows, action and docs site (actionlint, PyYAML, `mkdocs build --strict`).

mod hooks;
mod init;
mod tools;
mod wheel;
mod workflows;
