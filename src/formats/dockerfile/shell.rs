//! A rough reading of the shell commands in `RUN`, `CMD`, `ENTRYPOINT` and entrypoint scripts:
//! enough to see which users and directories a build creates and whether a command switches user.
//! It splits on `&&`, `||`, `;`, `|`, `&` and line breaks, and removes quotes; it does not expand
//! variables or follow functions.

/// Splits `script` into simple commands, each a list of words. Comment lines are dropped.
pub fn commands(script: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();

    let finish_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };

    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for next in chars.by_ref() {
                    if next == '\'' {
                        break;
                    }
                    word.push(next);
                }
            }
            '"' => {
                in_word = true;
                while let Some(next) = chars.next() {
                    match next {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                word.push(escaped);
                            }
                        }
                        _ => word.push(next),
                    }
                }
            }
            '\\' => {
                // A backslash before a line break joins lines, and before anything else it quotes it.
                match chars.next() {
                    Some('\n') | None => {}
                    Some(escaped) => {
                        in_word = true;
                        word.push(escaped);
                    }
                }
            }
            '#' if !in_word => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        break;
                    }
                }
                finish_word(&mut word, &mut in_word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            '&' | '|' | ';' | '\n' | '(' | ')' => {
                finish_word(&mut word, &mut in_word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            c if c.is_whitespace() => finish_word(&mut word, &mut in_word, &mut words),
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    finish_word(&mut word, &mut in_word, &mut words);
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}

/// Returns the command name of `words`, skipping `exec` and leading `VAR=value`
/// assignments, as a base name (`gosu` for `/usr/local/bin/gosu`).
fn command_name(words: &[String]) -> Option<(usize, &str)> {
    let is_assignment = |word: &String| word.contains('=') && !word.starts_with('-');
    let index = words.iter().position(|word| word != "exec" && !is_assignment(word))?;
    let name = words[index].rsplit('/').next().unwrap_or(&words[index]);
    Some((index, name))
}

/// A user account that a command creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedUser {
    pub name: String,
    pub uid: Option<u32>,
    /// The primary group's id when the command shows it (directly or through a group the same
    /// build created).
    pub gid: Option<u32>,
    /// Whether `gid` is inferred from `useradd`'s habit of giving a new user's own group the
    /// user's id, rather than read from the command.
    pub gid_inferred: bool,
}

/// A group that a command creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedGroup {
    pub name: String,
    pub gid: Option<u32>,
}

/// Option parsing for `useradd`, `adduser`, `groupadd` and `addgroup`: the options that take a
/// value, and which of them carry the id and the group.
struct Syntax {
    takes_value: &'static [&'static str],
    id: &'static [&'static str],
    group: &'static [&'static str],
}

const USERADD: Syntax = Syntax {
    takes_value: &["-u", "--uid", "-g", "--gid", "-G", "--groups", "-d", "--home-dir", "--home", "-s", "--shell", "-c", "--comment", "-k", "--skel", "-K", "--key", "-e", "--expiredate", "-f", "--inactive", "-p", "--password", "-R", "--root", "-P", "--prefix", "-b", "--base-dir", "-Z", "--selinux-user"],
    id: &["-u", "--uid"],
    group: &["-g", "--gid"],
};

/// BusyBox `adduser` (`-u UID -G GROUP -h HOME -s SHELL -g GECOS -k SKEL`) and Debian's
/// `adduser` (`--uid`, `--gid`, `--ingroup`, `--home`, `--shell`, `--gecos`).
const ADDUSER: Syntax = Syntax {
    takes_value: &["-u", "--uid", "-G", "--ingroup", "--gid", "-h", "--home", "-s", "--shell", "-g", "--gecos", "-k", "--comment", "--firstuid", "--lastuid", "--add-extra-groups", "--conf"],
    id: &["-u", "--uid"],
    group: &["-G", "--ingroup", "--gid"],
};

const GROUPADD: Syntax = Syntax {
    takes_value: &["-g", "--gid", "-K", "--key", "-p", "--password", "-R", "--root", "-P", "--prefix", "-U", "--users", "--conf", "--firstgid", "--lastgid"],
    id: &["-g", "--gid"],
    group: &[],
};

/// Parsed options and operands of one command.
struct Parsed {
    id: Option<String>,
    group: Option<String>,
    operands: Vec<String>,
    flags: Vec<String>,
}

fn parse_options(args: &[String], syntax: &Syntax) -> Parsed {
    let mut parsed = Parsed { id: None, group: None, operands: Vec::new(), flags: Vec::new() };
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        index += 1;
        if !arg.starts_with('-') || arg == "-" {
            parsed.operands.push(arg.clone());
            continue;
        }
        let (option, inline) = match arg.split_once('=') {
            Some((option, value)) if arg.starts_with("--") => (option.to_string(), Some(value.to_string())),
            // `-u1000`: a short option with its value attached. The first two bytes must be one
            // ASCII option letter after the dash, or slicing there would split a character.
            _ if !arg.starts_with("--") && arg.len() > 2 && arg.is_char_boundary(2) && syntax.takes_value.contains(&&arg[..2]) => {
                (arg[..2].to_string(), Some(arg[2..].to_string()))
            }
            _ => (arg.clone(), None),
        };
        if !syntax.takes_value.contains(&option.as_str()) {
            parsed.flags.push(option);
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => {
                let value = args.get(index).cloned().unwrap_or_default();
                index += 1;
                value
            }
        };
        if syntax.id.contains(&option.as_str()) {
            parsed.id = Some(value);
        } else if syntax.group.contains(&option.as_str()) {
            parsed.group = Some(value);
        }
    }
    parsed
}

/// Finds the users and groups that `commands` create, in order.
pub fn created_accounts(commands: &[Vec<String>]) -> (Vec<CreatedUser>, Vec<CreatedGroup>) {
    let mut users: Vec<CreatedUser> = Vec::new();
    let mut groups: Vec<CreatedGroup> = Vec::new();
    for command in commands {
        let Some((index, name)) = command_name(command) else { continue };
        let args = &command[index + 1..];
        match name {
            "groupadd" | "addgroup" => {
                let parsed = parse_options(args, &GROUPADD);
                // `addgroup USER GROUP` adds an existing user to a group.
                if let [group] = parsed.operands.as_slice() {
                    groups.push(CreatedGroup { name: group.clone(), gid: parsed.id.and_then(|id| id.parse().ok()) });
                }
            }
            "useradd" | "adduser" => {
                let syntax = if name == "useradd" { &USERADD } else { &ADDUSER };
                let parsed = parse_options(args, syntax);
                // `adduser USER GROUP` adds an existing user to a group.
                let [user] = parsed.operands.as_slice() else { continue };
                let uid: Option<u32> = parsed.id.and_then(|id| id.parse().ok());
                let mut gid_inferred = false;
                let gid = match &parsed.group {
                    Some(group) => group.parse().ok().or_else(|| groups.iter().rev().find(|g| &g.name == group).and_then(|g| g.gid)),
                    None => {
                        // useradd creates a group named after the user unless `-N` is given, and
                        // shadow-utils gives it the UID as GID when that GID is free. A group of
                        // that name created earlier takes precedence.
                        let same_name = groups.iter().rev().find(|g| &g.name == user).and_then(|g| g.gid);
                        let user_group = name == "useradd" && !parsed.flags.iter().any(|f| f == "-N" || f == "--no-user-group");
                        gid_inferred = same_name.is_none() && user_group && uid.is_some();
                        same_name.or(if user_group { uid } else { None })
                    }
                };
                users.push(CreatedUser { name: user.clone(), uid, gid, gid_inferred });
            }
            _ => {}
        }
    }
    (users, groups)
}

/// Returns the directories that `mkdir` commands create.
pub fn mkdir_paths(commands: &[Vec<String>]) -> Vec<String> {
    let mut paths = Vec::new();
    for command in commands {
        let Some((index, "mkdir")) = command_name(command) else { continue };
        let mut skip_value = false;
        for arg in &command[index + 1..] {
            if skip_value {
                skip_value = false;
            } else if arg == "-m" || arg == "--mode" {
                skip_value = true;
            } else if !arg.starts_with('-') {
                paths.push(arg.clone());
            }
        }
    }
    paths
}

/// Returns the paths that `chown` or `chmod` commands change, which the notes about root-owned
/// directories leave out.
pub fn chown_paths(commands: &[Vec<String>]) -> Vec<String> {
    let mut paths = Vec::new();
    for command in commands {
        let Some((index, name)) = command_name(command) else { continue };
        if name != "chown" && name != "chmod" && name != "chgrp" {
            continue;
        }
        let operands: Vec<&String> = command[index + 1..].iter().filter(|arg| !arg.starts_with('-')).collect();
        paths.extend(operands.iter().skip(1).map(|path| path.to_string()));
    }
    paths
}

/// Returns the tool with which `commands` switch to another user, if any: `gosu`, `su-exec`,
/// `setpriv`, `runuser`, `s6-setuidgid`, `chpst -u`, `su -c` or `chroot --userspec`. All of them
/// need root to work, so the image must start as root.
pub fn privilege_drop(commands: &[Vec<String>]) -> Option<String> {
    for command in commands {
        for (index, word) in command.iter().enumerate() {
            let name = word.rsplit('/').next().unwrap_or(word);
            let rest = &command[index + 1..];
            let found = match name {
                "gosu" | "su-exec" | "setpriv" | "runuser" | "s6-setuidgid" | "setuidgid" => true,
                "chpst" => rest.iter().any(|arg| arg.starts_with("-u")),
                "su" => rest.iter().any(|arg| arg == "-c" || arg == "--command" || arg.starts_with("--command=")),
                "chroot" => rest.iter().any(|arg| arg.starts_with("--userspec")),
                _ => false,
            };
            if found {
                return Some(match name {
                    "su" => "su -c".to_string(),
                    "chroot" => "chroot --userspec".to_string(),
                    "chpst" => "chpst -u".to_string(),
                    _ => name.to_string(),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {

    #[test]
    fn multibyte_short_option_does_not_panic() {
        // Found by the pipeline fuzz target: `-ˌysN` has a two-byte character at byte 1.
        let (users, _) = created_accounts(&commands("useradd -\u{2cc}ysN app"));
        assert_eq!(users.len(), 1);
    }

    use super::*;

    fn words(script: &str) -> Vec<Vec<String>> {
        commands(script)
    }

    #[test]
    fn splitting() {
        assert_eq!(words("a 'b c' && d \"e\\\"f\" # x\ng;h"), vec![vec!["a", "b c"], vec!["d", "e\"f"], vec!["g"], vec!["h"]]);
    }

    #[test]
    fn accounts() {
        let script = "groupadd --system --gid 10001 ledger && useradd --system --uid 10001 --gid ledger --no-create-home ledger";
        let (users, groups) = created_accounts(&words(script));
        assert_eq!(groups, vec![CreatedGroup { name: "ledger".into(), gid: Some(10001) }]);
        assert_eq!(users, vec![CreatedUser { name: "ledger".into(), uid: Some(10001), gid: Some(10001), gid_inferred: false }]);

        let (users, _) = created_accounts(&words("addgroup -S -g 2000 web && adduser -S -D -H -u 2001 -G web web"));
        assert_eq!(users[0], CreatedUser { name: "web".into(), uid: Some(2001), gid: Some(2000), gid_inferred: false });

        let (users, _) = created_accounts(&words("useradd -u 4000 batch"));
        assert_eq!(users[0], CreatedUser { name: "batch".into(), uid: Some(4000), gid: Some(4000), gid_inferred: true });

        let (users, _) = created_accounts(&words("useradd --uid=3000 -N svc"));
        assert_eq!(users[0], CreatedUser { name: "svc".into(), uid: Some(3000), gid: None, gid_inferred: false });

        let (users, _) = created_accounts(&words("adduser --disabled-password --gecos '' worker"));
        assert_eq!(users[0], CreatedUser { name: "worker".into(), uid: None, gid: None, gid_inferred: false });

        let (users, groups) = created_accounts(&words("adduser worker docker && addgroup worker wheel"));
        assert!(users.is_empty());
        assert!(groups.is_empty());
    }

    #[test]
    fn directories() {
        assert_eq!(mkdir_paths(&words("mkdir -p -m 0750 /a /b && cd /a")), vec!["/a", "/b"]);
        assert_eq!(chown_paths(&words("chown -R app:app /a /b")), vec!["/a", "/b"]);
    }

    #[test]
    fn privilege_drops() {
        assert_eq!(privilege_drop(&words("exec gosu app \"$@\"")), Some("gosu".into()));
        assert_eq!(privilege_drop(&words("exec su-exec app node")), Some("su-exec".into()));
        assert_eq!(privilege_drop(&words("su app -c 'run'")), Some("su -c".into()));
        assert_eq!(privilege_drop(&words("chroot --userspec=1000:1000 / app")), Some("chroot --userspec".into()));
        assert_eq!(privilege_drop(&words("echo done")), None);
        assert_eq!(privilege_drop(&words("# gosu is not used\necho hi")), None);
    }
}
