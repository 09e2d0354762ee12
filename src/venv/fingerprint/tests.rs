//! Unit tests of the env fingerprint.

mod basics {
    use super::super::*;
    use crate::input_file::InputFileError;

    #[test]
    fn include_lines_are_read_like_pip() {
        assert_eq!(included_file("-r base.txt  # shared pins"), Some("base.txt"));
        assert_eq!(included_file("-rbase.txt"), Some("base.txt"));
        assert_eq!(included_file("--requirement=base.txt"), Some("base.txt"));
        assert_eq!(included_file("--constraint constraints.txt"), Some("constraints.txt"));
        assert_eq!(included_file("requests==2.0  # -r not.txt"), None);
        assert_eq!(included_file("# -r commented.txt"), None);
        assert_eq!(included_file("-r"), None);
    }

    fn inputs(root: &Path) -> EnvInputs {
        EnvInputs {
            python_request: "3.11".into(),
            deps: vec!["pytest".into()],
            requirements: vec![root.join("requirements.txt")],
            install_project: InstallProjectSpec::Editable,
            extras: vec![],
            groups: vec![],
            locked: false,
            root: root.to_path_buf(),
        }
    }

    fn digest(inputs: &EnvInputs) -> String {
        fingerprint(inputs).unwrap().digest
    }

    #[test]
    fn every_input_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r nested.txt\nsix\n").unwrap();
        std::fs::write(root.join("nested.txt"), "toolz\n").unwrap();
        std::fs::write(root.join("pyproject.toml"), "[project]\nname='x'\n").unwrap();
        let base = digest(&inputs(root));
        assert_eq!(base, digest(&inputs(root)), "stable");

        let mut changed = inputs(root);
        changed.deps.push("ruff".into());
        assert_ne!(base, digest(&changed));
        let mut changed = inputs(root);
        changed.python_request = "3.12".into();
        assert_ne!(base, digest(&changed));
        let mut changed = inputs(root);
        changed.extras.push("test".into());
        assert_ne!(base, digest(&changed));
        let mut changed = inputs(root);
        changed.install_project = InstallProjectSpec::No;
        assert_ne!(base, digest(&changed));

        std::fs::write(root.join("nested.txt"), "toolz==1.0.0\n").unwrap();
        let after_nested = digest(&inputs(root));
        assert_ne!(base, after_nested, "nested -r include is covered");
        std::fs::write(root.join("pyproject.toml"), "[project]\nname='y'\n").unwrap();
        let after_pyproject = digest(&inputs(root));
        assert_ne!(after_nested, after_pyproject, "pyproject.toml is covered");
        std::fs::write(root.join("uv.lock"), "version = 1\n").unwrap();
        assert_ne!(after_pyproject, digest(&inputs(root)), "a lock file is covered");
    }

    #[test]
    fn the_parts_name_each_file_read_and_hold_no_dependency_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r nested.txt\n").unwrap();
        std::fs::write(root.join("nested.txt"), "toolz\n").unwrap();
        std::fs::write(root.join("pyproject.toml"), "").unwrap();
        let mut secret = inputs(root);
        secret.deps = vec!["pkg @ https://user:s3cr3t@example.com/pkg.whl".into()];
        let parts = fingerprint(&secret).unwrap().parts;
        assert_eq!((parts.format, parts.python.as_str(), parts.install_project), (FORMAT_VERSION, "3.11", true));
        let names: Vec<&str> = parts.requirements.iter().map(|file| file.name.as_str()).collect();
        assert_eq!(names, ["requirements.txt", "nested.txt"]);
        assert_eq!(parts.project_files.iter().map(|file| file.name.as_str()).collect::<Vec<_>>(), ["pyproject.toml"]);
        assert!(!serde_json::to_string(&parts).unwrap().contains("s3cr3t"));
    }

    #[test]
    fn an_include_loop_is_followed_only_so_deep() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r requirements.txt\n").unwrap();
        let parts = fingerprint(&inputs(root)).unwrap().parts;
        assert_eq!(parts.requirements.len(), MAX_INCLUDE_DEPTH + 1);
    }

    #[test]
    fn neither_deps_order_nor_the_checkout_path_changes_the_fingerprint() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        for root in [first.path(), second.path()] {
            std::fs::write(root.join("requirements.txt"), "six\n").unwrap();
            std::fs::write(root.join("pyproject.toml"), "[project]\nname='x'\n").unwrap();
        }
        let mut reordered = inputs(first.path());
        reordered.deps = vec!["ruff".into(), "pytest".into()];
        let mut ordered = inputs(first.path());
        ordered.deps = vec!["pytest".into(), "ruff".into()];
        assert_eq!(digest(&reordered), digest(&ordered));
        assert_eq!(digest(&inputs(first.path())), digest(&inputs(second.path())));
    }

    #[test]
    fn missing_requirements_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            fingerprint(&inputs(dir.path())),
            Err(VenvError::Requirements { source: InputFileError::NotFound, .. })
        ));
    }

    #[test]
    fn devices_and_fifos_are_errors_not_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut zero = inputs(root);
        zero.requirements = vec![PathBuf::from("/dev/zero")];
        assert!(matches!(
            fingerprint(&zero),
            Err(VenvError::Requirements { source: InputFileError::NotRegular { kind: "a device" }, .. })
        ));
        // A FIFO nested in an include, and a FIFO where pyproject.toml should be.
        let name = std::ffi::CString::new(root.join("fifo").as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `name` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        std::fs::write(root.join("requirements.txt"), "-r fifo\n").unwrap();
        assert!(matches!(
            fingerprint(&inputs(root)),
            Err(VenvError::Requirements { source: InputFileError::NotRegular { kind: "a FIFO" }, .. })
        ));
        std::fs::write(root.join("requirements.txt"), "six\n").unwrap();
        std::fs::rename(root.join("fifo"), root.join("pyproject.toml")).unwrap();
        assert!(matches!(fingerprint(&inputs(root)), Err(VenvError::ProjectFile { .. })));
    }
}

/// Tests added after cargo-mutants found these behaviours untested: include loops, and what
/// `install-project` brings into the fingerprint.
mod mutation_tests {
    use super::super::*;

    #[test]
    fn a_requirements_file_that_includes_itself_still_fingerprints() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "-r requirements.txt\nsix\n").unwrap();
        let inputs = EnvInputs {
            python_request: String::new(),
            deps: vec![],
            requirements: vec![root.join("requirements.txt")],
            install_project: InstallProjectSpec::No,
            extras: vec![],
            groups: vec![],
            locked: false,
            root: root.to_path_buf(),
        };
        let looped = fingerprint(&inputs).unwrap().digest;
        std::fs::write(root.join("requirements.txt"), "-r requirements.txt\nsix==1.17.0\n").unwrap();
        assert_ne!(looped, fingerprint(&inputs).unwrap().digest);
    }

    fn project(root: &Path, install_project: bool) -> EnvInputs {
        EnvInputs {
            python_request: "3.12".into(),
            deps: vec!["pytest".into()],
            requirements: vec![],
            install_project: if install_project { InstallProjectSpec::Editable } else { InstallProjectSpec::No },
            extras: vec![],
            groups: vec![],
            locked: false,
            root: root.to_path_buf(),
        }
    }

    #[test]
    fn install_project_on_or_off_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
        assert_ne!(
            fingerprint(&project(dir.path(), true)).unwrap().digest,
            fingerprint(&project(dir.path(), false)).unwrap().digest
        );
    }

    #[test]
    fn every_build_and_lock_file_counts_when_the_project_is_installed() {
        let dir = tempfile::tempdir().unwrap();
        let mut previous = fingerprint(&project(dir.path(), true)).unwrap().digest;
        for name in PROJECT_FILES {
            std::fs::write(dir.path().join(name), "version 1").unwrap();
            let now = fingerprint(&project(dir.path(), true)).unwrap().digest;
            assert_ne!(previous, now, "{name} appeared");
            std::fs::write(dir.path().join(name), "version 2").unwrap();
            let changed = fingerprint(&project(dir.path(), true)).unwrap().digest;
            assert_ne!(now, changed, "{name} changed");
            previous = changed;
        }
    }

    #[test]
    fn without_install_project_neither_project_files_nor_extras_count() {
        // An env that does not install the project is not rebuilt when its pyproject.toml or
        // uv.lock changes.
        let dir = tempfile::tempdir().unwrap();
        let before = fingerprint(&project(dir.path(), false)).unwrap().digest;
        std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
        std::fs::write(dir.path().join("uv.lock"), "version = 1\n").unwrap();
        let mut with_extras = project(dir.path(), false);
        with_extras.extras.push("test".into());
        assert_eq!(before, fingerprint(&project(dir.path(), false)).unwrap().digest);
        assert_eq!(before, fingerprint(&with_extras).unwrap().digest);
    }
}

/// Dependency groups, `locked` and the install mode in the fingerprint.
mod groups_and_locks {
    use super::super::*;

    const PYPROJECT: &str = "[project]\nname = 'x'\n[dependency-groups]\ntest = ['pytest']\ndev = [{ include-group = 'test' }, 'ruff']\ndocs = ['mkdocs']\n";

    fn grouped(root: &Path, groups: &[&str]) -> EnvInputs {
        EnvInputs {
            python_request: String::new(),
            deps: vec![],
            requirements: vec![],
            install_project: InstallProjectSpec::No,
            extras: vec![],
            groups: groups.iter().map(|group| (*group).to_owned()).collect(),
            locked: false,
            root: root.to_path_buf(),
        }
    }

    fn digest(inputs: &EnvInputs) -> String {
        fingerprint(inputs).unwrap().digest
    }

    #[test]
    fn a_groups_resolved_definition_counts_and_another_groups_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("pyproject.toml"), PYPROJECT).unwrap();
        let dev = digest(&grouped(root, &["dev"]));
        assert_ne!(dev, digest(&grouped(root, &[])));
        assert_eq!(dev, digest(&grouped(root, &["Dev"])), "names are normalized");
        // Another group changes: nothing to rebuild.
        std::fs::write(root.join("pyproject.toml"), PYPROJECT.replace("mkdocs", "sphinx")).unwrap();
        assert_eq!(dev, digest(&grouped(root, &["dev"])));
        // An included group changes: dev's resolved definition changed.
        std::fs::write(root.join("pyproject.toml"), PYPROJECT.replace("'pytest'", "'pytest>=8'")).unwrap();
        let parts = fingerprint(&grouped(root, &["dev"])).unwrap().parts;
        assert_ne!(dev, digest(&grouped(root, &["dev"])));
        assert_eq!(parts.groups.iter().map(|group| group.name.as_str()).collect::<Vec<_>>(), ["dev"]);
        assert!(parts.project_files.is_empty(), "pyproject.toml itself is not hashed for groups alone");
        assert!(matches!(fingerprint(&grouped(root, &["nope"])), Err(VenvError::Groups(_))));
    }

    #[test]
    fn locked_covers_the_lock_and_pyproject_and_the_mode_counts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("pyproject.toml"), PYPROJECT).unwrap();
        std::fs::write(root.join("uv.lock"), "version = 1\n").unwrap();
        let mut locked = grouped(root, &[]);
        locked.locked = true;
        let before = digest(&locked);
        assert_ne!(before, digest(&grouped(root, &[])));
        std::fs::write(root.join("uv.lock"), "version = 1\n# changed\n").unwrap();
        assert_ne!(before, digest(&locked), "the lock's content is covered");
        let mut modes: Vec<String> =
            [InstallProjectSpec::Editable, InstallProjectSpec::Wheel, InstallProjectSpec::Sdist]
                .into_iter()
                .map(|mode| digest(&EnvInputs { install_project: mode, ..grouped(root, &[]) }))
                .collect();
        modes.dedup();
        assert_eq!(modes.len(), 3, "each install mode has its own fingerprint");
        // The same installed project, resolved afresh or synced from the lock: two envs.
        let editable = EnvInputs { install_project: InstallProjectSpec::Editable, ..grouped(root, &[]) };
        assert_ne!(digest(&editable), digest(&EnvInputs { locked: true, ..editable.clone() }));
    }

    #[test]
    fn an_env_without_the_new_keys_keeps_its_old_fingerprint() {
        // The keys added with groups and locks are absent from the JSON when unused, so envs
        // built before them are not rebuilt.
        let parts = InputParts { format: FORMAT_VERSION, ..InputParts::default() };
        let json = serde_json::to_string(&parts).unwrap();
        assert!(!json.contains("groups") && !json.contains("locked") && !json.contains("install-mode"), "{json}");
    }
}
