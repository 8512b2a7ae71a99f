//! The `labelSelector` and `fieldSelector` query parameters of list and watch
//! requests, parsed and matched the way kube-apiserver does.
//!
//! [`LabelSelector`] parses the set-based label syntax (`a=b,c in (x,y),!d`)
//! and converts `metav1.LabelSelector` objects; [`FieldSelector`] parses the
//! equality-only field syntax and checks each field against the kind's
//! [`supported_fields`].

mod field;
mod label;
mod label_syntax;
mod label_validation;
mod selectable;

pub use field::{FieldSelector, FieldSelectorError, FieldTerm};
pub use label::{
    LabelSelector, LabelSelectorError, Operator, Requirement, from_label_selector_object,
};
pub use selectable::{crd_supported_fields, supported_fields};
