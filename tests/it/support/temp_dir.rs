//! Folders a test writes fixtures into, each its own and gone when the test ends.

use super::{fixture_bytes, fixture_path};

/// A fresh, empty folder under the system temp dir, removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let unique = format!(
            "exum-it-{tag}-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    /// Writes `contents` at `relative`, creating folders as needed.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// A copy of the repo's `fixtures/` folder.
    pub fn with_default_fixtures(tag: &str) -> TempDir {
        let dir = TempDir::new(tag);
        dir.write_default_fixtures("");
        dir
    }

    /// A copy of the repo's `fixtures/` folder at `relative` (`""`: this folder itself).
    pub fn write_default_fixtures(&self, relative: &str) {
        let at = std::path::Path::new(relative);
        self.write(
            at.join("mock.json").to_str().unwrap(),
            fixture_bytes("mock.json"),
        );
        for entry in std::fs::read_dir(fixture_path("responses/ResetPIN")).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            self.write(
                at.join("responses/ResetPIN").join(name).to_str().unwrap(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
