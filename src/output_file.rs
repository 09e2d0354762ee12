//! Replacing forge's own files (reports, logs, cache records) with a complete new version.
//!
//! Each is written to a temporary file beside it, then renamed into place, so a reader never sees
//! part of one. On ext4 (with its default `auto_da_alloc`), a rename *over an existing file* first
//! forces the new file's data to disk: ~0.1 ms on an idle machine, several ms under write load,
//! for each of the half-dozen files a run rewrites. These files are rewritten on every run and need
//! no crash durability, so the old file is removed first and the rename then replaces nothing: a
//! reader sees the old file, no file for an instant, or the new one.

use std::path::Path;

/// Removes a regular file or symlink at `target` (never a directory: the rename that follows
/// then fails and says so). Missing is fine; other errors are left to the rename.
pub fn clear_for(target: &Path) {
    if std::fs::symlink_metadata(target).is_ok_and(|metadata| !metadata.is_dir()) {
        let _ = std::fs::remove_file(target);
    }
}

/// Renames `temporary` (a complete file in `target`'s directory) to `target`, as [`clear_for`]
/// says.
///
/// # Errors
/// The rename's error.
pub fn replace(temporary: &Path, target: &Path) -> std::io::Result<()> {
    clear_for(target);
    std::fs::rename(temporary, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_a_symlink_is_replaced_not_followed_and_a_directory_is_kept() {
        let directory = tempfile::tempdir().unwrap();
        let (target, new) = (directory.path().join("report.xml"), directory.path().join(".new"));
        std::fs::write(&target, "old").unwrap();
        std::fs::write(&new, "new").unwrap();
        replace(&new, &target).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert!(!new.exists());

        let elsewhere = directory.path().join("elsewhere.txt");
        std::fs::write(&elsewhere, "not forge's").unwrap();
        std::fs::remove_file(&target).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &target).unwrap();
        std::fs::write(&new, "new").unwrap();
        replace(&new, &target).unwrap();
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "not forge's");
        assert!(!std::fs::symlink_metadata(&target).unwrap().is_symlink());

        let taken = directory.path().join("dir");
        std::fs::create_dir(&taken).unwrap();
        std::fs::write(taken.join("inside"), "kept").unwrap();
        std::fs::write(&new, "new").unwrap();
        assert!(replace(&new, &taken).is_err());
        assert_eq!(std::fs::read_to_string(taken.join("inside")).unwrap(), "kept");
    }
}
