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
    /// An import that names no package of the module or of the standard
    /// library, or an import cycle.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A package that cannot be loaded: no files, several packages in one
    /// directory, an unreadable file or module file.
    #[error("{0}")]
    Package(String),
}

/// An import that cannot be resolved, at the position of its path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}:\n    {file}:{line}:{column}")]
pub struct ImportError {
    /// The importing file.
    pub file: String,
    /// 1-based line of the import path.
    pub line: usize,
    /// 1-based byte column of the import path.
    pub column: usize,
    /// What went wrong, in the official CLI's words.
    pub message: String,
}
