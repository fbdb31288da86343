//! Files written whole or not at all.
//!
//! Every output is first written to a temporary file with a unique name in
//! the same folder (`.NAME.XXXXXX.tmp`, from the `tempfile` crate) and then
//! renamed over its final name: a crash, a full disk or a failed chart never
//! leaves a half-written file behind, readers never see one, and two writers
//! of the same file (two charts drawn in parallel, two processes) never share
//! a temporary. On an error the temporary is removed before returning.

use std::io::{self, Write};
use std::path::Path;

/// Writes `contents` to `path` atomically (unique temporary file + rename).
pub fn write_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // The mode of a file made by File::create (0666 less the umask), not
    // tempfile's private 0600: results are often shared.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    // Dropped on any error below: the temporary file is deleted.
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_and_replaces_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        write_file(&p, b"one").unwrap();
        write_file(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(entries(dir.path()), ["a.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn files_get_the_mode_file_create_gives() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (ours, plain) = (dir.path().join("a"), dir.path().join("b"));
        write_file(&ours, b"x").unwrap();
        fs::File::create(&plain).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&ours), mode(&plain));
    }

    #[test]
    fn failure_leaves_no_file() {
        let p = Path::new("/nonexistent-hmasim-dir/x.csv");
        assert!(write_file(p, b"x").is_err());
        assert!(!p.exists());
    }

    /// The rename fails (the target is a non-empty folder): the temporary
    /// written beside it is removed, the folder is untouched.
    #[test]
    fn a_failed_rename_removes_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("chart.svg");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), b"k").unwrap();
        let e = write_file(&target, b"<svg/>").unwrap_err();
        assert_ne!(e.kind(), io::ErrorKind::NotFound, "{e}");
        assert_eq!(entries(dir.path()), ["chart.svg"]);
        assert_eq!(entries(&target), ["keep"]);
    }

    /// Writers of one file in parallel never share a temporary: each write
    /// lands whole.
    #[test]
    fn parallel_writers_of_one_file_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("same.csv");
        let texts: Vec<Vec<u8>> = (0..8u8).map(|i| vec![b'a' + i; 100_000]).collect();
        std::thread::scope(|s| {
            for t in &texts {
                let p = &p;
                s.spawn(move || write_file(p, t).unwrap());
            }
        });
        let got = fs::read(&p).unwrap();
        assert!(texts.contains(&got), "a mixed file of {} bytes", got.len());
        assert_eq!(entries(dir.path()), ["same.csv"]);
    }
}
