//! What a request URL names, parsed as kube-apiserver's `RequestInfo` does.

/// A request for a resource (as opposed to discovery or OpenAPI).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourcePath {
    /// API group (`""` for core).
    pub group: String,
    /// API version.
    pub version: String,
    /// Namespace in the path, if any.
    pub namespace: Option<String>,
    /// Plural resource.
    pub resource: String,
    /// Object name, if any.
    pub name: Option<String>,
    /// Subresource (`status`, `scale`, `finalize`), if any.
    pub subresource: Option<String>,
}

/// What a URL path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz` (and their named checks).
    Health,
    /// `/api`: the core group's versions.
    CoreVersions,
    /// `/apis`: every group.
    Groups,
    /// `/apis/<group>`.
    Group(String),
    /// `/api/v1` or `/apis/<group>/<version>`: the resource list.
    GroupVersion(String, String),
    /// `/openapi/v2`.
    OpenApiV2,
    /// `/openapi/v3`.
    OpenApiV3Index,
    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`.
    OpenApiV3(String, String),
    /// A resource, collection or subresource.
    Resource(ResourcePath),
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// Parses a URL path (without the query).
pub fn parse(path: &str) -> Option<Target> {
    let parts: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .filter(|p| !p.is_empty())
        .map(decode)
        .collect();
    let p: Vec<&str> = parts.iter().map(String::as_str).collect();
    Some(match p.as_slice() {
        ["version"] => Target::Version,
        ["healthz" | "livez" | "readyz", ..] => Target::Health,
        ["api"] => Target::CoreVersions,
        ["apis"] => Target::Groups,
        ["apis", group] => Target::Group((*group).to_owned()),
        ["api", version] => Target::GroupVersion(String::new(), (*version).to_owned()),
        ["apis", group, version] => {
            Target::GroupVersion((*group).to_owned(), (*version).to_owned())
        }
        ["openapi", "v2"] => Target::OpenApiV2,
        ["openapi", "v3"] => Target::OpenApiV3Index,
        ["openapi", "v3", "api", version] => {
            Target::OpenApiV3(String::new(), (*version).to_owned())
        }
        ["openapi", "v3", "apis", group, version] => {
            Target::OpenApiV3((*group).to_owned(), (*version).to_owned())
        }
        ["api", version, rest @ ..] => Target::Resource(resource(String::new(), version, rest)?),
        ["apis", group, version, rest @ ..] => {
            Target::Resource(resource((*group).to_owned(), version, rest)?)
        }
        _ => return None,
    })
}

fn resource(group: String, version: &str, rest: &[&str]) -> Option<ResourcePath> {
    let mut out = ResourcePath {
        group,
        version: version.to_owned(),
        ..ResourcePath::default()
    };
    let mut rest = rest;
    if let ["namespaces", ns, tail @ ..] = rest {
        // `namespaces/<name>/status|finalize` address the namespace itself.
        if !tail.is_empty() && !matches!(tail[0], "status" | "finalize") {
            out.namespace = Some((*ns).to_owned());
            rest = tail;
        }
    }
    match rest {
        [resource] => out.resource = (*resource).to_owned(),
        [resource, name] => {
            out.resource = (*resource).to_owned();
            out.name = Some((*name).to_owned());
        }
        [resource, name, sub] => {
            out.resource = (*resource).to_owned();
            out.name = Some((*name).to_owned());
            out.subresource = Some((*sub).to_owned());
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(path: &str) -> ResourcePath {
        match parse(path) {
            Some(Target::Resource(r)) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn paths() {
        let r = res("/apis/apps/v1/namespaces/team/deployments/web/scale");
        assert_eq!(
            (
                r.group.as_str(),
                r.namespace.as_deref(),
                r.resource.as_str(),
                r.name.as_deref(),
                r.subresource.as_deref()
            ),
            (
                "apps",
                Some("team"),
                "deployments",
                Some("web"),
                Some("scale")
            )
        );
        let r = res("/api/v1/namespaces/team");
        assert_eq!(
            (r.resource.as_str(), r.name.as_deref(), r.namespace),
            ("namespaces", Some("team"), None)
        );
        let r = res("/api/v1/namespaces/team/finalize");
        assert_eq!(
            (r.resource.as_str(), r.subresource.as_deref()),
            ("namespaces", Some("finalize"))
        );
        let r = res("/api/v1/namespaces/team/configmaps");
        assert_eq!(
            (r.resource.as_str(), r.namespace.as_deref(), r.name),
            ("configmaps", Some("team"), None)
        );
        assert_eq!(res("/api/v1/pods").namespace, None);
        assert_eq!(
            parse("/apis/apps/v1"),
            Some(Target::GroupVersion("apps".into(), "v1".into()))
        );
        assert_eq!(
            parse("/openapi/v3/apis/apps/v1"),
            Some(Target::OpenApiV3("apps".into(), "v1".into()))
        );
    }
}
