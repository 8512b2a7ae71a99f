//! The pure side of every write kube-apiserver supports: JSON patch, JSON
//! merge patch, strategic merge patch and server-side apply, plus the
//! `metadata.managedFields` bookkeeping of apply and of every other write.
//!
//! Creates and updates call [`record_update`] on the object they store;
//! patches first build it with [`json_patch`], [`merge_patch`] or
//! [`strategic_merge_patch`]. Apply requests go through [`apply`] alone, which
//! answers the merged object or the [`Conflict`]s of a 409. Both take the
//! endpoint's reset fields (`status` on a main resource, `spec` on `status`):
//! their ownership is never recorded, and the caller still resets their
//! values, then defaults and validates the result. Nothing here does I/O.

mod apply;
mod fieldset;
mod json;
mod managed;
mod ownership;
mod path;
mod strategic;
mod typed;
mod update;

pub use apply::{Apply, ApplyError, Conflict, apply, conflict_causes};
pub use fieldset::FieldSet;
pub use json::{json_patch, merge_patch};
pub use managed::Operation;
pub use path::{Path, PathElement};
pub use strategic::strategic_merge_patch;
pub use update::{Update, record_update};

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The patch document is malformed (HTTP 400).
    #[error("{0}")]
    Invalid(String),
    /// A JSON patch `test` operation failed (HTTP 422).
    #[error("{0}")]
    TestFailed(String),
    /// The patch is well-formed but cannot apply to this object (HTTP 422).
    #[error("{0}")]
    Unprocessable(String),
    /// A strategic merge patch directive is unknown or misused (HTTP 400).
    #[error("{0}")]
    Directive(String),
    /// The patch has more operations than kube-apiserver accepts (HTTP 413).
    #[error("{0}")]
    TooLarge(String),
}

impl PatchError {
    /// The HTTP status code kube-apiserver answers with.
    pub fn code(&self) -> u16 {
        match self {
            PatchError::Invalid(_) | PatchError::Directive(_) => 400,
            PatchError::TestFailed(_) | PatchError::Unprocessable(_) => 422,
            PatchError::TooLarge(_) => 413,
        }
    }
}
