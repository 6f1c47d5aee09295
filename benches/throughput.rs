//! Throughput of `cinch check` and in-memory `cinch fix --unsafe-fixes` on a generated corpus,
//! reported as a ratio against a baseline measured in the same process: walking the same tree
//! and reading and decoding every file, which is the floor any run must pay.
//!
//! Run with `cargo bench --bench throughput` (set `CINCH_BENCH_PROJECTS` to change the corpus
//! size; default 300 projects of 6 files each).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cinch::engine::FixMode;
use cinch::source::SourceFile;
use cinch::{discover, run, RunOptions};

const DOCKERFILE: &str = "FROM debian:bookworm-slim\nWORKDIR /srv/app\nCOPY . .\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\nEXPOSE 8080\nCMD [\"/srv/app/server\"]\n";

const PG_HBA: &str = "# TYPE  DATABASE  USER  ADDRESS        METHOD\nlocal   all       all                  peer\nhost    all       all   127.0.0.1/32   md5\nhost    all       all   0.0.0.0/0      password\nhost    all       all   ::/0           md5\nhost    app       app   10.1.0.0/16    trust\n";

const POSTGRESQL_CONF: &str = "listen_addresses = '*'\nport = 5432\npassword_encryption = md5\nssl = on\n";

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example.internal/web:1.0\n          ports:\n            - containerPort: 8080\n";

const NGINX: &str = "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        server_name example.org;\n        ssl_certificate /etc/ssl/a.crt;\n        ssl_certificate_key /etc/ssl/a.key;\n        ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n        location / {\n            proxy_pass http://127.0.0.1:8080;\n        }\n        location /static/ {\n            add_header Cache-Control \"public\";\n            root /srv/static;\n        }\n    }\n}\n";

const EXPRESS: &str = "const express = require('express');\nconst session = require('express-session');\nconst cors = require('cors');\n\nconst app = express();\napp.use(cors({ origin: true, credentials: true }));\napp.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }));\n\napp.get('/', (req, res) => {\n  res.cookie('theme', 'dark');\n  res.send('ok');\n});\n\napp.listen(3000);\n";

fn generate(root: &Path, projects: usize) {
    for index in 0..projects {
        let dir = root.join(format!("service-{index:04}"));
        std::fs::create_dir_all(dir.join("nginx")).unwrap();
        std::fs::create_dir_all(dir.join("db")).unwrap();
        std::fs::write(dir.join("Dockerfile"), DOCKERFILE).unwrap();
        std::fs::write(dir.join("db/pg_hba.conf"), PG_HBA).unwrap();
        std::fs::write(dir.join("db/postgresql.conf"), POSTGRESQL_CONF).unwrap();
        std::fs::write(dir.join("deployment.yaml"), DEPLOYMENT).unwrap();
        std::fs::write(dir.join("nginx/nginx.conf"), NGINX).unwrap();
        std::fs::write(dir.join("app.js"), EXPRESS).unwrap();
    }
    std::fs::write(
        root.join("cinch.toml"),
        "[postgres]\nallowed_networks = [\"10.0.0.0/8\"]\npasswords_are_scram = true\n[cors]\nallowed_origins = [\"https://app.example.com\"]\n",
    )
    .unwrap();
}

/// Walks the same tree, then reads and decodes every file: the floor that any run pays.
fn baseline(root: &Path) -> usize {
    let discovery = discover::discover(&[root.to_path_buf()], &|_| false);
    let mut bytes = 0;
    for target in &discovery.targets {
        let data = std::fs::read(&target.path).unwrap();
        let source = SourceFile::from_bytes(&target.path, &data).unwrap();
        bytes += source.text.len() + source.line_count();
    }
    bytes
}

fn cinch_run(root: &Path, mode: FixMode) -> usize {
    let options = RunOptions { paths: vec![root.to_path_buf()], mode, ..RunOptions::default() };
    let results = run(&options).unwrap();
    results.iter().map(|r| r.remaining.len() + r.fixed_findings.len()).sum()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn measure(rounds: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut samples = Vec::new();
    let mut last = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        last = std::hint::black_box(f());
        samples.push(start.elapsed());
    }
    (median(samples), last)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then a smoke run suffices.
    let full = std::env::args().any(|arg| arg == "--bench");
    let projects: usize = std::env::var("CINCH_BENCH_PROJECTS").ok().and_then(|v| v.parse().ok()).unwrap_or(if full { 300 } else { 5 });
    let rounds = if full { 7 } else { 1 };

    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().to_path_buf();
    generate(&root, projects);
    let files = projects * 6;

    // Warm the page cache and the thread pool before measuring.
    baseline(&root);
    cinch_run(&root, FixMode::None);

    let (base, _) = measure(rounds, || baseline(&root));
    let (check, findings) = measure(rounds, || cinch_run(&root, FixMode::None));
    let (fix, _) = measure(rounds, || cinch_run(&root, FixMode::Unsafe));

    let ratio = |d: Duration| d.as_secs_f64() / base.as_secs_f64();
    println!("corpus: {files} files in {projects} projects; median of {rounds} rounds; {} threads", rayon::current_num_threads());
    println!("baseline (walk, read, decode): {:>9.2} ms", base.as_secs_f64() * 1e3);
    println!("check:                         {:>9.2} ms  {:>6.1}x baseline  {findings} findings", check.as_secs_f64() * 1e3, ratio(check));
    println!("fix --unsafe-fixes (in memory):{:>9.2} ms  {:>6.1}x baseline", fix.as_secs_f64() * 1e3, ratio(fix));
    println!("check throughput: {:.0} files/s", files as f64 / check.as_secs_f64());
}
