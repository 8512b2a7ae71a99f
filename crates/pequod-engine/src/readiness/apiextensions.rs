//! `apiextensions.k8s.io` CustomResourceDefinition.

use super::Readiness;
use super::generic::or;
use super::object::{Malformed, Object};

/// Ready when `Established` is true; failed when its names are not accepted or it is not
/// established for a reason other than still installing.
pub(super) fn crd(obj: Object<'_>) -> Result<Readiness, Malformed> {
    for c in obj.conditions()? {
        if c.is("NamesAccepted", "False") {
            return Ok(Readiness::failed(
                or(c.reason, "NamesNotAccepted"),
                or(
                    c.message,
                    "the CustomResourceDefinition names are not accepted",
                ),
            ));
        }
        if c.kind == "Established" {
            if c.status == "True" {
                return Ok(Readiness::ready(
                    "Established",
                    "CustomResourceDefinition is established",
                ));
            }
            if c.status == "False" && c.reason != "Installing" {
                return Ok(Readiness::failed(
                    or(c.reason, "NotEstablished"),
                    or(c.message, "the CustomResourceDefinition is not established"),
                ));
            }
        }
    }
    Ok(Readiness::in_progress(
        "Installing",
        "CustomResourceDefinition is not established yet",
    ))
}
