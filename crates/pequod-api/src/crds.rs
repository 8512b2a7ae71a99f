//! The CustomResourceDefinitions of Pequod's own kinds, as installed from
//! `config/crd/bases`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::{ActionReconciler, Reconciliation, ResourceGraph, Transform};

/// Every CRD Pequod installs.
pub fn crds() -> Vec<CustomResourceDefinition> {
    let mut graphs = ResourceGraph::crd();
    // A ResourceGraph is the parent of an ApplySet (KEP-3659); kubectl and
    // other tools recognise custom parent kinds by this label on their CRD.
    graphs.metadata.labels = Some(
        [(
            "applyset.kubernetes.io/is-parent-type".to_owned(),
            "true".to_owned(),
        )]
        .into(),
    );
    vec![
        Transform::crd(),
        graphs,
        ActionReconciler::crd(),
        Reconciliation::crd(),
    ]
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
