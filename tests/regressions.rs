//! Inputs that once crashed a fuzz target, replayed through the same checks. A file named
//! `pipeline-*` goes through the whole pipeline (first byte: the format); `parse_<format>-*`
//! through one parser.

use std::path::Path;

#[test]
fn fuzz_findings_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut entries: Vec<_> = std::fs::read_dir(&dir).expect("tests/regressions exists").flatten().map(|e| e.path()).collect();
    entries.sort();
    assert!(!entries.is_empty(), "no regression inputs in {}", dir.display());
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        if name.starts_with("pipeline-") {
            cinch::invariants::pipeline(&data);
        } else if let Some(rest) = name.strip_prefix("parse_") {
            let file_name = match rest.split('-').next().unwrap_or("") {
                "dockerfile" => "Dockerfile",
                "kubernetes" => "deploy.yaml",
                "nginx" => "nginx.conf",
                "pg_hba" => "pg_hba.conf",
                "postgresql_conf" => "postgresql.conf",
                "javascript" => "app.ts",
                other => panic!("{name}: unknown target `{other}`"),
            };
            cinch::invariants::parser(file_name, &data);
        } else {
            panic!("{name}: regression inputs are named after their fuzz target");
        }
    }
}
