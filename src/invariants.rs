//! The invariants that the fuzz targets and the regression tests check on arbitrary input.
//! Each function panics when an invariant does not hold.

use std::path::{Path, PathBuf};

use crate::config::{Config, Settings};
use crate::context::ProjectContext;
use crate::engine::{check_text, FixMode, Problem};
use crate::formats;
use crate::rule::RuleContext;
use crate::source::SourceFile;

/// File names that select each format; the pipeline input's first byte picks one.
pub const PIPELINE_NAMES: &[&str] =
    &["Dockerfile", "pg_hba.conf", "postgresql.conf", "nginx.conf", "deploy.yaml", "app.js", "app.ts", "app.tsx", "deploy.json"];

/// A config that lets every fix run, so the pipeline exercises all of them.
pub const PIPELINE_CONFIG: &str = r#"
[postgres]
allowed_networks = ["10.0.0.0/8", "fd00::/8"]
passwords_are_scram = true
ssl = true

[cors]
allowed_origins = ["https://app.example.com"]

[kubernetes]
fs_group = 10001
"#;

/// Checks the whole pipeline on `data`, whose first byte picks the format and the rest is the file.
/// Nothing may panic or report an internal error, the fixed output must parse again, and a second
/// run must change nothing.
pub fn pipeline(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let name = PIPELINE_NAMES[selector as usize % PIPELINE_NAMES.len()];
    let settings = Config::parse(Path::new("cinch.toml"), PIPELINE_CONFIG).expect("the pipeline config is valid").settings_for(Path::new(name));

    let Some(first) = check_text(name, text, &settings, FixMode::Unsafe) else { return };
    for problem in &first.problems {
        if let Problem::Error { message } = problem {
            assert!(!message.contains("internal error"), "{name}: {message}");
        }
    }
    let Some(fixed) = &first.fixed else { return };
    let second = check_text(name, fixed, &settings, FixMode::Unsafe).expect("the same format claims the name");
    assert!(!second.has_error(), "{name}: fixed output has errors: {:?}", second.problems);
    assert!(second.fixed.is_none(), "{name}: a second run changed the file again");
}

/// Checks one parser on `data` read as the file `name`: the parsed pieces join back to the input,
/// and running every rule does not panic.
pub fn parser(name: &str, data: &[u8]) {
    let Ok(source) = SourceFile::from_bytes(PathBuf::from(name), data) else { return };
    let format = formats::for_kind(formats::kind_for_path(Path::new(name)).expect("a format claims the name"));
    if let Some(Ok(joined)) = format.round_trip(&source) {
        assert_eq!(joined, source.text, "parsed pieces do not join back to the input");
    }
    let settings = Settings::default();
    let project = ProjectContext::empty();
    let enabled = |_: &str| true;
    let ctx = RuleContext { path: Path::new(name), settings: &settings, project: &project, enabled: &enabled };
    let _ = format.check(&source, &ctx);
}
