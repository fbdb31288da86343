//! Files written whole or not at all.
//!
//! Every output is first written to a temporary name in the same folder and
//! then renamed over its final name: a crash, a full disk or a failed chart
//! never leaves a half-written CSV behind, and readers never see one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` atomically (temporary file + rename).
pub fn write_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = temporary_name(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The temporary name used for `path`: `.NAME.tmp` beside it.
pub fn temporary_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_without_leaving_temporaries() {
        let dir = std::env::temp_dir().join(format!("hmasim-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.csv");
        write_file(&p, b"one").unwrap();
        write_file(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert!(!temporary_name(&p).exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failure_leaves_no_file() {
        let p = Path::new("/nonexistent-hmasim-dir/x.csv");
        assert!(write_file(p, b"x").is_err());
        assert!(!p.exists());
    }
}
