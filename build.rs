//! Build identity for `hmasim --version` and `manifest.json`: the git commit
//! (`unknown` outside a git checkout, `-dirty` when tracked files differ from
//! it), rustc's version and the target triple. Nothing here can fail the
//! build: whatever cannot be found is `unknown`.

use std::path::Path;
use std::process::Command;

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    output(Command::new("git").arg("-C").arg(dir).args(args))
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = git(&dir, &["rev-parse", "HEAD"]).map(|c| {
        // Only tracked files count: build products and scratch files do not.
        let dirty = git(&dir, &["status", "--porcelain", "--untracked-files=no"]).is_some();
        if dirty { format!("{c}-dirty") } else { c }
    });
    // Rebuild the identity when HEAD moves or a tracked file changes.
    for what in ["HEAD", "index"] {
        if let Some(path) = git(&dir, &["rev-parse", "--git-path", what]) {
            println!("cargo:rerun-if-changed={}", dir.join(path).display());
        }
    }
    if let Some(head_ref) = git(&dir, &["symbolic-ref", "-q", "HEAD"])
        && let Some(path) = git(&dir, &["rev-parse", "--git-path", &head_ref])
    {
        println!("cargo:rerun-if-changed={}", dir.join(path).display());
    }
    for tracked in ["src", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={tracked}");
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = output(Command::new(rustc).arg("-V"));
    let target = std::env::var("TARGET").ok();
    let unknown = || "unknown".to_string();
    println!(
        "cargo:rustc-env=HMASIM_GIT_COMMIT={}",
        commit.unwrap_or_else(unknown)
    );
    println!(
        "cargo:rustc-env=HMASIM_RUSTC_VERSION={}",
        rustc_version.unwrap_or_else(unknown)
    );
    println!(
        "cargo:rustc-env=HMASIM_TARGET={}",
        target.unwrap_or_else(unknown)
    );
}
