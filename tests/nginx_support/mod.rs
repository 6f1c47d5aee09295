//! The nginx fixture table shared by the snapshot tests and the real-engine tests.
#![allow(dead_code)]

use std::path::PathBuf;

use cinch::engine::FixMode;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Manifest {
    case: Vec<Case>,
}

/// One fixture run: which file, where it sits in the tree, with which config and fix mode.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub name: String,
    /// The fixture file's stem when it differs from `name`.
    pub fixture: Option<String>,
    pub path: String,
    #[serde(default)]
    pub config: String,
    pub mode: String,
    /// How the engine test embeds the file: "none", "http" or "server".
    pub wrap: String,
    #[serde(default)]
    pub others: Vec<(String, String)>,
    /// False for fixtures that Debian's nginx cannot load (Lua, newer directives).
    #[serde(default = "yes")]
    pub engine: bool,
}

fn yes() -> bool {
    true
}

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nginx")
}

pub fn read_fixture(stem: &str) -> String {
    let path = fixture_dir().join(format!("{stem}.conf"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

impl Case {
    pub fn text(&self) -> String {
        read_fixture(self.fixture.as_deref().unwrap_or(&self.name))
    }

    pub fn others(&self) -> Vec<(String, String)> {
        self.others.iter().map(|(path, stem)| (path.clone(), read_fixture(stem))).collect()
    }

    pub fn mode(&self) -> FixMode {
        match self.mode.as_str() {
            "safe" => FixMode::Safe,
            "unsafe" => FixMode::Unsafe,
            "none" => FixMode::None,
            other => panic!("case {}: unknown mode {other}", self.name),
        }
    }
}

pub fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixture_dir().join("cases.toml")).expect("cases.toml is readable");
    toml::from_str::<Manifest>(&text).expect("cases.toml parses").case
}
