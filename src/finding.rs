//! The finding a rule reports: a rule id, where the problem sits, a message, and an optional fix.

use std::ops::Range;

use serde::Serialize;

use crate::edit::{Applicability, Fix};

/// One problem found in one file.
///
/// A finding about something missing sits on the construct that lacks it (a Dockerfile's final
/// `FROM`, a pod spec's key, an nginx block's opening line, a pg_hba record); that position is also
/// where a suppression comment is looked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule id, such as `DKR001`.
    pub rule: &'static str,
    /// Byte range in the text the rule checked.
    pub range: Range<usize>,
    /// One sentence on what is wrong, naming the construct.
    pub message: String,
    /// Further lines for the reader: what to check after applying the fix, or why no fix is offered.
    pub notes: Vec<String>,
    /// The edits that resolve the finding; `None` for report-only findings.
    pub fix: Option<Fix>,
    /// The config key whose absence kept the rule from offering a fix, such as
    /// `postgres.allowed_networks`.
    pub needs_config: Option<String>,
}

impl Finding {
    pub fn new(rule: &'static str, range: Range<usize>, message: impl Into<String>) -> Self {
        Finding { rule, range, message: message.into(), notes: Vec::new(), fix: None, needs_config: None }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Marks the finding as fixable once `key` is set in cinch.toml, and adds a note naming the key.
    pub fn needs_config(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        self.notes.push(format!("set `{key}` in cinch.toml to let cinch fix this"));
        self.needs_config = Some(key);
        self
    }

    pub fn applicability(&self) -> Option<Applicability> {
        self.fix.as_ref().map(|fix| fix.applicability)
    }
}
