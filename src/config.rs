//! `cinch.toml`: rule selection, path excludes, and the facts that rules need to fix safely.
//!
//! Keys are grouped by what they describe (`[user]`, `[postgres]`, `[cors]`), not by rule, so
//! rules that must agree read one key: the Dockerfile `USER` and the Kubernetes `runAsUser` both
//! come from `[user]`. `[[overrides]]` tables carry the same groups for the paths they match.
//! Unknown keys and wrong types are errors that name the key and the file.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use thiserror::Error;

pub const CONFIG_FILE_NAME: &str = "cinch.toml";

/// The UID and GID that both the Dockerfile and Kubernetes fixes write when `[user]` sets none.
pub const DEFAULT_UID: u32 = 10001;
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: invalid config: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesTable {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsTable {
    pub exclude: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserTable {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesTable {
    pub fs_group: Option<u32>,
    pub read_only_root_filesystem: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ByteSize {
    Bytes(u64),
    Text(String),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsTable {
    pub max_file_size: Option<ByteSize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NginxTable {
    pub frame_options: Option<String>,
    pub hsts_max_age: Option<u64>,
    pub hsts_include_subdomains: Option<bool>,
    pub hsts_preload: Option<bool>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresTable {
    pub allowed_networks: Option<Vec<String>>,
    pub passwords_are_scram: Option<bool>,
    pub ssl: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsTable {
    pub allowed_origins: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookiesTable {
    pub same_site: Option<String>,
    pub readable_by_scripts: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpressTable {
    pub trust_proxy_hops: Option<u32>,
    pub session_secret_env: Option<String>,
}

/// Declares the groups once, so the top level and each `[[overrides]]` entry accept the same
/// tables.
macro_rules! config_groups {
    ($($group:ident : $table:ty),* $(,)?) => {
        /// The groups of one level of the file: the top level or one override.
        #[derive(Debug, Clone, Default)]
        pub struct Layer {
            pub paths: Option<PathsTable>,
            $(pub $group: Option<$table>,)*
        }

        /// The file as written.
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ConfigFile {
            /// Top level only: in `[[overrides]]`, `paths` is the list of globs.
            #[serde(default)]
            pub paths: Option<PathsTable>,
            $(#[serde(default)] pub $group: Option<$table>,)*
            #[serde(default)]
            pub overrides: Vec<OverrideTable>,
        }

        /// One `[[overrides]]` entry: path globs, then any group.
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct OverrideTable {
            pub paths: Vec<String>,
            $(#[serde(default)] pub $group: Option<$table>,)*
        }

        impl ConfigFile {
            fn top_layer(&self) -> Layer {
                Layer { paths: self.paths.clone(), $($group: self.$group.clone(),)* }
            }
        }

        impl OverrideTable {
            fn layer(&self) -> Layer {
                Layer { paths: None, $($group: self.$group.clone(),)* }
            }
        }
    };
}

config_groups! {
    rules: RulesTable,
    user: UserTable,
    kubernetes: KubernetesTable,
    limits: LimitsTable,
    nginx: NginxTable,
    postgres: PostgresTable,
    cors: CorsTable,
    cookies: CookiesTable,
    express: ExpressTable,
}

/// The user that fixes make a container run as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSettings {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
    /// Whether `user.uid` was set in a config file rather than defaulted. Some fixes are safe
    /// only when the operator chose the UID.
    pub uid_is_explicit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KubernetesSettings {
    pub fs_group: Option<u32>,
    /// `Some(true)`: a read-only root filesystem is a safe fix here; `Some(false)`: never add it.
    pub read_only_root_filesystem: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxSettings {
    pub frame_options: String,
    pub hsts_max_age: u64,
    pub hsts_include_subdomains: bool,
    pub hsts_preload: bool,
    /// The nginx version the configuration targets, as `(major, minor, patch)`.
    pub version: (u32, u32, u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostgresSettings {
    /// Networks in CIDR form; `None` when not configured.
    pub allowed_networks: Option<Vec<String>>,
    pub passwords_are_scram: bool,
    /// `Some(true)` when the operator says the server has TLS configured.
    pub ssl: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieSettings {
    /// `lax`, `strict` or `none`, lower case.
    pub same_site: String,
    /// Cookie names (with `*` wildcards) that browser scripts must read, so they get no `httpOnly`.
    pub readable_by_scripts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpressSettings {
    pub trust_proxy_hops: u32,
    pub session_secret_env: String,
}

/// The settings in force for one path: defaults, then the config file, then matching overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    pub user: UserSettings,
    pub kubernetes: KubernetesSettings,
    pub max_file_size: u64,
    pub nginx: NginxSettings,
    pub postgres: PostgresSettings,
    pub allowed_origins: Option<Vec<String>>,
    pub cookies: CookieSettings,
    pub express: ExpressSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            select: vec!["ALL".to_string()],
            ignore: Vec::new(),
            exclude: Vec::new(),
            user: UserSettings { uid: DEFAULT_UID, gid: DEFAULT_UID, name: "app".to_string(), uid_is_explicit: false },
            kubernetes: KubernetesSettings::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            nginx: NginxSettings {
                frame_options: "DENY".to_string(),
                hsts_max_age: 31_536_000,
                hsts_include_subdomains: false,
                hsts_preload: false,
                version: (1, 28, 0),
            },
            postgres: PostgresSettings::default(),
            allowed_origins: None,
            cookies: CookieSettings {
                same_site: "lax".to_string(),
                readable_by_scripts: vec!["XSRF-TOKEN".to_string(), "csrf*".to_string()],
            },
            express: ExpressSettings { trust_proxy_hops: 1, session_secret_env: "SESSION_SECRET".to_string() },
        }
    }
}

impl Settings {
    /// Returns true when rule `id` runs under these settings: selected by an id or prefix (`ALL` selects
    /// everything) and not ignored by one.
    pub fn rule_enabled(&self, id: &str) -> bool {
        let matches = |pattern: &String| pattern == "ALL" || id.starts_with(pattern.as_str());
        self.select.iter().any(matches) && !self.ignore.iter().any(matches)
    }

    /// Applies one layer on top of these settings, validating each value it sets.
    fn apply(&mut self, layer: &Layer, file: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { path: file.to_path_buf(), message };

        if let Some(rules) = &layer.rules {
            if let Some(select) = &rules.select {
                self.select = select.clone();
            }
            if let Some(ignore) = &rules.ignore {
                self.ignore = ignore.clone();
            }
        }
        if let Some(paths) = &layer.paths {
            if let Some(exclude) = &paths.exclude {
                for pattern in exclude {
                    Glob::new(pattern).map_err(|e| invalid(format!("`paths.exclude`: invalid glob `{pattern}`: {e}")))?;
                }
                self.exclude = exclude.clone();
            }
        }
        if let Some(user) = &layer.user {
            if let Some(uid) = user.uid {
                if uid == 0 {
                    return Err(invalid("`user.uid` is 0 (root); choose a non-root UID such as 10001".to_string()));
                }
                self.user.uid = uid;
                self.user.uid_is_explicit = true;
                if user.gid.is_none() {
                    self.user.gid = uid;
                }
            }
            if let Some(gid) = user.gid {
                self.user.gid = gid;
            }
            if let Some(name) = &user.name {
                let valid = !name.is_empty()
                    && name.len() <= 32
                    && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
                    && !name.starts_with('-')
                    && name != "root";
                if !valid {
                    return Err(invalid(format!(
                        "`user.name` is `{name}`; use a lower-case POSIX user name other than root, such as `app`"
                    )));
                }
                self.user.name = name.clone();
            }
        }
        if let Some(kubernetes) = &layer.kubernetes {
            if kubernetes.fs_group.is_some() {
                self.kubernetes.fs_group = kubernetes.fs_group;
            }
            if kubernetes.read_only_root_filesystem.is_some() {
                self.kubernetes.read_only_root_filesystem = kubernetes.read_only_root_filesystem;
            }
        }
        if let Some(limits) = &layer.limits {
            if let Some(size) = &limits.max_file_size {
                self.max_file_size = parse_byte_size(size)
                    .ok_or_else(|| invalid("`limits.max_file_size`: expected a byte count or a size such as \"10MiB\"".to_string()))?;
            }
        }
        if let Some(nginx) = &layer.nginx {
            if let Some(value) = &nginx.frame_options {
                let upper = value.to_ascii_uppercase();
                if upper != "DENY" && upper != "SAMEORIGIN" {
                    return Err(invalid(format!("`nginx.frame_options` is `{value}`; expected \"DENY\" or \"SAMEORIGIN\"")));
                }
                self.nginx.frame_options = upper;
            }
            if let Some(age) = nginx.hsts_max_age {
                self.nginx.hsts_max_age = age;
            }
            if let Some(value) = nginx.hsts_include_subdomains {
                self.nginx.hsts_include_subdomains = value;
            }
            if let Some(value) = nginx.hsts_preload {
                self.nginx.hsts_preload = value;
            }
            if let Some(version) = &nginx.version {
                self.nginx.version = parse_version(version)
                    .ok_or_else(|| invalid(format!("`nginx.version` is `{version}`; expected a version such as \"1.24\" or \"1.24.0\"")))?;
            }
        }
        if let Some(postgres) = &layer.postgres {
            if let Some(networks) = &postgres.allowed_networks {
                let mut seen = Vec::new();
                for network in networks {
                    let Some((address, prefix)) = parse_cidr(network) else {
                        return Err(invalid(format!(
                            "`postgres.allowed_networks`: `{network}` is not a network in CIDR form such as \"10.0.0.0/8\" or \"fd00::/8\""
                        )));
                    };
                    if prefix == 0 {
                        return Err(invalid(format!(
                            "`postgres.allowed_networks`: `{network}` is every address, which is what cinch narrows; list the client networks instead"
                        )));
                    }
                    let base = network_base(address, prefix);
                    if base != address {
                        return Err(invalid(format!(
                            "`postgres.allowed_networks`: `{network}` has host bits set; did you mean `{base}/{prefix}`?"
                        )));
                    }
                    if seen.contains(&(address, prefix)) {
                        return Err(invalid(format!("`postgres.allowed_networks`: `{network}` is listed twice")));
                    }
                    seen.push((address, prefix));
                }
                self.postgres.allowed_networks = Some(networks.clone());
            }
            if let Some(value) = postgres.passwords_are_scram {
                self.postgres.passwords_are_scram = value;
            }
            if postgres.ssl.is_some() {
                self.postgres.ssl = postgres.ssl;
            }
        }
        if let Some(cors) = &layer.cors {
            if let Some(origins) = &cors.allowed_origins {
                for origin in origins {
                    let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                        && !origin.trim_end_matches('/').ends_with("://")
                        && !origin.contains('*')
                        && !origin.contains(['\'', '"', '`', '\\', ' ']);
                    if !valid {
                        return Err(invalid(format!(
                            "`cors.allowed_origins`: `{origin}` is not an origin such as \"https://app.example.com\" (scheme and host, no wildcard)"
                        )));
                    }
                }
                self.allowed_origins = Some(origins.clone());
            }
        }
        if let Some(cookies) = &layer.cookies {
            if let Some(value) = &cookies.same_site {
                let lower = value.to_ascii_lowercase();
                if !["lax", "strict", "none"].contains(&lower.as_str()) {
                    return Err(invalid(format!("`cookies.same_site` is `{value}`; expected \"lax\", \"strict\" or \"none\"")));
                }
                self.cookies.same_site = lower;
            }
            if let Some(names) = &cookies.readable_by_scripts {
                self.cookies.readable_by_scripts = names.clone();
            }
        }
        if let Some(express) = &layer.express {
            if let Some(hops) = express.trust_proxy_hops {
                if hops == 0 {
                    return Err(invalid("`express.trust_proxy_hops` is 0; set the number of proxies in front of the app (1 or more)".to_string()));
                }
                self.express.trust_proxy_hops = hops;
            }
            if let Some(name) = &express.session_secret_env {
                let valid = !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit());
                if !valid {
                    return Err(invalid(format!("`express.session_secret_env` is `{name}`; expected an environment variable name such as SESSION_SECRET")));
                }
                self.express.session_secret_env = name.clone();
            }
        }
        Ok(())
    }
}

/// A loaded config file with its overrides compiled.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from; `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    base: Settings,
    /// The top-level `[rules]` table as written, for [`Config::rule_patterns`].
    top_rules: Option<RulesTable>,
    overrides: Vec<(GlobSet, Layer)>,
}


impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().replace('\n', "\n    "),
        })?;
        let mut base = Settings::default();
        base.apply(&file.top_layer(), path)?;

        let mut overrides = Vec::new();
        for (index, entry) in file.overrides.iter().enumerate() {
            let mut builder = GlobSetBuilder::new();
            for pattern in &entry.paths {
                let glob = Glob::new(pattern).map_err(|e| ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: format!("`overrides[{index}].paths`: invalid glob `{pattern}`: {e}"),
                })?;
                builder.add(glob);
            }
            let set = builder.build().map_err(|e| ConfigError::Invalid { path: path.to_path_buf(), message: e.to_string() })?;
            // Validate the layer now so a bad value is reported at load time, not per file.
            base.clone().apply(&entry.layer(), path)?;
            overrides.push((set, entry.layer()));
        }
        Ok(Config { path: Some(path.to_path_buf()), base, top_rules: file.rules.clone(), overrides })
    }

    /// Returns every rule pattern the file names, with the key it came from, for checking against
    /// the registered rules.
    pub fn rule_patterns(&self) -> Vec<(String, String)> {
        let mut patterns: Vec<(String, String)> = Vec::new();
        let layers = self.top_rules.iter().map(|rules| ("rules".to_string(), rules)).chain(
            self.overrides.iter().enumerate().filter_map(|(index, (_, layer))| layer.rules.as_ref().map(|rules| (format!("overrides[{index}].rules"), rules))),
        );
        for (prefix, rules) in layers {
            for (key, list) in [("select", &rules.select), ("ignore", &rules.ignore)] {
                for pattern in list.iter().flatten() {
                    patterns.push((format!("{prefix}.{key}"), pattern.clone()));
                }
            }
        }
        patterns
    }

    /// Returns the directory that relative globs in this config are matched against.
    pub fn root(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// Returns the settings for `path`: the file's own, then every override whose globs match the
    /// path relative to the config file's directory, in file order.
    pub fn settings_for(&self, path: &Path) -> Settings {
        let mut settings = self.base.clone();
        if self.overrides.is_empty() {
            return settings;
        }
        let relative = self.relative(path);
        for (set, layer) in &self.overrides {
            if set.is_match(&relative) {
                // Already validated in `parse`.
                let config_path = self.path.clone().unwrap_or_default();
                let _ = settings.apply(layer, &config_path);
            }
        }
        settings
    }

    /// Returns true when `path` matches one of `paths.exclude`.
    pub fn is_excluded(&self, path: &Path) -> bool {
        let settings = &self.base;
        if settings.exclude.is_empty() {
            return false;
        }
        let relative = self.relative(path);
        settings.exclude.iter().filter_map(|pattern| Glob::new(pattern).ok()).any(|glob| {
            let matcher = glob.compile_matcher();
            matcher.is_match(&relative) || relative.ancestors().any(|ancestor| matcher.is_match(ancestor))
        })
    }

    fn relative(&self, path: &Path) -> PathBuf {
        let absolute = absolute(path);
        match self.root() {
            Some(root) => absolute.strip_prefix(absolute_dir(root)).map(Path::to_path_buf).unwrap_or(absolute),
            None => path.strip_prefix("./").unwrap_or(path).to_path_buf(),
        }
    }
}

/// Returns the nearest `cinch.toml` in `start` or one of its ancestors.
pub fn find_config_file(start: &Path) -> Option<PathBuf> {
    let start = absolute(start);
    let dir = if start.is_dir() { start.as_path() } else { start.parent()? };
    dir.ancestors().map(|d| d.join(CONFIG_FILE_NAME)).find(|candidate| candidate.is_file())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn absolute_dir(path: &Path) -> PathBuf {
    if path.as_os_str().is_empty() {
        absolute(Path::new("."))
    } else {
        absolute(path)
    }
}

fn parse_byte_size(size: &ByteSize) -> Option<u64> {
    match size {
        ByteSize::Bytes(n) => Some(*n),
        ByteSize::Text(text) => {
            let text = text.trim();
            let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
            let (number, unit) = text.split_at(split);
            let number: u64 = number.parse().ok()?;
            let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
                "" | "b" => 1,
                "k" | "kb" | "kib" => 1024,
                "m" | "mb" | "mib" => 1024 * 1024,
                "g" | "gb" | "gib" => 1024 * 1024 * 1024,
                _ => return None,
            };
            number.checked_mul(factor)
        }
    }
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = match parts.next() {
        Some(part) => part.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// Returns `address` with every bit past the first `prefix` bits cleared.
fn network_base(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

/// Parses `address/prefix` into the address and prefix length, checking the length's range.
pub fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = text.split_once('/')?;
    let address: IpAddr = address.parse().ok()?;
    let prefix: u8 = prefix.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some((address, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/repo/cinch.toml"), text)
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let error = parse("[user]\nuidd = 5\n").unwrap_err().to_string();
        assert!(error.contains("/repo/cinch.toml"), "{error}");
        assert!(error.contains("uidd"), "{error}");
    }

    #[test]
    fn wrong_type_is_rejected() {
        let error = parse("[postgres]\nssl = \"yes\"\n").unwrap_err().to_string();
        assert!(error.contains("ssl"), "{error}");
    }

    #[test]
    fn user_defaults_and_explicit_uid() {
        let config = parse("").unwrap();
        let settings = config.settings_for(Path::new("/repo/Dockerfile"));
        assert_eq!((settings.user.uid, settings.user.gid), (10001, 10001));
        assert!(!settings.user.uid_is_explicit);

        let config = parse("[user]\nuid = 2000\n").unwrap();
        let settings = config.settings_for(Path::new("/repo/Dockerfile"));
        assert_eq!((settings.user.uid, settings.user.gid), (2000, 2000));
        assert!(settings.user.uid_is_explicit);
    }

    #[test]
    fn overrides_apply_to_matching_paths() {
        let config = parse(
            "[postgres]\npasswords_are_scram = false\n\n[[overrides]]\npaths = [\"legacy/**\"]\n[overrides.postgres]\npasswords_are_scram = true\n",
        )
        .unwrap();
        assert!(config.settings_for(Path::new("/repo/legacy/db/pg_hba.conf")).postgres.passwords_are_scram);
        assert!(!config.settings_for(Path::new("/repo/db/pg_hba.conf")).postgres.passwords_are_scram);
    }

    #[test]
    fn invalid_values_are_rejected() {
        assert!(parse("[postgres]\nallowed_networks = [\"10.0.0.0/33\"]\n").is_err());
        assert!(parse("[cookies]\nsame_site = \"loose\"\n").is_err());
        assert!(parse("[user]\nuid = 0\n").is_err());
        assert!(parse("[[overrides]]\npaths = [\"a/**\"]\n[overrides.user]\nuid = 0\n").is_err());
        assert!(parse("[limits]\nmax_file_size = \"10 parsecs\"\n").is_err());
        assert!(parse("[postgres]\nallowed_networks = [\"10.0.0.1/8\"]\n").is_err());
        assert!(parse("[postgres]\nallowed_networks = [\"0.0.0.0/0\"]\n").is_err());
        assert!(parse("[postgres]\nallowed_networks = [\"::/0\"]\n").is_err());
        assert!(parse("[postgres]\nallowed_networks = [\"10.0.0.0/8\", \"10.0.0.0/8\"]\n").is_err());
        assert!(parse("[postgres]\nallowed_networks = [\"10.0.0.0/8\", \"fd00::/8\", \"192.168.1.7/32\"]\n").is_ok());
    }

    #[test]
    fn rule_selection_by_prefix() {
        let mut settings = Settings::default();
        assert!(settings.rule_enabled("DKR001"));
        settings.select = vec!["PGH".to_string()];
        settings.ignore = vec!["PGH003".to_string()];
        assert!(settings.rule_enabled("PGH001"));
        assert!(!settings.rule_enabled("PGH003"));
        assert!(!settings.rule_enabled("DKR001"));
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_byte_size(&ByteSize::Text("10MiB".into())), Some(10 * 1024 * 1024));
        assert_eq!(parse_byte_size(&ByteSize::Bytes(42)), Some(42));
        assert_eq!(parse_byte_size(&ByteSize::Text("2 kb".into())), Some(2048));
    }
}
