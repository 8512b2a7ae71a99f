//! A native CUE implementation: parser, evaluator, builtins, modules, export
//! and OpenAPI extraction, measured against CUE v0.17.1.
//!
//! Start with [`parse_file`], which turns CUE source into an [`ast::File`]
//! (or a [`ParseErrors`] listing every syntax error with file, line, column
//! and source line). The pipeline is [`lexer`] (tokens, comma insertion,
//! string interpolation) then [`parser`]; positions are byte [`Span`]s that a
//! [`SourceFile`] converts to 1-based line and byte column. [`txtar`] reads
//! the archive format of the conformance corpus.
//!
//! To evaluate, build a [`Compiled`] package once and call
//! [`Compiled::eval`] or [`Compiled::eval_with`] (injecting JSON values at
//! paths) as often as needed; the resulting [`Instance`] looks values up and
//! exports them to JSON ([`export`]). Values follow CUE's lattice
//! ([`value::Value`]); errors carry an [`value::ErrorCode`].
//!
//! [`Compiled::with_tags`] applies `@tag(name)` values and `@if(tag)`
//! build tags ([`Tags`], as `cue -t`) to a compiled package.
//!
//! A package of a module with imports (`cue.mod/module.cue`, files over
//! several directories, imports of the module's own packages) loads with
//! [`Module`] or [`Compiled::from_module_files`] / [`Compiled::from_dir`].
//!
//! [`openapi_schema`] turns a definition such as `#Spec` into a Kubernetes
//! structural OpenAPI v3 schema for a generated CRD ([`openapi`]).

mod api;
pub mod ast;
mod builtins;
mod docs;
pub mod error;
pub mod eval;
pub mod export;
pub mod lexer;
pub mod module;
pub mod openapi;
pub mod parser;
pub mod source;
pub mod tags;
pub mod token;
pub mod txtar;
pub mod value;

pub use api::{Compiled, DEFAULT_BUDGET, Instance, Node, builtin_import};

pub use error::{ImportError, LoadError, ParseError, ParseErrors};
pub use module::{Module, ModuleFile};
pub use openapi::{OpenApiError, openapi_schema};
pub use parser::{parse_expr, parse_file, parse_file_partial};
pub use source::{Position, SourceFile, Span};
pub use tags::{TagError, Tags};
