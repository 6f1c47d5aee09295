//! The `cinch` command: argument parsing and exit codes. The work happens in `cinch::cli`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use cinch::cli::{self, CheckArgs, OutputFormat};

#[derive(Parser)]
#[command(name = "cinch", version, about = "Find insecure defaults in configuration and application code, and fix them without touching any other byte")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report findings; exit 1 if any remain, 0 if none, 2 on error.
    Check {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Apply safe fixes in place (review-level fixes too with --unsafe-fixes).
    Fix {
        #[command(flatten)]
        common: CommonArgs,
        /// Print a unified diff that `git apply` accepts, and write nothing; exit 1 when it is not empty.
        #[arg(long)]
        diff: bool,
        /// Replace files that have other hard links (the other names keep the old content).
        #[arg(long)]
        allow_hardlinks: bool,
    },
    /// List every rule: id, format, fix safety and summary.
    Rules {
        /// Print the README's Markdown table instead of plain text.
        #[arg(long)]
        markdown: bool,
    },
    /// Print a rule's documentation.
    Explain {
        /// A rule id such as DKR001, or its name such as container-runs-as-root.
        rule: String,
    },
}

#[derive(Args)]
struct CommonArgs {
    /// Files and directories to check; the current directory when none is given, `-` for standard input.
    paths: Vec<PathBuf>,
    /// Also apply (with `fix`) or count as fixable (with `check`) fixes that can change behaviour and need review.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Rule ids or prefixes to run, comma-separated (for example `DKR,PGH001`); replaces the config's selection.
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Rule ids or prefixes to skip, comma-separated; added to the config's ignore list.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    output_format: FormatArg,
    /// Exit 0 even when findings remain; errors still exit 2.
    #[arg(long)]
    exit_zero: bool,
    /// Config file to use for every path, in place of the nearest cinch.toml above each path.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The file name that standard input stands for; it decides the format (for example `Dockerfile`).
    #[arg(long)]
    stdin_filename: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Concise,
    Json,
    Sarif,
    Github,
}

impl CommonArgs {
    fn into_check_args(self) -> CheckArgs {
        CheckArgs {
            paths: self.paths,
            unsafe_fixes: self.unsafe_fixes,
            select: self.select,
            ignore: self.ignore,
            output_format: match self.output_format {
                FormatArg::Text => OutputFormat::Text,
                FormatArg::Concise => OutputFormat::Concise,
                FormatArg::Json => OutputFormat::Json,
                FormatArg::Sarif => OutputFormat::Sarif,
                FormatArg::Github => OutputFormat::Github,
            },
            exit_zero: self.exit_zero,
            config: self.config,
            stdin_filename: self.stdin_filename,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check { common } => cli::check(common.into_check_args()),
        Command::Fix { common, diff, allow_hardlinks } => cli::fix(common.into_check_args(), diff, allow_hardlinks),
        Command::Rules { markdown } => cli::rules(markdown),
        Command::Explain { rule } => cli::explain(&rule),
    };
    ExitCode::from(code)
}
