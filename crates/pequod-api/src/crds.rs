//! The CustomResourceDefinitions of Pequod's own kinds, as installed from
//! `config/crd/bases`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::{ResourceGraph, Transform};

/// Every CRD Pequod installs.
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![Transform::crd(), ResourceGraph::crd()]
}

/// The file name a CRD is kept under in `config/crd/bases`, `<group>_<plural>.yaml`
/// as kubebuilder names them.
pub fn crd_file_name(crd: &CustomResourceDefinition) -> String {
    format!("{}_{}.yaml", crd.spec.group, crd.spec.names.plural)
}

/// A CRD as YAML, the way it is committed.
pub fn crd_yaml(crd: &CustomResourceDefinition) -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(crd)
}
