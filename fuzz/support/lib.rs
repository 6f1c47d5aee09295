//! Shared checks of the fuzz targets.

use std::path::{Path, PathBuf};

use cinch::config::Settings;
use cinch::context::ProjectContext;
use cinch::formats;
use cinch::rule::RuleContext;
use cinch::source::SourceFile;

/// Decodes `data` as the file `name`, then asserts that parsing joins back to the input and that
/// running every rule does not panic.
pub fn check_parser(name: &str, data: &[u8]) {
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
