//! The edit model: byte-range replacements on the original text, grouped into fixes that carry
//! a safety level. No code here depends on a file format.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

/// One replacement of a byte range of the original text. An insertion has an empty range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

impl Edit {
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit { range: at..at, replacement: text.into() }
    }

    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Edit { range, replacement: text.into() }
    }

    pub fn delete(range: Range<usize>) -> Self {
        Edit { range, replacement: String::new() }
    }

    pub fn is_insertion(&self) -> bool {
        self.range.is_empty()
    }

    /// Returns true when two edits cannot both be applied in one pass: their ranges intersect, an insertion
    /// falls strictly inside the other's range, or both insert at the same offset (their order
    /// would then depend on which fix came first).
    pub fn overlaps(&self, other: &Edit) -> bool {
        let (a, b) = (&self.range, &other.range);
        match (a.is_empty(), b.is_empty()) {
            (true, true) => a.start == b.start,
            (true, false) => b.start < a.start && a.start < b.end,
            (false, true) => a.start < b.start && b.start < a.end,
            (false, false) => a.start < b.end && b.start < a.end,
        }
    }
}

/// How much a fix can change what the file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the behaviour users rely on; applied by `cinch fix`.
    Safe,
    /// Can change behaviour (another runtime user, a narrower CORS policy, a read-only root
    /// filesystem); applied only with `--unsafe-fixes` and always listed as needing review.
    Review,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Review => "review",
        }
    }
}

/// The edits that resolve one finding. They are applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

impl Fix {
    pub fn safe(edits: Vec<Edit>) -> Self {
        Fix::new(edits, Applicability::Safe)
    }

    pub fn review(edits: Vec<Edit>) -> Self {
        Fix::new(edits, Applicability::Review)
    }

    /// Builds a fix with its edits sorted by start offset; insertions keep their given order.
    pub fn new(mut edits: Vec<Edit>, applicability: Applicability) -> Self {
        edits.sort_by_key(|edit| (edit.range.start, edit.range.end));
        Fix { edits, applicability }
    }

    /// Returns the offset of the first edit, which orders fixes in a pass.
    pub fn start(&self) -> usize {
        self.edits.iter().map(|edit| edit.range.start).min().unwrap_or(0)
    }
}

/// Applies non-overlapping `edits` to `text`. Edits must be sorted by start offset and must not
/// overlap; insertions at one offset are applied in the given order.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut output = String::with_capacity(text.len() + edits.iter().map(|e| e.replacement.len()).sum::<usize>());
    let mut copied_up_to = 0;
    for edit in edits {
        debug_assert!(edit.range.start >= copied_up_to, "edits overlap or are unsorted");
        output.push_str(&text[copied_up_to..edit.range.start]);
        output.push_str(&edit.replacement);
        copied_up_to = edit.range.end;
    }
    output.push_str(&text[copied_up_to..]);
    output
}

/// The outcome of choosing which fixes go into one pass.
#[derive(Debug, Default)]
pub struct PassPlan {
    /// Edits to apply, sorted by start offset, duplicates removed.
    pub edits: Vec<Edit>,
    /// Indexes (into the input slice) of the fixes applied in this pass.
    pub applied: Vec<usize>,
    /// Indexes of fixes left for a later pass because they overlap an applied one.
    pub deferred: Vec<usize>,
}

/// Chooses the fixes of one pass. `fixes` pairs each fix with its rule's position in the catalog.
/// Fixes are taken in order of their first edit, ties broken by catalog position. A fix that
/// overlaps an edit already taken waits for the next pass. An edit identical to one already taken
/// counts as applied, so two rules asking for the same text get it once.
pub fn plan_pass(text: &str, fixes: &[(usize, &Fix)]) -> PassPlan {
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&i| (fixes[i].1.start(), fixes[i].0, i));

    // Taken edits by start offset. They never overlap one another, so an edit can only conflict
    // with the last one starting at or before its start, or with those starting inside it. That
    // keeps a pass over many fixes close to linear.
    let mut taken: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
    let mut plan = PassPlan::default();
    for index in order {
        let fix = fixes[index].1;
        if fix.edits.iter().any(|e| e.range.end > text.len() || e.range.start > e.range.end
            || !text.is_char_boundary(e.range.start) || !text.is_char_boundary(e.range.end))
        {
            // A rule produced an edit outside the text; treat it as conflicting so it never lands.
            plan.deferred.push(index);
            continue;
        }
        let fresh: Vec<&Edit> = fix.edits.iter().filter(|e| !taken.get(&e.range.start).is_some_and(|list| list.contains(e))).collect();
        if fresh.iter().any(|e| conflicts(&taken, e)) {
            plan.deferred.push(index);
            continue;
        }
        for edit in fresh {
            taken.entry(edit.range.start).or_default().push(edit.clone());
        }
        plan.applied.push(index);
    }
    // Within one start offset, edits keep the order their fixes were taken in.
    plan.edits = taken.into_values().flatten().collect();
    plan.edits.sort_by_key(|edit| (edit.range.start, edit.range.end));
    plan
}

/// Returns true when `edit` overlaps an edit in `taken` (keyed by start offset).
fn conflicts(taken: &BTreeMap<usize, Vec<Edit>>, edit: &Edit) -> bool {
    let at_or_before = taken.range(..=edit.range.start).next_back();
    if at_or_before.is_some_and(|(_, list)| list.iter().any(|t| edit.overlaps(t))) {
        return true;
    }
    if edit.range.end > edit.range.start {
        let inside = taken.range(edit.range.start + 1..=edit.range.end);
        return inside.flat_map(|(_, list)| list).any(|t| edit.overlaps(t));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_mixed_edits() {
        let edits = vec![Edit::insert(0, ">"), Edit::replace(2..3, "X"), Edit::delete(4..5)];
        assert_eq!(apply_edits("abcdef", &edits), ">abXdf");
    }

    #[test]
    fn overlap_rules() {
        assert!(Edit::insert(3, "a").overlaps(&Edit::insert(3, "b")));
        assert!(!Edit::insert(3, "a").overlaps(&Edit::insert(4, "b")));
        assert!(Edit::insert(3, "a").overlaps(&Edit::replace(2..4, "b")));
        assert!(!Edit::insert(2, "a").overlaps(&Edit::replace(2..4, "b")));
        assert!(!Edit::insert(4, "a").overlaps(&Edit::replace(2..4, "b")));
        assert!(Edit::replace(1..3, "a").overlaps(&Edit::replace(2..4, "b")));
        assert!(!Edit::replace(1..2, "a").overlaps(&Edit::replace(2..4, "b")));
    }

    #[test]
    fn plan_defers_overlapping_fix() {
        let first = Fix::safe(vec![Edit::insert(1, "x")]);
        let second = Fix::safe(vec![Edit::insert(1, "y")]);
        let plan = plan_pass("abc", &[(1, &second), (0, &first)]);
        assert_eq!(plan.applied, vec![1]);
        assert_eq!(plan.deferred, vec![0]);
        assert_eq!(apply_edits("abc", &plan.edits), "axbc");
    }

    #[test]
    fn plan_applies_identical_edit_once() {
        let first = Fix::safe(vec![Edit::replace(0..1, "Z")]);
        let second = Fix::safe(vec![Edit::replace(0..1, "Z"), Edit::insert(3, "!")]);
        let plan = plan_pass("abc", &[(0, &first), (1, &second)]);
        assert_eq!(plan.applied, vec![0, 1]);
        assert_eq!(apply_edits("abc", &plan.edits), "Zbc!");
    }

    #[test]
    fn plan_rejects_out_of_range_edit() {
        let bad = Fix::safe(vec![Edit::insert(10, "x")]);
        let plan = plan_pass("abc", &[(0, &bad)]);
        assert!(plan.applied.is_empty());
    }
}
