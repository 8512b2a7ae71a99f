//! The Kubernetes API version Pequod is built against.

// k8s-openapi compiles exactly one version feature in; each macro expands
// only for its own version, so exactly one constant exists.
k8s_openapi::k8s_if_1_33! {
    /// The Kubernetes API version (major.minor) whose types Pequod uses.
    pub const KUBERNETES_API_VERSION: &str = "1.33";
}
k8s_openapi::k8s_if_1_34! {
    /// The Kubernetes API version (major.minor) whose types Pequod uses.
    pub const KUBERNETES_API_VERSION: &str = "1.34";
}
k8s_openapi::k8s_if_1_35! {
    /// The Kubernetes API version (major.minor) whose types Pequod uses.
    pub const KUBERNETES_API_VERSION: &str = "1.35";
}
k8s_openapi::k8s_if_1_36! {
    /// The Kubernetes API version (major.minor) whose types Pequod uses.
    pub const KUBERNETES_API_VERSION: &str = "1.36";
}
k8s_openapi::k8s_if_1_37! {
    /// The Kubernetes API version (major.minor) whose types Pequod uses.
    pub const KUBERNETES_API_VERSION: &str = "1.37";
}

#[cfg(test)]
mod tests {
    use super::KUBERNETES_API_VERSION;

    #[test]
    fn names_the_enabled_k8s_openapi_version() {
        let (major, minor) = KUBERNETES_API_VERSION.split_once('.').unwrap();
        assert_eq!(major, "1");
        assert!(minor.parse::<u32>().unwrap() >= 33);
    }
}
