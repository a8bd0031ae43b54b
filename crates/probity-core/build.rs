//! Embeds the shipped catalogs (`catalogs/` at the workspace root) into the crate: writes
//! `$OUT_DIR/catalog_files.rs` with one `(relative path, contents)` pair per TOML file and per
//! policy template (`policy-templates/*.md`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tools") {
                collect(&path, root, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "toml")
            || (path.extension().is_some_and(|e| e == "md")
                && path
                    .parent()
                    .and_then(|p| p.file_name())
                    .is_some_and(|n| n == "policy-templates"))
        {
            let rel = path
                .strip_prefix(root)
                .map_err(std::io::Error::other)?
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path));
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(std::io::Error::other)?);
    let root = manifest.join("../../catalogs");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    if root.is_dir() {
        collect(&root, &root, &mut files)?;
    }
    let mut code = String::from(
        "/// Shipped catalog files: (path under `catalogs/`, contents).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, path) in files {
        let abs = path.canonicalize()?;
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .map_err(std::io::Error::other)?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(std::io::Error::other)?);
    std::fs::write(out.join("catalog_files.rs"), code)
}
