//! Reading a file a user points the double at (a fixture, a PEM certificate or key) without
//! letting the file decide the cost: only regular files are opened, and at most
//! [`MAX_FILE_BYTES`] are read. A FIFO would block the reader for ever, a device such as
//! `/dev/zero` would grow memory without end; both are refused before any `open`, also when
//! a symlink leads to them.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// The largest file the double reads: far above any fixture or PEM file, far below what would
/// hurt a CI machine.
pub(crate) const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FileError {
    /// The file system refused (missing, no permission…).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// Not a regular file (what it is instead: `a FIFO`, `a socket`, `a device`, `a folder`).
    #[error("is {0}, not a regular file; it is never opened")]
    Special(&'static str),
    /// Larger than [`MAX_FILE_BYTES`].
    #[error("is larger than 16 MiB; it is never read")]
    TooLarge,
}

/// What `metadata` describes, when it is not a regular file.
pub(crate) fn special_kind(metadata: &fs::Metadata) -> Option<&'static str> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// The bytes of `path` (symlinks followed), when it is a regular file of at most
/// [`MAX_FILE_BYTES`].
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, FileError> {
    let metadata = fs::metadata(path)?;
    if let Some(kind) = special_kind(&metadata) {
        return Err(FileError::Special(kind));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    // The file may have been swapped or grown since `metadata`: the read stops one byte past
    // the cap whatever it finds now.
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::TooLarge);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_and_a_device_or_folder_is_refused_unopened() {
        let dir = std::env::temp_dir().join(format!("exum-file-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("small.txt");
        fs::write(&file, b"hello").unwrap();
        assert_eq!(read_bounded(&file).unwrap(), b"hello");
        assert!(matches!(
            read_bounded(&dir),
            Err(FileError::Special("a folder"))
        ));
        #[cfg(unix)]
        {
            // `/dev/zero` would never end; behind a symlink it is refused all the same.
            let link = dir.join("zero.pem");
            let _ = fs::remove_file(&link);
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            let err = read_bounded(&link).unwrap_err();
            assert_eq!(
                err.to_string(),
                "is a device, not a regular file; it is never opened"
            );
        }
        let big = dir.join("big.bin");
        let handle = fs::File::create(&big).unwrap();
        // Sparse: the size is claimed without writing 16 MiB.
        handle.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(matches!(read_bounded(&big), Err(FileError::TooLarge)));
        fs::remove_dir_all(&dir).unwrap();
    }
}
