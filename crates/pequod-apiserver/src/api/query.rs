//! Query parameters of resource requests, as kube-apiserver reads them.

use std::collections::HashMap;

use super::error::ApiError;

/// `fieldValidation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Unknown and duplicate fields fail the request.
    Strict,
    /// They are dropped, with a warning.
    #[default]
    Warn,
    /// They are dropped silently.
    Ignore,
}

/// Options of a write.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `dryRun=All`: everything but the storage write.
    pub dry_run: bool,
    /// `fieldManager`, or the one derived from the user agent.
    pub field_manager: String,
    /// Whether the manager was given explicitly.
    pub field_manager_given: bool,
    /// `fieldValidation`.
    pub field_validation: FieldValidation,
    /// `force` (apply only).
    pub force: bool,
}

/// Options of a list or watch.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `labelSelector`.
    pub label_selector: Option<String>,
    /// `fieldSelector`.
    pub field_selector: Option<String>,
    /// `limit`.
    pub limit: Option<usize>,
    /// `continue`.
    pub continue_token: Option<String>,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<String>,
    /// `watch=true`.
    pub watch: bool,
    /// `allowWatchBookmarks=true`.
    pub allow_bookmarks: bool,
    /// `sendInitialEvents=true`.
    pub send_initial_events: bool,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<u64>,
}

/// Parsed query parameters.
#[derive(Debug, Clone, Default)]
pub struct Query(HashMap<String, String>);

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
        Self(pairs.into_iter().collect())
    }

    /// A parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "1"))
    }

    /// The list/watch options.
    pub fn list(&self) -> Result<ListQuery, ApiError> {
        let number = |name: &str| -> Result<Option<u64>, ApiError> {
            self.get(name)
                .map(|v| {
                    v.parse::<u64>().map_err(|_| {
                        ApiError::bad_request(format!("invalid value {v:?} for parameter {name}"))
                    })
                })
                .transpose()
        };
        Ok(ListQuery {
            label_selector: self.get("labelSelector").map(str::to_owned),
            field_selector: self.get("fieldSelector").map(str::to_owned),
            limit: number("limit")?.filter(|l| *l > 0).map(|l| l as usize),
            continue_token: self.get("continue").map(str::to_owned),
            resource_version: self.get("resourceVersion").map(str::to_owned),
            resource_version_match: self.get("resourceVersionMatch").map(str::to_owned),
            watch: self.flag("watch"),
            allow_bookmarks: self.flag("allowWatchBookmarks"),
            send_initial_events: self.flag("sendInitialEvents"),
            timeout_seconds: number("timeoutSeconds")?,
        })
    }

    /// The write options; `user_agent` names the manager when no
    /// `fieldManager` is given (as kube-apiserver does: its first word).
    pub fn write(&self, user_agent: Option<&str>) -> Result<WriteOptions, ApiError> {
        let field_validation = match self.get("fieldValidation") {
            None => FieldValidation::Warn,
            Some("Strict") => FieldValidation::Strict,
            Some("Warn") => FieldValidation::Warn,
            Some("Ignore") => FieldValidation::Ignore,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got {other:?}"
                )));
            }
        };
        let dry_run = match self.get("dryRun") {
            None => false,
            Some("All") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "dryRun: Unsupported value: {other:?}: supported values: \"All\""
                )));
            }
        };
        let given = self.get("fieldManager").map(str::to_owned);
        let derived = user_agent
            .and_then(|ua| ua.split('/').next())
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(WriteOptions {
            dry_run,
            field_manager_given: given.is_some(),
            field_manager: given.unwrap_or(derived),
            field_validation,
            force: self.flag("force"),
        })
    }
}
