//! Killing `cinch fix` at any moment leaves every file either as it was or completely fixed.
//! The test runs the real binary over a tree of several hundred files, sends SIGKILL at
//! pseudo-random moments, and inspects every file after each kill.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FILES: usize = 400;
const KILLS: usize = 25;

fn original(index: usize) -> String {
    // `password` becomes `md5`, a safe fix, so `cinch fix` rewrites every file. The padding makes
    // each write large enough to be caught halfway if writes were not atomic.
    let padding: String = (0..200).map(|line| format!("# padding line {line} of file {index}\n")).collect();
    format!("{padding}local   all   postgres              peer\nhost    all   all       10.0.{}.0/24   password\n", index % 250)
}

fn build_tree(root: &Path) -> Vec<PathBuf> {
    (0..FILES)
        .map(|index| {
            let dir = root.join(format!("db-{index:03}"));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("pg_hba.conf");
            std::fs::write(&path, original(index)).unwrap();
            path
        })
        .collect()
}

fn run_fix(root: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_cinch"))
        .args(["fix", "."])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cinch starts")
}

/// A small linear congruential generator: reproducible delays without a dependency.
struct Lcg(u64);

impl Lcg {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound.max(1)
    }
}

#[cfg(unix)]
#[test]
fn sigkill_leaves_original_or_fixed() {
    // Learn the fixed content and how long a full run takes.
    let reference = tempfile::tempdir().unwrap();
    let paths = build_tree(reference.path());
    let start = Instant::now();
    let status = run_fix(reference.path()).wait().unwrap();
    let full_run = start.elapsed();
    assert!(matches!(status.code(), Some(0 | 1)), "the reference run ends without error: {status:?}");
    let fixed: BTreeMap<usize, Vec<u8>> = paths.iter().enumerate().map(|(i, p)| (i, std::fs::read(p).unwrap())).collect();
    for (index, content) in &fixed {
        assert_ne!(content, original(*index).as_bytes(), "file {index} was not fixed by the reference run");
    }

    let mut random = Lcg(0x5eed);
    let mut interrupted = 0;
    for round in 0..KILLS {
        let dir = tempfile::tempdir().unwrap();
        let paths = build_tree(dir.path());
        let mut child = run_fix(dir.path());
        let delay = Duration::from_micros(random.next_below(full_run.as_micros() as u64 + 1));
        std::thread::sleep(delay);
        child.kill().ok(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        if status.code().is_none() {
            interrupted += 1;
        }
        for (index, path) in paths.iter().enumerate() {
            let content = std::fs::read(path).unwrap();
            let is_original = content == original(index).as_bytes();
            let is_fixed = content == fixed[&index];
            assert!(is_original || is_fixed, "round {round}: {} is neither the original nor the fixed file", path.display());
        }
    }
    assert!(interrupted > 0, "no run was interrupted; the kill came too late in every round");
}
