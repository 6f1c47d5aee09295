//! The whole check-fix pipeline on arbitrary text: no panic, no internal error, a fix's output
//! parses again, and a second run changes nothing.
#![no_main]

use cinch::config::Config;
use cinch::engine::{check_text, FixMode, Problem};
use libfuzzer_sys::fuzz_target;

/// File names that select each format; the first input byte picks one.
const NAMES: &[&str] = &["Dockerfile", "pg_hba.conf", "postgresql.conf", "nginx.conf", "deploy.yaml", "app.js", "app.ts", "app.tsx", "deploy.json"];

const CONFIG: &str = r#"
[postgres]
allowed_networks = ["10.0.0.0/8", "fd00::/8"]
passwords_are_scram = true
ssl = true

[cors]
allowed_origins = ["https://app.example.com"]

[kubernetes]
fs_group = 10001
"#;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let name = NAMES[selector as usize % NAMES.len()];
    let settings = Config::parse(std::path::Path::new("cinch.toml"), CONFIG).unwrap().settings_for(std::path::Path::new(name));

    let Some(first) = check_text(name, text, &settings, FixMode::Unsafe) else { return };
    for problem in &first.problems {
        if let Problem::Error { message } = problem {
            assert!(!message.contains("internal error"), "{name}: {message}");
        }
    }
    let Some(fixed) = &first.fixed else { return };
    let second = check_text(name, fixed, &settings, FixMode::Unsafe).expect("same format");
    assert!(!second.has_error(), "{name}: fixed output has errors: {:?}", second.problems);
    assert!(second.fixed.is_none(), "{name}: second run changed the file again");
});
