//! Syntax errors with enough context for an excerpt-style renderer.

use crate::source::{SourceFile, Span};

/// One syntax error: where (file, 1-based line and byte column) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ParseError {
    /// The file name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based byte column.
    pub column: usize,
    /// What went wrong, in the official parser's words where practical.
    pub message: String,
    /// The text of the offending line.
    pub source_line: String,
    /// The byte span of the offending text.
    pub span: Span,
}

impl ParseError {
    /// Builds an error located at `span` in `source`.
    pub fn at(source: &SourceFile, span: Span, message: impl Into<String>) -> Self {
        let pos = source.position(span.start);
        ParseError {
            file: source.name().to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
            source_line: source.line_text(pos.line).to_string(),
            span,
        }
    }
}

/// All syntax errors found in a file (at least one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.errors))]
pub struct ParseErrors {
    /// The errors, in source order.
    pub errors: Vec<ParseError>,
}

fn render(errors: &[ParseError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a package could not be loaded: a syntax error, or tags that do not
/// apply (`no tag for "x"`, an invalid tag value or `@if` expression).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// Syntax errors.
    #[error(transparent)]
    Parse(#[from] ParseErrors),
    /// A tag error.
    #[error(transparent)]
    Tag(#[from] crate::tags::TagError),
}
