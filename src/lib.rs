//! cinch finds insecure defaults in configuration and application code and fixes them with
//! byte-range edits on the original text.
//!
//! The public entry points are [`run`] (discover, read, check and fix in memory) and
//! [`write_results`] (atomic in-place writes of what `run` fixed). See `ARCHITECTURE.md` for the
//! data flow of one file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

pub mod catalog;
pub mod cli;
pub mod config;
pub mod context;
pub mod discover;
pub mod edit;
pub mod engine;
pub mod finding;
pub mod formats;
pub mod invariants;
pub mod report;
pub mod rule;
pub mod source;
pub mod suppress;
pub mod write;

use config::{find_config_file, Config, ConfigError, Settings};
use context::{ContextFile, ProjectContext};
use engine::{FileResult, FixMode, Problem};
use rule::FileKind;
use source::{display_path, SourceFile};

/// Standard input to check in place of files.
#[derive(Debug, Clone)]
pub struct StdinInput {
    /// The name that decides the kind (`--stdin-filename`), and the path shown in output.
    pub filename: Option<PathBuf>,
    pub bytes: Vec<u8>,
}

/// The inputs and options of one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Files and directories; the current directory when empty.
    pub paths: Vec<PathBuf>,
    /// `--config`: one file for every path, in place of the nearest `cinch.toml`.
    pub config: Option<PathBuf>,
    /// `--select`: replaces the config's selection when given.
    pub select: Option<Vec<String>>,
    /// `--ignore`: added to the config's ignore list.
    pub ignore: Vec<String>,
    pub mode: FixMode,
    pub stdin: Option<StdinInput>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { paths: Vec::new(), config: None, select: None, ignore: Vec::new(), mode: FixMode::None, stdin: None }
    }
}

/// Finds the config for each path: the one given with `--config`, or the nearest `cinch.toml`
/// above the path, loaded once per file.
struct ConfigResolver {
    explicit: Option<Arc<Config>>,
    loaded: Mutex<HashMap<PathBuf, Result<Arc<Config>, String>>>,
}

impl ConfigResolver {
    fn new(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        let explicit = match explicit {
            Some(path) => Some(Arc::new(load_config(path)?)),
            None => None,
        };
        Ok(ConfigResolver { explicit, loaded: Mutex::default() })
    }

    fn for_path(&self, path: &Path) -> Result<Arc<Config>, String> {
        if let Some(config) = &self.explicit {
            return Ok(config.clone());
        }
        let Some(file) = find_config_file(path) else {
            return Ok(Arc::new(Config::default()));
        };
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        loaded
            .entry(file.clone())
            .or_insert_with(|| load_config(&file).map(Arc::new).map_err(|e| e.to_string()))
            .clone()
    }
}

/// Loads a config file and checks that every rule id or prefix it names matches a rule, so a typo
/// in `select` cannot silently turn every rule off.
fn load_config(path: &Path) -> Result<Config, ConfigError> {
    let config = Config::load(path)?;
    let rules = formats::rule_ids();
    for (key, pattern) in config.rule_patterns() {
        if pattern != "ALL" && !rules.iter().any(|(id, _)| id.starts_with(pattern.as_str())) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!("`{key}`: `{pattern}` matches no rule id; run `cinch rules` to list them"),
            });
        }
    }
    Ok(config)
}

/// Applies the command line's `--select` and `--ignore` on top of a config's settings.
fn with_cli_selection(mut settings: Settings, options: &RunOptions) -> Settings {
    if let Some(select) = &options.select {
        settings.select = select.clone();
    }
    settings.ignore.extend(options.ignore.iter().cloned());
    settings
}

/// A file read for the run: either decoded text or the reason it cannot be used.
enum Loaded {
    Text(SourceFile),
    Problem(Problem),
}

fn load(path: &Path, max_size: u64) -> Loaded {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => return Loaded::Problem(Problem::Error { message: format!("{}: cannot read: {error}", display_path(&path)) }),
    };
    if metadata.is_dir() {
        return Loaded::Problem(Problem::Error { message: format!("{}: is a directory, not a file; it was not checked", display_path(&path)) });
    }
    if metadata.len() > max_size {
        return Loaded::Problem(Problem::Skip {
            message: format!(
                "{}: skipped: the file is {} bytes, over the {max_size}-byte limit; raise `limits.max_file_size` in cinch.toml to check it",
                display_path(&path),
                metadata.len()
            ),
        });
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => return Loaded::Problem(Problem::Error { message: format!("{}: cannot read: {error}", display_path(&path)) }),
    };
    match SourceFile::from_bytes(path, &bytes) {
        Ok(source) => Loaded::Text(source),
        Err(error) => Loaded::Problem(Problem::Error { message: format!("{}: {error}", display_path(&path)) }),
    }
}

/// Discovers, reads, checks and (in memory) fixes every file, returning one result per file,
/// sorted by path. An unreadable `--config` is the only error that stops the run.
pub fn run(options: &RunOptions) -> Result<Vec<FileResult>, ConfigError> {
    let configs = ConfigResolver::new(options.config.as_deref())?;

    if let Some(stdin) = &options.stdin {
        return Ok(vec![run_stdin(stdin, &configs, options)]);
    }

    let roots = if options.paths.is_empty() { vec![PathBuf::from(".")] } else { options.paths.clone() };
    let excluded = |path: &Path| configs.for_path(path).map(|config| config.is_excluded(path)).unwrap_or(false);
    let discovery = discover::discover(&roots, &excluded);

    let mut results: Vec<FileResult> = Vec::new();
    for (path, message) in &discovery.errors {
        results.push(FileResult::error(path.clone(), None, format!("{}: {message}", display_path(&path))));
    }
    for (path, message) in &discovery.skipped {
        results.push(FileResult::skip(path.clone(), None, format!("{}: skipped: {message}", display_path(&path))));
    }

    // Read every target and context file once, in parallel.
    let loaded_targets: Vec<(discover::Target, Result<Arc<Config>, String>, Loaded)> = discovery
        .targets
        .par_iter()
        .map(|target| {
            let config = configs.for_path(&target.path);
            let max_size = config.as_ref().map(|c| c.settings_for(&target.path).max_file_size).unwrap_or(config::DEFAULT_MAX_FILE_SIZE);
            let loaded = match &config {
                Ok(_) => load(&target.path, max_size),
                Err(_) => Loaded::Problem(Problem::Skip { message: String::new() }),
            };
            (target.clone(), config, loaded)
        })
        .collect();
    let context_sources: Vec<(PathBuf, SourceFile)> = discovery
        .context_files
        .par_iter()
        .filter_map(|path| match load(path, config::DEFAULT_MAX_FILE_SIZE) {
            Loaded::Text(source) => Some((path.clone(), source)),
            Loaded::Problem(_) => None,
        })
        .collect();

    // Keep the targets whose content confirms their kind; walked files that do not are dropped.
    let mut accepted: Vec<(discover::Target, Arc<Config>, Arc<SourceFile>)> = Vec::new();
    let mut reported_configs = std::collections::HashSet::new();
    for (target, config, loaded) in loaded_targets {
        let config = match config {
            Ok(config) => config,
            Err(message) => {
                // The config's own error is printed once; the other files under it point back to it.
                let text = if reported_configs.insert(message.clone()) {
                    format!("{}: not checked: {message}", display_path(&target.path))
                } else {
                    format!("{}: not checked: its cinch.toml is invalid (see the error above)", display_path(&target.path))
                };
                results.push(FileResult::error(target.path.clone(), Some(target.kind), text));
                continue;
            }
        };
        match loaded {
            Loaded::Problem(problem) => {
                let mut result = FileResult::new(target.path.clone(), Some(target.kind));
                result.problems.push(problem);
                results.push(result);
            }
            Loaded::Text(source) => {
                let format = formats::for_kind(target.kind);
                if format.accepts(&source) {
                    accepted.push((target, config, Arc::new(source)));
                } else if target.explicit {
                    results.push(FileResult::skip(
                        target.path.clone(),
                        Some(target.kind),
                        format!("{}: skipped: the name suggests {}, but the content does not look like one", display_path(&target.path), kind_label(target.kind)),
                    ));
                }
            }
        }
    }

    let context_entries = accepted
        .iter()
        .map(|(target, _, source)| (target.path.clone(), ContextFile { kind: Some(target.kind), source: source.clone() }))
        .chain(context_sources.into_iter().map(|(path, source)| (path, ContextFile { kind: None, source: Arc::new(source) })));
    let project = ProjectContext::new(roots.clone(), context_entries);

    // Where each walked link points, when its target is an indexed file: the only file-system
    // facts beyond file contents that rules see.
    let canonical: HashMap<PathBuf, PathBuf> =
        project.files().filter_map(|(path, _)| std::fs::canonicalize(path).ok().map(|real| (real, path.to_path_buf()))).collect();
    let links: Vec<(PathBuf, Option<PathBuf>)> = discovery
        .links
        .iter()
        .map(|link| {
            let target = std::fs::canonicalize(link).ok().and_then(|real| canonical.get(&real).cloned());
            (link.clone(), target)
        })
        .collect();
    let project = project.with_layout(discovery.dirs.iter().cloned(), links);

    let processed: Vec<FileResult> = accepted
        .par_iter()
        .map(|(target, config, source)| {
            let settings = with_cli_selection(config.settings_for(&target.path), options);
            engine::process(formats::for_kind(target.kind), (**source).clone(), &settings, &project, options.mode)
        })
        .collect();
    results.extend(processed);
    results.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(results)
}

fn run_stdin(stdin: &StdinInput, configs: &ConfigResolver, options: &RunOptions) -> FileResult {
    let display = stdin.filename.clone().unwrap_or_else(|| PathBuf::from("-"));
    let Some(kind) = stdin.filename.as_deref().and_then(formats::kind_for_path) else {
        return FileResult::error(
            display.clone(),
            None,
            format!(
                "{}: cannot tell the file kind of standard input; pass --stdin-filename with a name such as Dockerfile, pg_hba.conf, nginx.conf, deploy.yaml or app.js",
                display_path(&display)
            ),
        );
    };
    let config_anchor = stdin.filename.clone().unwrap_or_else(|| PathBuf::from("."));
    let config = match configs.for_path(&config_anchor) {
        Ok(config) => config,
        Err(message) => return FileResult::error(display.clone(), Some(kind), format!("{}: config not loaded: {message}", display_path(&display))),
    };
    let settings = with_cli_selection(config.settings_for(&config_anchor), options);
    if stdin.bytes.len() as u64 > settings.max_file_size {
        return FileResult::skip(
            display.clone(),
            Some(kind),
            format!(
                "{}: skipped: standard input is {} bytes, over the {}-byte limit; raise `limits.max_file_size` in cinch.toml to check it",
                display_path(&display),
                stdin.bytes.len(),
                settings.max_file_size
            ),
        );
    }
    let source = match SourceFile::from_bytes(display.clone(), &stdin.bytes) {
        Ok(source) => source,
        Err(error) => return FileResult::error(display.clone(), Some(kind), format!("{}: {error}", display_path(&display))),
    };
    engine::process(formats::for_kind(kind), source, &settings, &ProjectContext::empty(), options.mode)
}

fn kind_label(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Dockerfile => "a Dockerfile",
        FileKind::Kubernetes => "a Kubernetes manifest",
        FileKind::Nginx => "an nginx configuration",
        FileKind::PgHba => "a pg_hba.conf file",
        FileKind::PostgresqlConf => "a postgresql.conf file",
        FileKind::JavaScript => "a JavaScript or TypeScript file",
        FileKind::CSharp => "a C# file",
    }
}

/// Writes every fixed file in place, atomically. A file that cannot be written gets an error
/// and its fixes count as not applied.
pub fn write_results(results: &mut [FileResult], allow_hardlinks: bool) {
    for result in results.iter_mut() {
        let (Some(original), Some(fixed)) = (&result.original, result.fixed_bytes()) else {
            continue;
        };
        if let Err(error) = write::write_atomic(&result.path, &original.to_bytes(), &fixed, allow_hardlinks) {
            result.problems.push(Problem::Error { message: format!("{}: {error}", display_path(&result.path)) });
            // The file on disk is the original, so its findings are those of the original text.
            result.fixed_findings.clear();
            result.remaining = result.original_findings.clone();
            result.fixed = None;
        }
    }
}
