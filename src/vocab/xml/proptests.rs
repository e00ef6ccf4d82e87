//! Property test: no document up to the default `--max-body-bytes` makes the reader do more
//! than linear work, whatever mix of the shapes that once cost quadratic time it holds
//! (attributes by the thousand, namespace declarations piled up, prefixes resolved far down
//! the list, deep nesting). Work is counted (`WORK`), never timed.

use proptest::prelude::*;

use super::tests::work_reading;
use super::MAX_NAMESPACES_IN_SCOPE;

/// The default `--max-body-bytes`.
const MAX_BODY_BYTES: usize = 1_048_576;

/// The most a byte may cost: the shortest thing that makes the reader resolve a prefix
/// (`<a:e/>`, six bytes, resolved when it opens) scans at most the declarations in scope.
const WORK_PER_BYTE: usize = MAX_NAMESPACES_IN_SCOPE / 6 + 8;

#[derive(Debug, Clone)]
enum Shape {
    /// An empty element named with the `index`-th declared prefix.
    Prefixed { index: usize },
    /// One element with `count` attributes, prefixed or not, the last repeating the first.
    Attributes {
        count: usize,
        prefixed: bool,
        repeat: bool,
    },
    /// `levels` nested elements, each declaring a namespace.
    Nested { levels: usize },
    /// Character data with entity references.
    Text,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        (0usize..400).prop_map(|index| Shape::Prefixed { index }),
        (1usize..100_000, any::<bool>(), any::<bool>()).prop_map(|(count, prefixed, repeat)| {
            Shape::Attributes {
                count,
                prefixed,
                repeat,
            }
        }),
        (1usize..70).prop_map(|levels| Shape::Nested { levels }),
        Just(Shape::Text),
    ]
}

fn render(shape: &Shape, out: &mut String) {
    match shape {
        Shape::Prefixed { index } => out.push_str(&format!("<p{index}:e/>")),
        Shape::Attributes {
            count,
            prefixed,
            repeat,
        } => {
            let prefix = if *prefixed { "p0:" } else { "" };
            out.push_str("<e");
            for i in 0..*count {
                out.push_str(&format!(" {prefix}a{i}=''"));
            }
            if *repeat {
                out.push_str(&format!(" {prefix}a0=''"));
            }
            out.push_str("/>");
        }
        Shape::Nested { levels } => {
            for i in 0..*levels {
                out.push_str(&format!("<n xmlns:q{i}='urn:q'>"));
            }
            out.push_str(&"</n>".repeat(*levels));
        }
        Shape::Text => out.push_str("a &amp; b &#x41; c"),
    }
}

/// A root declaring `declarations` prefixes, then `pieces`, each repeated, cut at
/// `MAX_BODY_BYTES` (a cut document is hostile input too).
fn document(declarations: usize, pieces: &[(Shape, usize)]) -> String {
    let mut doc = String::from("<r");
    for i in 0..declarations {
        doc.push_str(&format!(" xmlns:p{i}='urn:{i}'"));
    }
    doc.push('>');
    'fill: for (shape, repeat) in pieces {
        for _ in 0..*repeat {
            render(shape, &mut doc);
            if doc.len() >= MAX_BODY_BYTES {
                break 'fill;
            }
        }
    }
    doc.push_str("</r>");
    doc.truncate(MAX_BODY_BYTES);
    doc
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn no_document_up_to_max_body_bytes_makes_the_reader_do_more_than_linear_work(
        declarations in prop_oneof![0usize..=MAX_NAMESPACES_IN_SCOPE, 0usize..30_000],
        pieces in proptest::collection::vec((shape(), 1usize..200_000), 1..5),
    ) {
        let doc = document(declarations, &pieces);
        let (work, _) = work_reading(&doc);
        prop_assert!(
            work <= WORK_PER_BYTE * doc.len(),
            "{work} steps for {} bytes",
            doc.len()
        );
    }
}
