//! `readyWhen`: CEL expressions over the live object that replace the
//! built-in readiness rule of a node.

use cel::{Context, Program};
use serde_json::Value;

use super::{Readiness, ReadinessOverride};

/// A node's compiled `readyWhen` expressions; all must be true.
pub struct ReadyWhen {
    programs: Vec<(String, Program)>,
}

/// A `readyWhen` expression that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("readyWhen expression `{expression}` does not compile: {message}")]
pub struct ReadyWhenError {
    /// The expression as written.
    pub expression: String,
    /// The CEL parser's complaint.
    pub message: String,
}

impl ReadyWhen {
    /// Compiles the expressions; `None` when there are none.
    pub fn compile(expressions: &[String]) -> Result<Option<Self>, ReadyWhenError> {
        if expressions.is_empty() {
            return Ok(None);
        }
        let programs = expressions
            .iter()
            .map(|e| {
                Program::compile(e)
                    .map(|p| (e.clone(), p))
                    .map_err(|err| ReadyWhenError {
                        expression: e.clone(),
                        message: err.to_string(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(Self { programs }))
    }
}

impl ReadinessOverride for ReadyWhen {
    fn evaluate(&self, object: &Value) -> Readiness {
        let live = match cel::to_value(object) {
            Ok(v) => v,
            Err(e) => {
                return Readiness::in_progress(
                    "ReadyWhenError",
                    format!("object not usable in CEL: {e}"),
                );
            }
        };
        let mut context = Context::default();
        context.add_variable_from_value("self", live);
        for (expression, program) in &self.programs {
            match program.execute(&context) {
                Ok(cel::Value::Bool(true)) => {}
                Ok(cel::Value::Bool(false)) => {
                    return Readiness::in_progress(
                        "ReadyWhenFalse",
                        format!("readyWhen `{expression}` is false"),
                    );
                }
                Ok(other) => {
                    return Readiness::failed(
                        "ReadyWhenNotBool",
                        format!("readyWhen `{expression}` gave {other:?}, not a bool"),
                    );
                }
                // Typically a field the object does not have yet, e.g.
                // `self.status.arn` before the controller wrote it.
                Err(e) => {
                    return Readiness::in_progress(
                        "ReadyWhenPending",
                        format!("readyWhen `{expression}`: {e}"),
                    );
                }
            }
        }
        Readiness::ready("ReadyWhen", "every readyWhen expression is true")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::ReadyWhen;
    use crate::readiness::{ReadinessOverride, ReadinessStatus};

    #[test]
    fn all_expressions_must_hold() {
        let rw = ReadyWhen::compile(&[
            "self.status.phase == 'Done'".into(),
            "size(self.status.items) > 1".into(),
        ])
        .unwrap()
        .unwrap();
        let ready = json!({"status": {"phase": "Done", "items": [1, 2]}});
        assert_eq!(rw.evaluate(&ready).status, ReadinessStatus::Ready);
        let not_yet = json!({"status": {"phase": "Done", "items": [1]}});
        let r = rw.evaluate(&not_yet);
        assert_eq!(r.status, ReadinessStatus::InProgress);
        assert!(
            r.message.contains("size(self.status.items) > 1"),
            "{}",
            r.message
        );
    }

    #[test]
    fn missing_fields_wait() {
        let rw = ReadyWhen::compile(&["self.status.arn != ''".into()])
            .unwrap()
            .unwrap();
        let r = rw.evaluate(&json!({"metadata": {"name": "x"}}));
        assert_eq!(r.status, ReadinessStatus::InProgress, "{r:?}");
    }

    #[test]
    fn non_bool_fails_and_bad_syntax_is_an_error() {
        let rw = ReadyWhen::compile(&["self.spec.replicas".into()])
            .unwrap()
            .unwrap();
        assert_eq!(
            rw.evaluate(&json!({"spec": {"replicas": 1}})).status,
            ReadinessStatus::Failed
        );
        let err = ReadyWhen::compile(&["self.status ==".into()])
            .err()
            .unwrap();
        assert!(err.to_string().contains("self.status =="), "{err}");
        assert!(ReadyWhen::compile(&[]).unwrap().is_none());
    }
}
