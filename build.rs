//! Embeds every `transforms/*.toml` into the binary, so the rule catalog and `cinch explain`
//! read the same files that the tests check against the registered rules.

use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=transforms");
    let mut entries: Vec<_> = fs::read_dir("transforms")
        .map(|dir| dir.filter_map(Result::ok).map(|entry| entry.path()).collect())
        .unwrap_or_default();
    entries.retain(|path| path.extension().is_some_and(|ext| ext == "toml"));
    entries.sort();

    let mut code = String::from("/// `(file stem, contents)` of every `transforms/*.toml`, sorted by file name.\npub static TRANSFORMS: &[(&str, &str)] = &[\n");
    for path in &entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = path.file_stem().unwrap().to_string_lossy();
        let absolute = fs::canonicalize(path).unwrap();
        code.push_str(&format!("    ({stem:?}, include_str!({:?})),\n", absolute.display().to_string()));
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("transforms.rs");
    fs::write(out, code).unwrap();
}
