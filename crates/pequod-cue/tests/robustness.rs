//! Feeds thousands of mutated corpus files to the parser: it must never panic.

use pequod_cue::txtar;

mod common;

/// A small deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that make interesting syntax when spliced in.
const SPICE: &[&str] = &[
    "\"",
    "'",
    "\"\"\"\n",
    "#\"",
    "\\(",
    "\\#(",
    ")",
    "(",
    "{",
    "}",
    "[",
    "]",
    ":",
    "?",
    "!",
    "~",
    "=",
    "...",
    "@x(",
    "//",
    "\n",
    ",",
    "_|_",
    "for x in ",
    "if ",
    "let ",
    "try ",
    "0x",
    "1.5Gi",
    "\\u",
    "é",
    "\u{feff}",
    "\0",
    "__#",
    "#",
];

fn mutate(rng: &mut Rng, src: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut b = src.to_vec();
    match rng.below(5) {
        0 => b.truncate(rng.below(b.len() + 1)),
        1 => {
            for _ in 0..=rng.below(4) {
                if !b.is_empty() {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            let other = &corpus[rng.below(corpus.len())];
            let (s, e) = (rng.below(other.len() + 1), rng.below(other.len() + 1));
            let (s, e) = (s.min(e), s.max(e));
            let at = rng.below(b.len() + 1);
            b.splice(at..at, other[s..e].iter().copied());
        }
        3 => {
            let at = rng.below(b.len() + 1);
            let spice = SPICE[rng.below(SPICE.len())].as_bytes();
            b.splice(at..at, spice.iter().copied());
        }
        _ => {
            if !b.is_empty() {
                let s = rng.below(b.len());
                let e = (s + rng.below(64)).min(b.len());
                b.drain(s..e);
            }
        }
    }
    b
}

#[test]
fn mutated_corpus_never_panics() {
    let dir = common::corpus_dir();
    let archives = common::txtar_archives(&dir);
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    for path in &archives {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for f in txtar::parse(&text).files {
            if f.name.ends_with(".cue") && f.data.len() < 20_000 {
                corpus.push(f.data.into_bytes());
            }
        }
    }
    assert!(!corpus.is_empty());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut parsed = 0;
    for round in 0..20_000 {
        let src = &corpus[rng.below(corpus.len())];
        let mut m = mutate(&mut rng, src, &corpus);
        if round % 3 == 0 {
            m = mutate(&mut rng, &m, &corpus);
        }
        let text = String::from_utf8_lossy(&m);
        let (_file, _errors) = pequod_cue::parse_file_partial("fuzz.cue", &text);
        let _ = pequod_cue::parse_expr("fuzz.cue", &text);
        parsed += 1;
    }
    assert_eq!(parsed, 20_000);
}
