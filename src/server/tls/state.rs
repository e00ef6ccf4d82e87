//! The `--tls-state` folder, checked as ssh checks `~/.ssh`: clients trust the CA kept there,
//! so a folder others can write into, a file another user owns, or a symlink where a CA file
//! belongs is refused rather than used. The key is written to a file created new, never
//! through a symlink, readable by its owner only.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::TlsError;

fn unsafe_state(path: &Path, reason: impl Into<String>) -> TlsError {
    TlsError::UnsafeState {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Creates `dir` (mode 0700) when missing; otherwise checks that it is a folder of the
/// user's that nobody else can write into.
pub(super) fn prepare_dir(dir: &Path) -> Result<(), TlsError> {
    match fs::metadata(dir) {
        Ok(metadata) if !metadata.is_dir() => Err(unsafe_state(dir, "is not a folder")),
        Ok(metadata) => check_owner_and_mode(dir, &metadata, current_user()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => create_dir(dir),
        Err(source) => Err(TlsError::Read {
            path: dir.to_owned(),
            source,
        }),
    }
}

/// Whether the state file `path` is there; one that is a symlink or not the user's is an
/// error.
pub(super) fn entry(path: &Path) -> Result<bool, TlsError> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Err(unsafe_state(
            path,
            "is a symlink; a state file is never read or written through one",
        )),
        Ok(metadata) => check_owner(path, &metadata, current_user()).map(|()| true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(TlsError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes `contents` to `path` through `path.tmp-PID`, created new with `mode` and without
/// following a symlink (a planted one makes the open fail instead of redirecting the write),
/// then renamed into place, so a crash leaves no half-written file.
pub(super) fn write_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), TlsError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| TlsError::Write { path, source }
    };
    // A leftover of a crashed start with the same pid; removing a symlink removes the link.
    match fs::remove_file(&tmp) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            return Err(write_error(&tmp)(error))
        }
        _ => {}
    }
    let written = create_new(&tmp, mode)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()))
        .map_err(write_error(&tmp));
    if let Err(err) = written {
        // Best effort: the error about the write is the one worth reporting.
        let _ = fs::remove_file(&tmp);
        return Err(err);
    }
    // `rename` replaces a symlink that appeared at `path` meanwhile; it never writes through it.
    fs::rename(&tmp, path).map_err(write_error(path))
}

#[cfg(unix)]
fn create_new(path: &Path, mode: u32) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(mode)
        .open(path)
}

#[cfg(not(unix))]
fn create_new(path: &Path, _mode: u32) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_dir(dir: &Path) -> Result<(), TlsError> {
    use std::os::unix::fs::DirBuilderExt;
    // 0700 whatever the umask: a group-writable folder made here would be refused next start.
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| TlsError::Write {
            path: dir.to_owned(),
            source,
        })
}

#[cfg(not(unix))]
fn create_dir(dir: &Path) -> Result<(), TlsError> {
    fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        path: dir.to_owned(),
        source,
    })
}

/// The effective user id; `None` where files have no owner id.
#[cfg(unix)]
pub(super) fn current_user() -> Option<u32> {
    // SAFETY: geteuid has no preconditions, touches no memory of ours and cannot fail.
    Some(unsafe { libc::geteuid() })
}

#[cfg(not(unix))]
pub(super) fn current_user() -> Option<u32> {
    None
}

#[cfg(unix)]
pub(super) fn check_owner(
    path: &Path,
    metadata: &fs::Metadata,
    user: Option<u32>,
) -> Result<(), TlsError> {
    use std::os::unix::fs::MetadataExt;
    match user {
        Some(user) if metadata.uid() != user => Err(unsafe_state(
            path,
            format!(
                "is owned by user id {}, not by the user running the server ({user})",
                metadata.uid()
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
pub(super) fn check_owner(
    _path: &Path,
    _metadata: &fs::Metadata,
    _user: Option<u32>,
) -> Result<(), TlsError> {
    Ok(())
}

pub(super) fn check_owner_and_mode(
    dir: &Path,
    metadata: &fs::Metadata,
    user: Option<u32>,
) -> Result<(), TlsError> {
    check_owner(dir, metadata, user)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode();
        if mode & 0o022 != 0 {
            return Err(unsafe_state(
                dir,
                format!(
                    "is writable by its group or by everyone (mode {:o})",
                    mode & 0o7777
                ),
            ));
        }
    }
    Ok(())
}
