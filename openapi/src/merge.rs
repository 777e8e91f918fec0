//! Three-way line merge of a definition's text: what Ferry holds (ours) and what the
//! repository holds (theirs), both descended from the text of the last sync (the base).
//!
//! A definition is text a person wrote and is never re-serialised, so the merge works on its
//! lines as bytes, not on the parsed document. What [`merge_text`] guarantees:
//!
//! - every line of a clean result is a line of `ours` or `theirs`, byte for byte, terminator
//!   included: LF, CRLF and a missing final newline come out as the side that wrote them had
//!   them, and nothing is normalised;
//! - the same text on both sides gives that text; a side equal to the base gives the other
//!   side, byte for byte;
//! - changes to different lines (with at least one unchanged line between them) both land;
//!   the same change made on both sides lands once;
//! - changes that touch the same or adjacent lines differently are a [`TextConflict`]: one
//!   [`ConflictHunk`] per region, with the three versions and their line numbers, plus the
//!   whole text with git-style markers (`<<<<<<< Ferry`, `=======`, `>>>>>>> repository`)
//!   for a person to edit. A conflict is never resolved by picking a side.
//!
//! The line diffs are `similar`'s (histogram, as git's merge uses), and so is the grouping of
//! the two diffs into regions; this module renders the result and names the conflicts.
//!
//! ```
//! use ferry_openapi::merge::{merge_text, TextMerge};
//!
//! let base = "openapi: 3.1.0\ninfo:\n  title: Users\n  version: '1'\npaths: {}\n";
//! let ferry = "openapi: 3.1.0\ninfo:\n  title: Users API\n  version: '1'\npaths: {}\n";
//! let repository = "openapi: 3.1.0\ninfo:\n  title: Users\n  version: '1'\npaths: {}\ntags: []\n";
//! assert_eq!(
//!     merge_text(base, ferry, repository),
//!     TextMerge::Clean("openapi: 3.1.0\ninfo:\n  title: Users API\n  version: '1'\npaths: {}\ntags: []\n".into()),
//! );
//!
//! let TextMerge::Conflict(conflict) = merge_text(base, ferry, &base.replace("Users", "People")) else {
//!     panic!("both sides changed the title");
//! };
//! assert_eq!(conflict.hunks[0].base_lines, (3, 3));
//! assert_eq!((conflict.hunks[0].ours.as_str(), conflict.hunks[0].theirs.as_str()),
//!            ("  title: Users API\n", "  title: People\n"));
//! assert_eq!(conflict.marked, "openapi: 3.1.0\ninfo:\n<<<<<<< Ferry\n  title: Users API\n\
//!     =======\n  title: People\n>>>>>>> repository\n  version: '1'\npaths: {}\n");
//! ```

use std::ops::Range;

use similar::{Algorithm, MergeRegion, MergeResolution, TextMergeConfig};

/// The label on the `<<<<<<<` marker: the text held in Ferry.
pub const OURS_LABEL: &str = "Ferry";
/// The label on the `>>>>>>>` marker: the text in the repository.
pub const THEIRS_LABEL: &str = "repository";

/// The outcome of [`merge_text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMerge {
    /// The merged text, to store and commit as it is.
    Clean(String),
    /// Changes overlap; neither side may be overwritten until a person chooses.
    Conflict(TextConflict),
}

/// Overlapping changes, for a person to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextConflict {
    /// The conflicting regions, in text order.
    pub hunks: Vec<ConflictHunk>,
    /// The merged text with each conflicting region written as git writes one:
    /// `<<<<<<< Ferry`, Ferry's lines, `=======`, the repository's lines, `>>>>>>> repository`.
    /// Markers end with the text's own line ending (CRLF if Ferry's text uses CRLF).
    pub marked: String,
}

/// One conflicting region. Line ranges are 1-based and inclusive, `(first, last)`; a region
/// that holds no line of a version (a pure insertion on the other sides) is `(n + 1, n)`: it
/// sits right after line `n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictHunk {
    /// Where the region is in the base text.
    pub base_lines: (usize, usize),
    /// Where the region is in Ferry's text.
    pub ours_lines: (usize, usize),
    /// Where the region is in the repository's text.
    pub theirs_lines: (usize, usize),
    /// The base's lines of the region, terminators included.
    pub base: String,
    /// Ferry's lines of the region.
    pub ours: String,
    /// The repository's lines of the region.
    pub theirs: String,
}

/// Merges `ours` and `theirs`, both descended from `base` (see the module documentation).
pub fn merge_text(base: &str, ours: &str, theirs: &str) -> TextMerge {
    if ours == theirs || theirs == base {
        return TextMerge::Clean(ours.to_owned());
    }
    if ours == base {
        return TextMerge::Clean(theirs.to_owned());
    }
    let merge = TextMergeConfig::new()
        .algorithm(Algorithm::Histogram)
        .merge_lines(base, ours, theirs);
    let lines = Lines {
        base: (0..merge.base_len())
            .filter_map(|index| merge.base_line(index))
            .collect(),
        ours: (0..merge.ours_len())
            .filter_map(|index| merge.ours_line(index))
            .collect(),
        theirs: (0..merge.theirs_len())
            .filter_map(|index| merge.theirs_line(index))
            .collect(),
    };
    if !merge.is_conflicted() {
        let mut text = String::with_capacity(ours.len().max(theirs.len()));
        for region in merge.regions() {
            text.extend(lines.resolved(region));
        }
        return TextMerge::Clean(text);
    }
    let newline = if ours.contains("\r\n") || (!ours.contains('\n') && theirs.contains("\r\n")) {
        "\r\n"
    } else {
        "\n"
    };
    let mut marked = String::with_capacity(ours.len() + theirs.len());
    let mut hunks = Vec::new();
    for region in merge.regions() {
        if !region.is_conflict() {
            marked.extend(lines.resolved(region));
            continue;
        }
        let hunk = ConflictHunk {
            base_lines: one_based(region.base_range()),
            ours_lines: one_based(region.ours_range()),
            theirs_lines: one_based(region.theirs_range()),
            base: lines.base[region.base_range()].concat(),
            ours: lines.ours[region.ours_range()].concat(),
            theirs: lines.theirs[region.theirs_range()].concat(),
        };
        for (marker, text) in [
            (format!("<<<<<<< {OURS_LABEL}"), hunk.ours.as_str()),
            ("=======".to_owned(), hunk.theirs.as_str()),
        ] {
            end_line(&mut marked, newline);
            marked.push_str(&marker);
            marked.push_str(newline);
            marked.push_str(text);
        }
        end_line(&mut marked, newline);
        marked.push_str(&format!(">>>>>>> {THEIRS_LABEL}"));
        marked.push_str(newline);
        hunks.push(hunk);
    }
    TextMerge::Conflict(TextConflict { hunks, marked })
}

/// The three texts split into lines, each with its terminator.
struct Lines<'a> {
    base: Vec<&'a str>,
    ours: Vec<&'a str>,
    theirs: Vec<&'a str>,
}

impl<'a> Lines<'a> {
    /// The lines a region that is not a conflict contributes: a side's own lines, never
    /// rebuilt, so terminators stay as that side wrote them.
    fn resolved(&self, region: &MergeRegion) -> impl Iterator<Item = &'a str> + '_ {
        let (side, range) = match region.resolution() {
            MergeResolution::Theirs => (&self.theirs, region.theirs_range()),
            _ => (&self.ours, region.ours_range()),
        };
        side[range].iter().copied()
    }
}

/// A marker always starts a line: after a last line without a terminator, one is added (as
/// `git merge-file` does); that text is marked up for a person, not committed as is.
fn end_line(text: &mut String, newline: &str) {
    if !text.is_empty() && !text.ends_with('\n') && !text.ends_with('\r') {
        text.push_str(newline);
    }
}

fn one_based(range: Range<usize>) -> (usize, usize) {
    (range.start + 1, range.end)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn clean(text: &str) -> TextMerge {
        TextMerge::Clean(text.to_owned())
    }

    fn conflict(merge: TextMerge) -> TextConflict {
        match merge {
            TextMerge::Conflict(conflict) => conflict,
            TextMerge::Clean(text) => panic!("expected a conflict, merged to {text:?}"),
        }
    }

    #[test]
    fn identical_sides_and_an_unchanged_side_give_a_side_byte_for_byte() {
        let base = "a\nb\nc\n";
        let changed = "a\r\nB\nc";
        assert_eq!(merge_text(base, changed, changed), clean(changed));
        assert_eq!(merge_text(base, base, changed), clean(changed));
        assert_eq!(merge_text(base, changed, base), clean(changed));
        assert_eq!(merge_text(base, base, base), clean(base));
        assert_eq!(merge_text("", "x\n", ""), clean("x\n"));
    }

    #[test]
    fn edits_to_different_lines_both_land() {
        let base = "1\n2\n3\n4\n5\n";
        assert_eq!(
            merge_text(base, "1\nTWO\n3\n4\n5\n", "1\n2\n3\nFOUR\n5\n"),
            clean("1\nTWO\n3\nFOUR\n5\n")
        );
        assert_eq!(
            merge_text(base, "0\n1\n2\n3\n4\n5\n", "1\n2\n3\n4\n"),
            clean("0\n1\n2\n3\n4\n")
        );
    }

    #[test]
    fn the_same_change_on_both_sides_among_others_lands_once() {
        let base = "1\n2\n3\n4\n5\n";
        assert_eq!(
            merge_text(base, "ONE\n2\n3\nFOUR\n5\n", "1\n2\n3\nFOUR\n5\nsix\n"),
            clean("ONE\n2\n3\nFOUR\n5\nsix\n")
        );
    }

    #[test]
    fn line_endings_and_a_missing_final_newline_stay_as_each_side_wrote_them() {
        let base = "a\r\nb\r\nc\r\nd\r\ne";
        assert_eq!(
            merge_text(base, "A\r\nb\r\nc\r\nd\r\ne", "a\r\nb\r\nc\r\nd\r\nE"),
            clean("A\r\nb\r\nc\r\nd\r\nE")
        );
        // Ferry rewrote one line with LF; the repository added a final newline.
        assert_eq!(
            merge_text(base, "a\r\nB\nc\r\nd\r\ne", "a\r\nb\r\nc\r\nd\r\ne\r\n"),
            clean("a\r\nB\nc\r\nd\r\ne\r\n")
        );
        let lf = "x\ny\nz\nw";
        assert_eq!(
            merge_text(lf, "X\ny\nz\nw", "x\ny\nz\nw\n"),
            clean("X\ny\nz\nw\n")
        );
    }

    #[test]
    fn overlapping_changes_are_a_conflict_with_its_lines_and_markers() {
        let base = "1\n2\n3\n4\n5\n6\n7\n";
        let ours = "1\nTWO\nTHREE\n4\n5\n6\nseven\n";
        let theirs = "1\n2\nthree\n4\n5\n6\n7\neight\n";
        let conflict = conflict(merge_text(base, ours, theirs));
        assert_eq!(
            conflict.hunks,
            [
                ConflictHunk {
                    base_lines: (2, 3),
                    ours_lines: (2, 3),
                    theirs_lines: (2, 3),
                    base: "2\n3\n".into(),
                    ours: "TWO\nTHREE\n".into(),
                    theirs: "2\nthree\n".into(),
                },
                ConflictHunk {
                    base_lines: (7, 7),
                    ours_lines: (7, 7),
                    theirs_lines: (7, 8),
                    base: "7\n".into(),
                    ours: "seven\n".into(),
                    theirs: "7\neight\n".into(),
                },
            ]
        );
        assert_eq!(
            conflict.marked,
            "1\n<<<<<<< Ferry\nTWO\nTHREE\n=======\n2\nthree\n>>>>>>> repository\n4\n5\n6\n\
             <<<<<<< Ferry\nseven\n=======\n7\neight\n>>>>>>> repository\n"
        );
    }

    #[test]
    fn insertions_at_the_same_place_conflict_and_name_an_empty_base_range() {
        let conflict = conflict(merge_text("a\nb\n", "a\nours\nb\n", "a\ntheirs\nb\n"));
        let hunk = &conflict.hunks[0];
        assert_eq!(hunk.base_lines, (2, 1));
        assert_eq!((hunk.ours_lines, hunk.theirs_lines), ((2, 2), (2, 2)));
        assert_eq!(hunk.base, "");
    }

    #[test]
    fn markers_start_lines_and_follow_crlf_texts() {
        let conflict = conflict(merge_text("a\r\nb", "a\r\nours", "a\r\ntheirs"));
        assert_eq!(
            conflict.marked,
            "a\r\n<<<<<<< Ferry\r\nours\r\n=======\r\ntheirs\r\n>>>>>>> repository\r\n"
        );
        assert_eq!(
            (
                conflict.hunks[0].ours.as_str(),
                conflict.hunks[0].theirs.as_str()
            ),
            ("ours", "theirs")
        );
    }

    /// Lines with LF, CRLF or (last) no terminator, from a small alphabet so that sides share
    /// lines with the base and with each other.
    fn text() -> impl Strategy<Value = String> {
        let line = ("[ab{}: x-]{0,4}", prop_oneof!["\n", "\r\n", ""]).prop_map(|(text, end)| {
            if end.is_empty() && text.is_empty() {
                "\n".to_owned()
            } else {
                format!("{text}{end}")
            }
        });
        prop::collection::vec(line, 0..12).prop_map(|lines| {
            // Only the last line may lack a terminator.
            let last = lines.len().saturating_sub(1);
            lines
                .into_iter()
                .enumerate()
                .map(|(index, line)| {
                    if index < last && !line.ends_with('\n') {
                        format!("{line}\n")
                    } else {
                        line
                    }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn a_side_equal_to_the_base_yields_the_other(base in text(), other in text()) {
            prop_assert_eq!(merge_text(&base, &base, &other), clean(&other));
            prop_assert_eq!(merge_text(&base, &other, &base), clean(&other));
            prop_assert_eq!(merge_text(&base, &other, &other), clean(&other));
        }

        /// Through the region path (no side equals the base): two changes with unchanged
        /// lines between them both land, and a conflict's hunks are what its sides hold.
        #[test]
        fn separate_line_changes_both_land(
            count in 5usize..30,
            first in 0usize..30,
            gap in 2usize..30,
            crlf in any::<bool>(),
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let line = |index: usize, side: &str| format!("{side} {index}{end}");
            let (first, second) = (first % count, (first % count + gap) % count);
            prop_assume!(first.abs_diff(second) >= 2);
            let text = |changed: &[(usize, &str)]| -> String {
                (0..count)
                    .map(|index| {
                        let side = changed.iter().find(|(at, _)| *at == index).map_or("line", |(_, side)| *side);
                        line(index, side)
                    })
                    .collect()
            };
            let base = text(&[]);
            let ours = text(&[(first, "ours")]);
            let theirs = text(&[(second, "theirs")]);
            prop_assert_eq!(
                merge_text(&base, &ours, &theirs),
                clean(&text(&[(first, "ours"), (second, "theirs")]))
            );
            let both = text(&[(first, "theirs")]);
            let conflict = conflict(merge_text(&base, &ours, &both));
            prop_assert_eq!(conflict.hunks.len(), 1);
            prop_assert_eq!(conflict.hunks[0].base_lines, (first + 1, first + 1));
            prop_assert_eq!(&conflict.hunks[0].ours, &line(first, "ours"));
            prop_assert_eq!(&conflict.hunks[0].theirs, &line(first, "theirs"));
        }
    }
}
