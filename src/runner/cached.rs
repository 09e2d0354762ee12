//! A cached session's key, lookup, restore and store, seen from the runner: the one mapping from
//! a `SessionDef` and its `InstanceContext` to a [`CacheKey`] (shared with `forge -n`), the hit
//! that restores outputs, report files and the log, and the record written after a storable
//! success. Synchronous file work: the executor runs it on the blocking pool.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cache::{
    Blob, BlobSource, CACHE_FORMAT_VERSION, CacheKey, Lookup, ProgramIdentity, Record, RemoteCache, Store, StoredFile,
    digest_of_list, hex,
};
use crate::config::{SessionDef, TemplateContext};
use crate::settings::Settings;

use super::instance::InstanceContext;
use super::outcome::{CacheSource, SessionOutcome};

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

/// The interpreter's part of a cache key: its full version and the machine's OS and
/// architecture (`3.12.7 linux-x86_64`), never its path, so two machines with the same Python
/// share keys wherever it is installed.
pub fn interpreter_identity(version: &str) -> String {
    format!("{version} {}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The identity of the interpreter instance `values`' env is (or would be) made from, as
/// [`interpreter_identity`]; `None` without a venv, or when no interpreter is found (the session
/// then fails, and a failure is never stored).
pub async fn find_interpreter(
    finder: Option<&crate::venv::InterpreterFinder>,
    definition: &SessionDef,
    values: &InstanceContext,
) -> Option<String> {
    if !definition.needs_venv() {
        return None;
    }
    let request = Some(values.python_request.as_str()).filter(|request| !request.is_empty());
    let interpreter = finder?.find(request).await.ok()?;
    Some(interpreter_identity(&interpreter.version))
}

/// Computes the key of a cached instance; `requirements` are its required instances with their
/// keys (`None` for an uncached one), `interpreter` its [`find_interpreter`].
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
    interpreter: Option<String>,
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
        interpreter,
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
    let home = etcetera::home_dir().ok();
    let path = real.map(|path| {
        if let Ok(relative) = path.strip_prefix(root) {
            return format!("{{root}}/{}", relative.display());
        }
        // Not the user's home directory: `~/.local/bin/ruff` reads the same for everyone.
        match home.as_deref().and_then(|home| path.strip_prefix(home).ok()) {
            Some(relative) => format!("~/{}", relative.display()),
            None => path.display().to_string(),
        }
    });
    ProgramIdentity { name: shown.to_owned(), path, size: metadata.map_or(0, |metadata| metadata.len()), mtime_ns }
}

/// What a hit restored: the log's bytes and the record.
pub struct Restored {
    /// The original run's log.
    pub log: Vec<u8>,
    /// The record.
    pub record: Record,
    /// Where the result came from.
    pub source: CacheSource,
}

/// Looks `instance` up, locally then in `remote` (which brings a hit into the local store), and
/// on a hit restores its outputs under `root` and its report files to `reports` (the rendered
/// `junit` then `coverage` paths), byte for byte.
///
/// # Errors
/// The miss's reason: the local store's, with the remote cache's after it.
pub fn restore(
    store: &Store,
    remote: Option<&RemoteCache>,
    instance: &str,
    keyed: &Keyed,
    root: &Path,
    reports: &[Option<PathBuf>],
) -> Result<Restored, String> {
    let local = match restore_local(store, instance, keyed, root, reports) {
        Ok(restored) => return Ok(restored),
        Err(reason) => reason,
    };
    let Some(remote) = remote else { return Err(local) };
    if let Err(reason) = remote.fetch(store, instance, &keyed.key, &keyed.digest) {
        return Err(format!("{local}; {reason}"));
    }
    restore_local(store, instance, keyed, root, reports)
        .map(|restored| Restored { source: CacheSource::Remote, ..restored })
}

fn restore_local(
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
                write_report(store, blob, path, root)?;
            }
        }
        log = std::fs::read(store.blob_path(&record.log.sha256))?;
        Ok(())
    });
    match lookup {
        Lookup::Hit(record) => Ok(Restored { log, record: *record, source: CacheSource::Local }),
        Lookup::Miss(reason) => Err(reason),
    }
}

/// Writes a stored report to `target`, with this checkout's root where a portable coverage
/// report has [`crate::cache::relocate::ROOT_TOKEN`].
fn write_report(store: &Store, blob: &Blob, target: &Path, root: &Path) -> std::io::Result<()> {
    let bytes = std::fs::read(store.blob_path(&blob.sha256))?;
    let local = crate::cache::relocate::to_local(&bytes, &root.display().to_string());
    write_through_temporary(target, &mut local.as_deref().unwrap_or(&bytes), false)
}

/// Copies a blob to `target`.
fn write_blob(store: &Store, blob: &Blob, target: &Path, executable: bool) -> std::io::Result<()> {
    write_through_temporary(target, &mut std::fs::File::open(store.blob_path(&blob.sha256))?, executable)
}

/// Writes `content` to `target` through a temporary file beside it, so a reader never sees half.
fn write_through_temporary(target: &Path, content: &mut impl std::io::Read, executable: bool) -> std::io::Result<()> {
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let mut temporary = tempfile::NamedTempFile::new_in(parent)?;
    std::io::copy(content, &mut temporary)?;
    if executable {
        use std::os::unix::fs::PermissionsExt as _;
        temporary.as_file().set_permissions(std::fs::Permissions::from_mode(0o755))?;
    }
    temporary.persist(target).map_err(|error| error.error)?;
    Ok(())
}

/// The project root as forge names it and as the filesystem resolves it (a tool may write
/// either into a report).
fn root_forms(root: &Path) -> Vec<String> {
    let mut forms = vec![root.display().to_string()];
    if let Ok(real) = std::fs::canonicalize(root)
        && real != root
    {
        forms.push(real.display().to_string());
    }
    forms
}

/// A coverage report made portable ([`crate::cache::relocate`]), with its blob, in a temporary
/// file of the store; `None` when it names no root (it is stored as it is).
fn portable_copy(store: &Store, report: &Path, roots: &[&str]) -> Option<(Blob, tempfile::NamedTempFile)> {
    let bytes = crate::input_file::read_regular(report, REPORT_LIMIT).ok()?;
    let portable = crate::cache::relocate::to_portable(&bytes, roots)?;
    let mut file = tempfile::NamedTempFile::new_in(store.temporary_dir().ok()?).ok()?;
    std::io::Write::write_all(&mut file, &portable).ok()?;
    Some((Blob { sha256: hex(&portable), size: portable.len() as u64 }, file))
}

/// The largest coverage report made portable, in bytes (a bigger one is stored as it is).
const REPORT_LIMIT: u64 = 256 * 1024 * 1024;

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
/// globs match now, and its declared report files; then queues it for upload to `remote`.
/// Returns whether the local store was written.
pub fn save(
    store: &Store,
    remote: Option<&RemoteCache>,
    keyed: &Keyed,
    definition: &SessionDef,
    outcome: &SessionOutcome,
    root: &Path,
) -> bool {
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
    // Portable copies of coverage reports: made in the store's temporary directory, moved in.
    let (mut moved, mut files) = (Vec::new(), Vec::new());
    let roots = root_forms(root);
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    for (index, path) in outcome.junit.iter().chain(&outcome.coverage).enumerate() {
        if index >= outcome.junit.len()
            && let Some((blob, file)) = portable_copy(store, path, &roots)
        {
            moved.push(blob.clone());
            files.push(file);
            reports.push(Some(blob));
            continue;
        }
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
    let sources = (sources.iter().map(|(blob, path)| (blob, BlobSource::Copy(path))))
        .chain(moved.iter().zip(files.into_iter().map(BlobSource::Move)))
        .collect();
    let saved = store.save(&record, sources);
    if saved && let Some(remote) = remote {
        remote.upload(store, &record);
    }
    saved
}
