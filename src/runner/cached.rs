//! A cached session's key, lookup, restore and store, seen from the runner: the one mapping from
//! a `SessionDef` and its `InstanceContext` to a [`CacheKey`] (shared with `forge -n`), the hit
//! that restores outputs, report files and the log, and the record written after a storable
//! success. Synchronous file work: the executor runs it on the blocking pool.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cache::{
    Blob, CACHE_FORMAT_VERSION, CacheKey, Lookup, ProgramIdentity, Record, Store, StoredFile, digest_of_list, hex,
};
use crate::config::{SessionDef, TemplateContext};
use crate::settings::Settings;

use super::instance::InstanceContext;
use super::outcome::SessionOutcome;

/// A cached instance's key, ready for a lookup.
#[derive(Debug, Clone)]
pub struct Keyed {
    /// The key.
    pub key: CacheKey,
    /// Its digest.
    pub digest: String,
    /// `inputs` globs that matched no file (not part of the key).
    pub missing: Vec<String>,
}

/// The store of a run.
pub fn store(settings: &Settings) -> Store {
    Store { dir: settings.layout.cache_dir.clone(), size_limit: settings.cache_size }
}

/// Computes the key of a cached instance; `requirements` are its required instances with their
/// keys (`None` for an uncached one).
///
/// # Errors
/// Why no key could be computed (an unreadable input or requirements file): the session runs
/// and nothing is stored.
pub fn compute_key(
    settings: &Settings,
    root: &Path,
    definition: &SessionDef,
    values: &InstanceContext,
    requirements: Vec<(String, Option<String>)>,
) -> Result<Keyed, String> {
    let globs = definition.inputs.as_deref().unwrap_or_default();
    let layout = &settings.layout;
    let skip = [layout.env_dir.clone(), layout.reports_dir.clone(), layout.cache_dir.clone()];
    let inputs = crate::cache::collect_inputs(root, globs, &skip).map_err(|error| error.to_string())?;
    // Paths of this checkout stay placeholders: the key is the same in another clone.
    let portable = TemplateContext { envdir: "{envdir}", reports: "{reports}", root: "{root}", ..values.template() };
    let commands = definition.commands.iter().map(|command| digest_of_list(&command.argv(&portable))).collect();
    let env_fingerprint = if definition.needs_venv() {
        let inputs = super::env::env_inputs(definition, values, root);
        Some(crate::venv::fingerprint(&inputs).map_err(|error| error.to_string())?.digest)
    } else {
        None
    };
    let programs = if definition.venv {
        Vec::new()
    } else {
        definition
            .commands
            .iter()
            .filter_map(|command| command.program(&values.template()))
            .map(|program| identify(&program.value, &program.shown, root))
            .collect()
    };
    let env = definition
        .env
        .iter()
        .map(|(name, template)| (name.clone(), hex(template.render(&portable).as_bytes())))
        .collect();
    let reports =
        definition.junit.iter().chain(&definition.coverage).map(|template| template.render(&portable)).collect();
    let key = CacheKey {
        format: CACHE_FORMAT_VERSION,
        posargs: values.posargs.as_deref().map(digest_of_list),
        commands,
        working_directory: definition
            .working_directory
            .as_ref()
            .map(|directory| directory.strip_prefix(root).unwrap_or(directory).display().to_string()),
        env_fingerprint,
        programs,
        env,
        inputs: inputs.files,
        requirements,
        outputs: definition.outputs.clone(),
        reports,
    };
    Ok(Keyed { digest: key.digest(), key, missing: inputs.missing })
}

/// A `venv = false` program as PATH resolves it (as the executor will), with its identity.
fn identify(program: &str, shown: &str, root: &Path) -> ProgramIdentity {
    let resolved = which::which_in(program, std::env::var_os("PATH"), root).ok();
    let real = resolved.as_deref().and_then(|path| std::fs::canonicalize(path).ok());
    let metadata = real.as_deref().and_then(|path| std::fs::metadata(path).ok());
    let mtime_ns = metadata
        .as_ref()
        .and_then(|metadata| metadata.modified().ok())
        .and_then(|modified| modified.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |since| i128::try_from(since.as_nanos()).unwrap_or(i128::MAX));
    let path = real.map(|path| match path.strip_prefix(root) {
        Ok(relative) => format!("{{root}}/{}", relative.display()),
        Err(_) => path.display().to_string(),
    });
    ProgramIdentity { name: shown.to_owned(), path, size: metadata.map_or(0, |metadata| metadata.len()), mtime_ns }
}

/// What a hit restored: the log's bytes and the record.
pub struct Restored {
    /// The original run's log.
    pub log: Vec<u8>,
    /// The record.
    pub record: Record,
}

/// Looks `instance` up and, on a hit, restores its outputs under `root` and its report files to
/// `reports` (the rendered `junit` then `coverage` paths), byte for byte.
///
/// # Errors
/// The miss's reason.
pub fn restore(
    store: &Store,
    instance: &str,
    keyed: &Keyed,
    root: &Path,
    reports: &[Option<PathBuf>],
) -> Result<Restored, String> {
    let mut log = Vec::new();
    let lookup = store.lookup(instance, &keyed.key, |store, record| -> std::io::Result<()> {
        for file in &record.outputs {
            write_blob(store, &file.blob, &root.join(&file.path), file.executable)?;
        }
        for (blob, path) in record.reports.iter().zip(reports) {
            if let (Some(blob), Some(path)) = (blob, path) {
                write_blob(store, blob, path, false)?;
            }
        }
        log = std::fs::read(store.blob_path(&record.log.sha256))?;
        Ok(())
    });
    match lookup {
        Lookup::Hit(record) => Ok(Restored { log, record: *record }),
        Lookup::Miss(reason) => Err(reason),
    }
}

/// Copies a blob to `target` through a temporary file beside it, so a reader never sees half.
fn write_blob(store: &Store, blob: &Blob, target: &Path, executable: bool) -> std::io::Result<()> {
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let mut temporary = tempfile::NamedTempFile::new_in(parent)?;
    std::io::copy(&mut std::fs::File::open(store.blob_path(&blob.sha256))?, &mut temporary)?;
    if executable {
        use std::os::unix::fs::PermissionsExt as _;
        temporary.as_file().set_permissions(std::fs::Permissions::from_mode(0o755))?;
    }
    temporary.persist(target).map_err(|error| error.error)?;
    Ok(())
}

/// Whether `outcome` may be stored: a plain success (one attempt, nothing leaked, log complete).
/// Failures, errors, interruptions and flaky-then-passed results never are.
pub fn storable(outcome: &SessionOutcome) -> bool {
    outcome.status == super::SessionStatus::Success
        && outcome.attempts.len() == 1
        && outcome.leaked.is_empty()
        && outcome.warning.is_none()
        && outcome.log.is_some()
}

/// Stores `outcome` (a [`storable`] success) under `keyed`: its log, the files its `outputs`
/// globs match now, and its declared report files. Returns whether the store was written.
pub fn save(store: &Store, keyed: &Keyed, definition: &SessionDef, outcome: &SessionOutcome, root: &Path) -> bool {
    let Some(log_path) = &outcome.log else { return false };
    let blob_of = |path: &Path| -> Option<Blob> {
        let metadata = std::fs::symlink_metadata(path).ok().filter(std::fs::Metadata::is_file)?;
        Some(Blob { sha256: crate::cache::hash_file(path).ok()?, size: metadata.len() })
    };
    let Some(log) = blob_of(log_path) else { return false };
    let mut sources: Vec<(Blob, PathBuf)> = vec![(log.clone(), log_path.clone())];
    let mut outputs = Vec::new();
    for (relative, path) in crate::cache::collect_outputs(root, &definition.outputs) {
        let Some(blob) = blob_of(&path) else { continue };
        use std::os::unix::fs::PermissionsExt as _;
        let executable = std::fs::metadata(&path).is_ok_and(|metadata| metadata.permissions().mode() & 0o111 != 0);
        sources.push((blob.clone(), path));
        outputs.push(StoredFile { path: relative, blob, executable });
    }
    let mut reports = Vec::new();
    for path in outcome.junit.iter().chain(&outcome.coverage) {
        let blob = blob_of(path);
        if let Some(blob) = &blob {
            sources.push((blob.clone(), path.clone()));
        }
        reports.push(blob);
    }
    let created = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |since| since.as_secs());
    let record = Record {
        format: CACHE_FORMAT_VERSION,
        instance: outcome.name.clone(),
        digest: keyed.digest.clone(),
        key: keyed.key.clone(),
        created,
        duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
        python: outcome.python.clone(),
        log,
        outputs,
        reports,
    };
    let sources: Vec<(&Blob, &Path)> = sources.iter().map(|(blob, path)| (blob, path.as_path())).collect();
    store.save(&record, &sources)
}

/// What `forge -n` says per instance about the cache: `None` for an instance without `inputs`,
/// else the lines to show (`cached`, or why it will run, and each glob that matched nothing).
/// Keys are computed in plan order, so each sees its requirements' keys; nothing is restored.
pub fn dry_run_verdicts(
    project: &crate::config::Project,
    plan: &crate::plan::Plan,
    settings: &Settings,
) -> Vec<Option<Vec<String>>> {
    let store = store(settings);
    let mut keys: Vec<Option<String>> = vec![None; plan.instances.len()];
    let mut verdicts = Vec::with_capacity(plan.instances.len());
    for (index, instance) in plan.instances.iter().enumerate() {
        let definition = &project.sessions[instance.session];
        if !definition.is_cached() {
            verdicts.push(None);
            continue;
        }
        let values = InstanceContext::new(project, settings, index, instance);
        let requirements = instance
            .requires
            .iter()
            .map(|&required| (plan.instances[required].name.clone(), keys[required].clone()))
            .collect();
        let mut lines = Vec::new();
        match compute_key(settings, &project.root, definition, &values, requirements) {
            Ok(keyed) => {
                keys[index] = Some(keyed.digest.clone());
                lines.push(match (settings.force, store.peek(&instance.name, &keyed.key)) {
                    (true, _) => "runs: --force".to_owned(),
                    (false, Lookup::Hit(_)) => "cached".to_owned(),
                    (false, Lookup::Miss(reason)) => format!("runs: {reason}"),
                });
                lines.extend(
                    keyed.missing.iter().map(|glob| format!("input `{glob}` matches no file (not part of the key)")),
                );
            }
            Err(error) => lines.push(format!("runs: no cache key: {error}")),
        }
        verdicts.push(Some(lines));
    }
    verdicts
}
