//! The submission's working folder: a fresh private directory it owns, holding a copy of its files,
//! removed when grading ends.

use std::fs;
use std::io;
use std::os::unix::fs::{chown, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Copying a submission stops past these, so a huge folder cannot fill the disk.
const MAX_FILES: usize = 500;
const MAX_BYTES: u64 = 50 * 1024 * 1024;

pub struct WorkDir {
    path: PathBuf,
    owner: Option<(u32, u32)>,
    files: usize,
    bytes: u64,
}

impl WorkDir {
    /// Creates the folder (mode 0700), owned by `owner` when given (socklab runs as root then).
    pub fn create(owner: Option<(u32, u32)>) -> io::Result<WorkDir> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("socklab-grade-{}-{nanos:09}", std::process::id()));
        fs::create_dir(&path)?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = owner {
            chown(&path, Some(uid), Some(gid))?;
        }
        Ok(WorkDir {
            path,
            owner,
            files: 0,
            bytes: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies a folder's regular files and subfolders (symbolic links are skipped).
    pub fn copy_folder(&mut self, from: &Path) -> io::Result<()> {
        self.copy_tree(from, &self.path.clone())
    }

    /// Copies one file to `relative` inside the folder (a relative path without `..`).
    pub fn copy_file(&mut self, from: &Path, relative: &Path) -> io::Result<()> {
        if relative
            .components()
            .any(|part| !matches!(part, Component::Normal(_) | Component::CurDir))
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} leaves the working folder", relative.display()),
            ));
        }
        let target = self.path.join(relative);
        if let Some(parent) = target.parent() {
            self.make_dirs(parent)?;
        }
        self.copy_one(from, &target)
    }

    fn make_dirs(&self, dir: &Path) -> io::Result<()> {
        if dir.exists() {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            self.make_dirs(parent)?;
        }
        fs::create_dir(dir)?;
        self.own(dir)
    }

    fn copy_tree(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let target = to.join(entry.file_name());
            if kind.is_dir() {
                fs::create_dir(&target)?;
                self.own(&target)?;
                self.copy_tree(&entry.path(), &target)?;
            } else if kind.is_file() {
                self.copy_one(&entry.path(), &target)?;
            }
        }
        Ok(())
    }

    fn copy_one(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        let size = fs::metadata(from)?.len();
        self.files += 1;
        self.bytes = self.bytes.saturating_add(size);
        if self.files > MAX_FILES || self.bytes > MAX_BYTES {
            return Err(io::Error::other(format!(
                "the submission is too large to copy (more than {MAX_FILES} files or {} MiB)",
                MAX_BYTES / 1024 / 1024
            )));
        }
        fs::copy(from, to)?;
        self.own(to)
    }

    fn own(&self, path: &Path) -> io::Result<()> {
        match self.owner {
            Some((uid, gid)) => chown(path, Some(uid), Some(gid)),
            None => Ok(()),
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_files_refuses_escapes_and_cleans_up() {
        let source =
            std::env::temp_dir().join(format!("socklab-workdir-test-{}", std::process::id()));
        fs::create_dir_all(source.join("sub")).unwrap();
        fs::write(source.join("client.py"), "print(1)").unwrap();
        fs::write(source.join("sub/data.txt"), "x").unwrap();
        let mut workdir = WorkDir::create(None).unwrap();
        let path = workdir.path().to_path_buf();
        workdir.copy_folder(&source).unwrap();
        assert_eq!(
            fs::read_to_string(path.join("client.py")).unwrap(),
            "print(1)"
        );
        assert!(path.join("sub/data.txt").is_file());
        assert!(workdir
            .copy_file(&source.join("client.py"), Path::new("../x.py"))
            .is_err());
        workdir
            .copy_file(&source.join("client.py"), Path::new("deep/er/c.py"))
            .unwrap();
        assert!(path.join("deep/er/c.py").is_file());
        drop(workdir);
        assert!(!path.exists());
        fs::remove_dir_all(source).unwrap();
    }
}
