//! DKR001 container-runs-as-root: the final stage of a Dockerfile runs as root, because neither
//! it nor a stage it is built from sets a `USER`, or because its last `USER` is root.
//!
//! A process that runs as root inside a container is root on the host as soon as it escapes the
//! container (a kernel or runtime bug, a mounted Docker socket, a privileged flag added later).
//! Kubernetes `runAsNonRoot` rejects such images, and it can only verify a numeric `USER`.
//!
//! The fix adds a `USER` to the final stage, after its last `RUN` (so that package installs and
//! other root-only build steps keep working) and before the `CMD`/`ENTRYPOINT` that follows it.
//! The user comes from what the file and its base image offer. The first choice is a user the
//! file creates, then a user the base image ships (node, .NET 8), then a non-root user the file
//! switched to earlier. Failing those, the fix creates a user with the base image's own tools, or
//! uses a bare numeric id where no such tool exists. Images that already run as non-root get no
//! finding. When the entrypoint switches user itself (gosu, su-exec, ...), it needs to start as
//! root, so the finding is only reported.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::formats::normalize_path as normalize;
use crate::edit::{Edit, Fix};
use crate::finding::Finding;
use crate::rule::{Rule, RuleContext};

use super::images::{classify, entrypoint_switches_user, Base, ImageRef};
use super::parser::{parse_arg, Dockerfile, Instruction, PieceKind, Stage};
use super::shell;

pub struct ContainerRunsAsRoot;

const ID: &str = "DKR001";

/// How many root-owned paths the notes name before summarising the rest.
const MAX_PATH_NOTES: usize = 5;

impl Rule<Dockerfile> for ContainerRunsAsRoot {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, file: &Dockerfile, ctx: &RuleContext) -> Vec<Finding> {
        let Some(final_index) = file.stages.len().checked_sub(1) else {
            return Vec::new();
        };
        let view = FileView::new(file, ctx);
        let chain = view.chain(final_index);
        let final_stage = &file.stages[final_index];

        // Decide who the container runs as.
        let (user_instruction, base) = match view.effective_user(&chain) {
            EffectiveUser::NonRoot => return Vec::new(),
            EffectiveUser::Root(index) if is_windows_administrator(&file.instructions[index].args) => (Some(index), Base::Windows),
            EffectiveUser::Root(index) => (Some(index), view.base(&chain)),
            EffectiveUser::Default(base) => match base {
                Base::AlreadyNonRoot(_) => return Vec::new(),
                base => (None, base),
            },
        };

        // An entrypoint that switches user itself must start as root, so it gets no fix.
        let switch_note = if let Some(how) = view.base_entrypoint_switch(&chain) {
            Some(format!("no fix: {how}, so a USER would break it. Suppress this finding with a reason, or set your own ENTRYPOINT and USER"))
        } else {
            view.privilege_drop(&chain).map(|(tool, place)| {
                format!(
                    "no fix: {place} switches to another user with `{tool}`, which needs to start as root, so a USER would make it fail. \
                     Suppress this finding with a reason, or drop `{tool}` and set USER"
                )
            })
        };

        let from = &file.instructions[final_stage.from];
        let from_range = from.keyword_range.start..from.args_range.end.max(from.keyword_range.end);
        let identity = if base == Base::Windows { "ContainerAdministrator" } else { "root" };
        let outcome = if switch_note.is_some() { format!("the container starts as {identity}") } else { format!("the container runs as {identity}") };
        let (range, message) = match user_instruction {
            Some(index) if final_stage.instructions.contains(&index) => {
                let instruction = &file.instructions[index];
                let value = instruction.args.trim();
                (
                    instruction.keyword_range.start..instruction.args_range.end.max(instruction.keyword_range.end),
                    format!("the final stage's last USER is `{value}`, so {outcome}"),
                )
            }
            Some(index) => {
                let value = file.instructions[index].args.trim();
                (from_range, format!("the final stage inherits `USER {value}` from the stage it is built from, so {outcome}"))
            }
            None => {
                let subject = if chain.len() > 1 { "the final stage and the stages it is built from set" } else { "the final stage sets" };
                (from_range, format!("{subject} no USER, so {outcome}"))
            }
        };
        let mut finding = Finding::new(ID, range, message);
        if let Some(note) = switch_note {
            return vec![finding.with_note(note)];
        }

        // `USER $UID:$GID` with `ARG UID=0`: the defaults are what needs changing, not the line.
        if let Some(index) = user_instruction {
            let value = file.instructions[index].args.trim();
            if value.contains('$') {
                return vec![finding.with_note(format!(
                    "no fix: `USER {value}` is root through the default values of its build arguments; give them non-root defaults \
                     (for example {}:{}) or pass non-root values with --build-arg",
                    ctx.settings.user.uid, ctx.settings.user.gid
                ))];
            }
        }

        let plan = view.plan_user(&chain, &base);
        let Some(edits) = view.edits(final_stage, user_instruction, &plan) else {
            // The plan's notes describe a fix that is not offered, so they are left out.
            return vec![finding.with_note(format!(
                "no fix: the file ends inside a line continuation, so an added `USER {}` would join the last instruction; remove the trailing `{}`",
                plan.user, file.escape
            ))];
        };
        for note in &plan.notes {
            finding = finding.with_note(note.clone());
        }
        // The notes below read Linux paths, and Windows paths and ACLs work differently.
        if base != Base::Windows {
            for note in view.ownership_notes(&chain) {
                finding = finding.with_note(note);
            }
        }
        if let Some(note) = view.low_port_note(&chain) {
            finding = finding.with_note(note);
        }
        vec![finding.with_fix(Fix::review(edits))]
    }
}

/// The identity the final stage runs as.
enum EffectiveUser {
    /// The last `USER` in the chain names a non-root user (or one cinch cannot resolve).
    NonRoot,
    /// The last `USER` in the chain, at this instruction index, is root.
    Root(usize),
    /// No stage of the chain sets `USER`, so the base image's default applies.
    Default(Base),
}

/// The user the fix switches to.
struct UserPlan {
    /// The value of the new `USER` instruction.
    user: String,
    /// The arguments of a `RUN` that creates the user, one string per continuation line.
    create: Option<Vec<String>>,
    notes: Vec<String>,
}

/// Build arguments and environment variables by name, with their values when known.
type Variables = HashMap<String, Option<String>>;

/// The parsed file together with what the rule needs to look up in it. One view serves the
/// final stage's chain, which every `chain` argument of its methods is.
struct FileView<'a> {
    file: &'a Dockerfile,
    ctx: &'a RuleContext<'a>,
    /// The global `ARG`s, which `FROM` lines may use.
    global: Variables,
    /// The global `ARG`s and the chain's `ARG` and `ENV` values, computed on first use.
    chain_variables: OnceCell<Variables>,
}

impl<'a> FileView<'a> {
    fn new(file: &'a Dockerfile, ctx: &'a RuleContext<'a>) -> Self {
        let global = file.global_args.iter().cloned().collect();
        FileView { file, ctx, global, chain_variables: OnceCell::new() }
    }

    /// Returns the stage indexes from `stage` back through the stages it is built `FROM`.
    fn chain(&self, stage: usize) -> Vec<usize> {
        let mut chain = vec![stage];
        let mut current = stage;
        while let Some(parent) = self.parent_stage(current) {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
    }

    /// Returns the earlier stage that `stage` is built from, if its image names one.
    fn parent_stage(&self, stage: usize) -> Option<usize> {
        let image = self.resolved_image(&self.file.stages[stage])?.to_ascii_lowercase();
        self.file.stages[..stage].iter().rposition(|earlier| earlier.name.as_deref() == Some(image.as_str()))
    }

    /// Returns the first stage of `chain`, the one built on an external image.
    fn root_stage(&self, chain: &[usize]) -> &'a Stage {
        let root = chain.last().copied().unwrap_or_default();
        &self.file.stages[root]
    }

    /// Returns the stage's image with global `ARG` defaults substituted, or `None` when an
    /// argument has no default.
    fn resolved_image(&self, stage: &Stage) -> Option<String> {
        substitute(&stage.image, &self.global)
    }

    /// Returns what the external image at the root of `chain` offers. An image cinch does not
    /// know counts as Windows when the file reads like a Windows build.
    fn base(&self, chain: &[usize]) -> Base {
        let root = self.root_stage(chain);
        let base = match self.resolved_image(root) {
            Some(image) => classify(&ImageRef::parse(&image)),
            None => Base::Unknown,
        };
        if base == Base::Unknown && self.looks_like_windows(chain) {
            return Base::Windows;
        }
        base
    }

    /// Checks for signs of a Windows build: the backtick escape that Windows Dockerfiles use so
    /// that `\` can separate paths, a PowerShell or cmd `SHELL`, or a `WORKDIR` on a drive.
    fn looks_like_windows(&self, chain: &[usize]) -> bool {
        if self.file.escape == '`' {
            return true;
        }
        self.chain_instructions(chain).iter().any(|instruction| {
            let args = instruction.args.to_ascii_lowercase();
            match instruction.keyword.as_str() {
                "SHELL" => args.contains("powershell") || args.contains("pwsh") || args.contains("cmd"),
                "WORKDIR" => args.as_bytes().get(1) == Some(&b':') && args.as_bytes()[0].is_ascii_alphabetic(),
                _ => false,
            }
        })
    }

    /// Instructions of the chain in build order: the root stage's first, the final stage's last.
    fn chain_instructions(&self, chain: &[usize]) -> Vec<&'a Instruction> {
        chain
            .iter()
            .rev()
            .flat_map(|&stage| self.file.stages[stage].instructions.iter().map(|&index| &self.file.instructions[index]))
            .collect()
    }

    fn effective_user(&self, chain: &[usize]) -> EffectiveUser {
        let base = self.base(chain);
        for &stage in chain {
            let last_user = self.file.stages[stage].instructions.iter().rev().find(|&&index| self.file.instructions[index].keyword == "USER");
            if let Some(&index) = last_user {
                let value = self.expand(&self.file.instructions[index].args, chain);
                return if is_root(&value) { EffectiveUser::Root(index) } else { EffectiveUser::NonRoot };
            }
        }
        EffectiveUser::Default(base)
    }

    /// Substitutes variables from the chain's `ARG` and `ENV` defaults and the global `ARG`s.
    /// Unknown variables are left as written.
    fn expand(&self, value: &str, chain: &[usize]) -> String {
        let variables = self.chain_variables.get_or_init(|| {
            let mut variables = self.global.clone();
            for instruction in self.chain_instructions(chain) {
                if instruction.keyword != "ARG" && instruction.keyword != "ENV" {
                    continue;
                }
                for (name, value) in parse_arg(&instruction.args) {
                    // `ARG NAME` inside a stage takes the default of the global `ARG NAME`.
                    let value = match value {
                        None if instruction.keyword == "ARG" => self.global.get(&name).cloned().flatten(),
                        value => value,
                    };
                    variables.insert(name, value);
                }
            }
            variables
        });
        substitute(value, variables).unwrap_or_else(|| value.to_string())
    }

    /// Returns the tool with which the effective `ENTRYPOINT`/`CMD`, or a script it runs,
    /// switches user, and a description of where it was found.
    fn privilege_drop(&self, chain: &[usize]) -> Option<(String, String)> {
        let instructions = self.chain_instructions(chain);
        let last_of = |keyword: &str| instructions.iter().rev().find(|instruction| instruction.keyword == keyword).copied();
        for instruction in [last_of("ENTRYPOINT"), last_of("CMD")].into_iter().flatten() {
            let words: Vec<String> = match instruction.json_args() {
                Some(words) => words,
                None => shell::commands(&instruction.args).concat(),
            };
            let commands = match instruction.json_args() {
                Some(words) => words.iter().flat_map(|word| shell::commands(word)).chain([words.clone()]).collect(),
                None => shell::commands(&instruction.args),
            };
            if let Some(tool) = shell::privilege_drop(&commands) {
                return Some((tool, format!("the {}", instruction.keyword)));
            }
            for word in &words {
                let Some((script_path, script)) = self.copied_script(word, &instructions) else { continue };
                if let Some(tool) = shell::privilege_drop(&shell::commands(script)) {
                    return Some((tool, format!("the {} script `{}`", instruction.keyword, script_path.display())));
                }
            }
        }
        None
    }

    /// Returns how the base image's own entrypoint switches user, when the chain keeps that
    /// entrypoint (sets no `ENTRYPOINT`) and the image is one whose entrypoint does.
    fn base_entrypoint_switch(&self, chain: &[usize]) -> Option<&'static str> {
        if self.chain_instructions(chain).iter().any(|instruction| instruction.keyword == "ENTRYPOINT") {
            return None;
        }
        let root = self.root_stage(chain);
        entrypoint_switches_user(&ImageRef::parse(&self.resolved_image(root)?))
    }

    /// Finds the project file that a `COPY`/`ADD` put at the path `command` names, and returns
    /// its path and text. The build context is taken to be the Dockerfile's directory.
    fn copied_script(&self, command: &str, instructions: &[&Instruction]) -> Option<(PathBuf, &'a str)> {
        if command.starts_with('-') || command.is_empty() {
            return None;
        }
        let command_name = command.rsplit('/').next()?;
        let dockerfile_dir = self.ctx.path.parent().unwrap_or(Path::new(""));
        let mut workdir = String::from("/");
        for instruction in instructions {
            if instruction.keyword == "WORKDIR" {
                workdir = join_container_path(&workdir, instruction.args.trim());
                continue;
            }
            if !matches!(instruction.keyword.as_str(), "COPY" | "ADD") || instruction.flag("from").is_some() {
                continue;
            }
            let Some((sources, destination)) = copy_operands(instruction) else { continue };
            let destination = join_container_path(&workdir, &destination);
            for source in &sources {
                let source_name = source.trim_end_matches('/').rsplit('/').next().unwrap_or(source);
                let candidates = [
                    (format!("{}/{}", destination.trim_end_matches('/'), source_name), source.clone()),
                    (destination.clone(), source.clone()),
                    (format!("{}/{}", destination.trim_end_matches('/'), command_name), format!("{}/{}", source.trim_end_matches('/'), command_name)),
                ];
                for (in_image, in_context) in candidates {
                    let matches = if command.contains('/') {
                        join_container_path(&workdir, command) == in_image
                    } else {
                        in_image.rsplit('/').next() == Some(command_name)
                    };
                    if !matches {
                        continue;
                    }
                    let path = normalize(&dockerfile_dir.join(&in_context));
                    if let Some(text) = self.project_text(&path) {
                        return Some((path, text));
                    }
                }
            }
        }
        None
    }

    /// Returns the text of the project file at `path`, comparing paths without `.` components.
    fn project_text(&self, path: &Path) -> Option<&'a str> {
        if let Some(source) = self.ctx.project.source(path) {
            return Some(source.text.as_str());
        }
        self.ctx.project.files().find(|(candidate, _)| normalize(candidate) == path).map(|(_, file)| file.source.text.as_str())
    }

    /// Chooses the user for the fix.
    fn plan_user(&self, chain: &[usize], base: &Base) -> UserPlan {
        let settings = &self.ctx.settings.user;
        let mut notes = Vec::new();
        let instructions = self.chain_instructions(chain);

        // A user that the file itself creates.
        let run_commands: Vec<Vec<String>> = instructions.iter().filter(|i| i.keyword == "RUN").flat_map(|i| self.run_commands(i, chain)).collect();
        let (users, _) = shell::created_accounts(&run_commands);
        if let Some(user) = users.last() {
            let value = match (user.uid, user.gid) {
                (Some(uid), Some(gid)) => {
                    notes.push(format!("`{}` ({uid}:{gid}) is the user the file creates", user.name));
                    if user.gid_inferred {
                        notes.push(format!(
                            "the file does not give the group id of `{}`; useradd gives the user's own group the user's id when that id is free, so check that it is {gid}",
                            user.name
                        ));
                    }
                    format!("{uid}:{gid}")
                }
                (Some(uid), None) => {
                    notes.push(format!("`USER {uid}` takes the primary group of `{}` from /etc/passwd", user.name));
                    uid.to_string()
                }
                (None, _) => {
                    notes.push(format!(
                        "the file creates `{}` without a numeric id, so USER names it; give it one (`-u`/`--uid`) and use `USER uid:gid` so that Kubernetes `runAsNonRoot` can verify it",
                        user.name
                    ));
                    user.name.clone()
                }
            };
            return UserPlan { user: value, create: None, notes };
        }

        // A user the base image ships, or a base image without the tools to create one.
        let numeric = format!("{}:{}", settings.uid, settings.gid);
        match base {
            Base::ShipsUser { user, description } => {
                notes.push(description.to_string());
                return UserPlan { user: user.to_string(), create: None, notes };
            }
            Base::Windows => {
                notes.push("Windows images run as `ContainerAdministrator` by default; `ContainerUser` is their unprivileged account".to_string());
                return UserPlan { user: "ContainerUser".to_string(), create: None, notes };
            }
            _ => {}
        }

        // A non-root user the file switched to earlier, which must exist in the image.
        let earlier = instructions
            .iter()
            .rev()
            .filter(|i| i.keyword == "USER")
            .map(|i| i.args.trim().to_string())
            .find(|value| !is_root(&self.expand(value, chain)));
        if let Some(value) = earlier {
            notes.push(format!("`{value}` is the non-root user an earlier USER switches to"));
            return UserPlan { user: value, create: None, notes };
        }

        let name = &settings.name;
        let (uid, gid) = (settings.uid, settings.gid);
        match base {
            Base::Useradd { distro } => {
                if *distro == "Ubuntu" && (uid == 1000 || gid == 1000) {
                    notes.push("Ubuntu 23.04 and later images already have the user `ubuntu` with UID and GID 1000; choose another `user.uid`/`user.gid`".to_string());
                }
                notes.push(format!("the new RUN creates the user `{name}` ({uid}:{gid}) with the base image's `groupadd` and `useradd`"));
                let create = vec![
                    format!("groupadd --system --gid {gid} {name}"),
                    format!("&& useradd --system --uid {uid} --gid {name} --no-create-home {name}"),
                ];
                UserPlan { user: numeric, create: Some(create), notes }
            }
            Base::Alpine => {
                notes.push(format!("the new RUN creates the user `{name}` ({uid}:{gid}) with BusyBox `addgroup` and `adduser`"));
                let create = vec![format!("addgroup -S -g {gid} {name}"), format!("&& adduser -S -D -H -u {uid} -G {name} {name}")];
                UserPlan { user: numeric, create: Some(create), notes }
            }
            Base::Distroless => {
                notes.push("distroless images have the user `nonroot` (65532:65532) in /etc/passwd".to_string());
                UserPlan { user: "65532:65532".to_string(), create: None, notes }
            }
            Base::Scratch => {
                notes.push("`scratch` has no /etc/passwd; a numeric UID and GID work without one".to_string());
                UserPlan { user: numeric, create: None, notes }
            }
            Base::NoUserTools(why) => {
                notes.push(format!("{why}; a numeric UID and GID work without a /etc/passwd entry"));
                UserPlan { user: numeric, create: None, notes }
            }
            _ => {
                let root = self.root_stage(chain);
                let image = &root.image;
                if self.resolved_image(root).is_none() {
                    notes.push(format!(
                        "the base image `{image}` comes from a build argument without a default, so cinch cannot tell what it offers; the numeric UID and GID need no /etc/passwd entry"
                    ));
                } else {
                    notes.push(format!(
                        "cinch does not know the base image `{image}`: if it already runs as a non-root user, suppress this finding; the numeric UID and GID need no /etc/passwd entry"
                    ));
                }
                UserPlan { user: numeric, create: None, notes }
            }
        }
    }

    /// Returns the shell commands of a `RUN`, including the bodies of its heredocs, with the
    /// variables that the chain's `ARG` and `ENV` defaults give a value substituted.
    fn run_commands(&self, instruction: &Instruction, chain: &[usize]) -> Vec<Vec<String>> {
        let text = match instruction.json_args() {
            Some(words) => words.join(" "),
            None => without_flags(&instruction.args).to_string(),
        };
        let mut commands = shell::commands(&text);
        for heredoc in &instruction.heredocs {
            commands.extend(shell::commands(&self.file.text[heredoc.body.clone()]));
        }
        for word in commands.iter_mut().flatten() {
            if word.contains('$') {
                *word = self.expand(word, chain);
            }
        }
        commands
    }

    /// Returns notes on directories that root owns and the application may need to write to:
    /// created by `WORKDIR` or `mkdir`, declared by `VOLUME`, or filled by `COPY`/`ADD` without
    /// `--chown`.
    fn ownership_notes(&self, chain: &[usize]) -> Vec<String> {
        let mut found: Vec<(String, &'static str)> = Vec::new();
        let mut changed: Vec<String> = Vec::new();
        let mut workdir = String::from("/");
        // RUN creates files as the current USER; COPY and ADD create them as root unless
        // `--chown` sets another owner, whatever the USER.
        let mut running_as_root = true;
        for instruction in self.chain_instructions(chain) {
            match instruction.keyword.as_str() {
                "USER" => running_as_root = is_root(&self.expand(&instruction.args, chain)),
                "RUN" if !running_as_root => {}
                "WORKDIR" => {
                    workdir = join_container_path(&workdir, instruction.args.trim());
                    found.push((workdir.clone(), "is created by WORKDIR as root"));
                }
                "RUN" => {
                    let commands = self.run_commands(instruction, chain);
                    for path in shell::mkdir_paths(&commands) {
                        found.push((join_container_path(&workdir, &path), "is created by RUN as root"));
                    }
                    changed.extend(shell::chown_paths(&commands).iter().map(|path| join_container_path(&workdir, path)));
                }
                "VOLUME" => {
                    let paths = instruction.json_args().unwrap_or_else(|| instruction.args.split_whitespace().map(str::to_string).collect());
                    for path in paths {
                        found.push((join_container_path(&workdir, &path), "is a VOLUME that root owns unless the image gives it another owner"));
                    }
                }
                "COPY" | "ADD" => {
                    if instruction.flag("chown").is_some() {
                        continue;
                    }
                    let Some((sources, destination)) = copy_operands(instruction) else { continue };
                    let is_directory = destination.ends_with('/') || destination == "." || sources.len() > 1;
                    if is_directory {
                        found.push((join_container_path(&workdir, &destination), "receives files copied without --chown, so root owns them"));
                    }
                }
                _ => {}
            }
        }

        let mut notes: Vec<String> = Vec::new();
        let mut named: Vec<String> = Vec::new();
        for (path, how) in found {
            let system = ["/", "/tmp", "/usr", "/bin", "/sbin", "/lib", "/etc"].iter().any(|dir| path == *dir)
                || ["/usr/", "/bin/", "/sbin/", "/lib/", "/etc/"].iter().any(|dir| path.starts_with(dir));
            let made_writable = changed.iter().any(|changed| path == *changed || path.starts_with(&format!("{}/", changed.trim_end_matches('/'))));
            if system || made_writable || named.contains(&path) || path.contains('$') {
                continue;
            }
            named.push(path.clone());
            notes.push(format!("`{path}` {how}; the app may not be able to write to it"));
        }
        if notes.len() > MAX_PATH_NOTES {
            let more = notes.len() - MAX_PATH_NOTES;
            notes.truncate(MAX_PATH_NOTES);
            notes.push(format!("{more} more root-owned paths are created or copied in the stage"));
        }
        notes
    }

    /// Returns a note on `EXPOSE`d ports below 1024, if there are any.
    fn low_port_note(&self, chain: &[usize]) -> Option<String> {
        let mut low: Vec<u32> = Vec::new();
        for instruction in self.chain_instructions(chain).into_iter().filter(|i| i.keyword == "EXPOSE") {
            for word in instruction.args.split_whitespace() {
                let port = word.split('/').next().unwrap_or(word).split('-').next().unwrap_or(word);
                if let Ok(port) = port.parse::<u32>() {
                    if port < 1024 && !low.contains(&port) {
                        low.push(port);
                    }
                }
            }
        }
        if low.is_empty() {
            return None;
        }
        let ports: Vec<String> = low.iter().map(u32::to_string).collect();
        let (noun, pronoun) = if low.len() == 1 { ("port", "it") } else { ("ports", "them") };
        Some(format!(
            "the image exposes {noun} {} below 1024: Docker 20.10 and later let any user bind {pronoun} inside the container, \
             but Kubernetes on CRI-O or on containerd before 2.0, and host networking, do not; move the app to a port above 1023 or grant it CAP_NET_BIND_SERVICE",
            ports.join(", ")
        ))
    }

    /// Builds the edits: a `USER` (after a `RUN` that creates the user, when needed) at the
    /// placement point, or a replaced root `USER` value.
    /// Returns `None` when the lines would have to go after an instruction whose continuation
    /// runs to the end of the file.
    fn edits(&self, stage: &Stage, root_user: Option<usize>, plan: &UserPlan) -> Option<Vec<Edit>> {
        let instructions = &self.file.instructions;
        let last_run = stage.instructions.iter().rposition(|&index| instructions[index].keyword == "RUN");
        let after_run = last_run.map_or(0, |position| position + 1);
        let command = stage.instructions[after_run..]
            .iter()
            .copied()
            .find(|&index| matches!(instructions[index].keyword.as_str(), "CMD" | "ENTRYPOINT"));

        // A root USER with no RUN after it and no user to create: replace its value.
        if let Some(index) = root_user {
            let user = &instructions[index];
            let position = stage.instructions.iter().position(|&i| i == index);
            let after_last_run = position.is_some_and(|position| last_run.is_none_or(|run| position > run));
            let single_line = !self.file.text[user.args_range.clone()].contains('\n');
            if after_last_run && plan.create.is_none() && single_line && !user.args_range.is_empty() {
                return Some(vec![Edit::replace(user.args_range.clone(), plan.user.clone())]);
            }
        }

        // Where the new lines go, and which instruction's indentation and keyword case they copy.
        let (mut offset, anchor) = match command {
            Some(index) => (self.start_with_comments(index), index),
            None => {
                let last = *stage.instructions.last().unwrap_or(&stage.from);
                (instructions[last].range.end, last)
            }
        };
        if let Some(index) = root_user {
            // A root USER after the placement point would undo the new USER.
            if instructions[index].range.start >= offset {
                offset = instructions[index].range.end;
            }
        }

        let text = &self.file.text;
        let newline = match text.find('\n') {
            Some(at) if at > 0 && text.as_bytes()[at - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        let anchor_instruction = &instructions[anchor];
        let line_start = text[..anchor_instruction.keyword_range.start].rfind('\n').map_or(0, |at| at + 1);
        let indent: String = text[line_start..anchor_instruction.keyword_range.start].chars().filter(|c| *c == ' ' || *c == '\t').collect();
        let keyword_text = &text[anchor_instruction.keyword_range.clone()];
        let lowercase = keyword_text.chars().all(|c| c.is_ascii_lowercase());
        let keyword = |name: &str| if lowercase { name.to_ascii_lowercase() } else { name.to_string() };

        let mut lines = Vec::new();
        if let Some(create) = &plan.create {
            let escape = self.file.escape;
            let continuation = self.continuation_indent();
            let mut run = format!("{indent}{} {}", keyword("RUN"), create[0]);
            for part in &create[1..] {
                run.push_str(&format!(" {escape}{newline}{indent}{continuation}{part}"));
            }
            lines.push(run);
        }
        lines.push(format!("{indent}{} {}", keyword("USER"), plan.user));

        let continues_to_end = instructions.iter().any(|instruction| instruction.open_continuation && instruction.range.end == offset);
        if continues_to_end {
            return None;
        }

        let at_end_without_newline = offset == text.len() && !text.is_empty() && !text.ends_with('\n');
        let insertion = if at_end_without_newline {
            format!("{newline}{}", lines.join(newline))
        } else {
            format!("{}{newline}", lines.join(newline))
        };
        Some(vec![Edit::insert(offset, insertion)])
    }

    /// Returns the indentation the file gives continuation lines, relative to their
    /// instruction: that of the first continuation line in the file, or four spaces.
    fn continuation_indent(&self) -> String {
        let text = &self.file.text;
        for instruction in &self.file.instructions {
            let body = &text[instruction.keyword_range.start..instruction.args_range.end.max(instruction.keyword_range.end)];
            let Some(break_at) = body.find('\n') else { continue };
            let next_line = &body[break_at + 1..];
            let indent: String = next_line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            if !indent.is_empty() && !next_line.trim().is_empty() && !next_line.trim_start().starts_with('#') {
                return indent;
            }
        }
        "    ".to_string()
    }

    /// Returns the start of the line of instruction `index`, moved up over the comment lines
    /// directly above it, which usually describe it.
    fn start_with_comments(&self, index: usize) -> usize {
        let pieces = &self.file.pieces;
        let Some(mut position) = pieces.iter().position(|piece| piece.kind == PieceKind::Instruction(index)) else {
            return self.file.instructions[index].range.start;
        };
        while position > 0 && pieces[position - 1].kind == PieceKind::Comment {
            position -= 1;
        }
        pieces[position].range.start
    }
}

/// Checks whether a `USER` value names root: `root` or UID 0, with any group (`root:root`, `0:0`,
/// `root:0`). The Windows administrator account `ContainerAdministrator` counts too.
fn is_root(value: &str) -> bool {
    let user = value.trim().split(':').next().unwrap_or("");
    is_windows_administrator(value) || user == "root" || (!user.is_empty() && user.chars().all(|c| c == '0'))
}

/// Checks whether a `USER` value names the Windows administrator account, which no Linux image
/// has, so it marks a Windows image whatever its name.
fn is_windows_administrator(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("ContainerAdministrator")
}

/// Substitutes `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alternative}` from
/// `variables`. Returns `None` when a variable has no value and no default.
fn substitute(value: &str, variables: &Variables) -> Option<String> {
    let lookup = |name: &str| variables.get(name).cloned().flatten();
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let close = inner.find('}')?;
            let expression = &inner[..close];
            let resolved = if let Some((name, default)) = expression.split_once(":-") {
                lookup(name).filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string())
            } else if let Some((name, alternative)) = expression.split_once(":+") {
                if lookup(name).is_some_and(|v| !v.is_empty()) { alternative.to_string() } else { String::new() }
            } else {
                lookup(expression)?
            };
            out.push_str(&resolved);
            rest = &inner[close + 1..];
        } else {
            let len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            if len == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            out.push_str(&lookup(&after[..len])?);
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Returns the sources and the destination of a `COPY`/`ADD`, in JSON or shell form. Heredoc
/// sources are left out.
fn copy_operands(instruction: &Instruction) -> Option<(Vec<String>, String)> {
    let mut operands = match instruction.json_args() {
        Some(words) => words,
        None => instruction.flags_and_words().1,
    };
    let destination = operands.pop()?;
    operands.retain(|source| !source.starts_with("<<"));
    Some((operands, destination))
}

/// Returns `args` without its leading `--flag=value` words (`RUN --mount=type=cache,... cmd`).
fn without_flags(args: &str) -> &str {
    let mut rest = args.trim_start();
    while rest.starts_with("--") {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest
}

/// Resolves `path` against the working directory `base` inside the image.
fn join_container_path(base: &str, path: &str) -> String {
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{}/{}", base.trim_end_matches('/'), path) };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_values() {
        for value in ["root", "0", "root:root", "0:0", "root:0", "0:app", "000"] {
            assert!(is_root(value), "{value}");
        }
        for value in ["app", "10001:10001", "$APP_UID", "rooty", "1000:0"] {
            assert!(!is_root(value), "{value}");
        }
        assert!(is_root("ContainerAdministrator"));
    }

    #[test]
    fn substitution() {
        let known: Variables = [("BASE".to_string(), Some("node:20".to_string())), ("EMPTY".to_string(), None)].into_iter().collect();
        assert_eq!(substitute("${BASE}", &known).as_deref(), Some("node:20"));
        assert_eq!(substitute("$BASE-x", &known).as_deref(), Some("node:20-x"));
        assert_eq!(substitute("${EMPTY:-alpine}", &known).as_deref(), Some("alpine"));
        assert_eq!(substitute("${EMPTY}", &known), None);
        assert_eq!(substitute("${OPEN", &known), None);
        assert_eq!(substitute("a$", &known).as_deref(), Some("a$"));
    }

    #[test]
    fn container_paths() {
        assert_eq!(join_container_path("/srv", "data/"), "/srv/data");
        assert_eq!(join_container_path("/srv", "/opt/x"), "/opt/x");
        assert_eq!(join_container_path("/srv/a", "../b"), "/srv/b");
        assert_eq!(normalize(Path::new("./a/../b/./c")), PathBuf::from("b/c"));
        assert_eq!(without_flags("--mount=type=cache,target=/c --network=none mkdir /a"), "mkdir /a");
    }
}
