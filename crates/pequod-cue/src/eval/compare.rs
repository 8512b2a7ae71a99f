//! Concreteness, structural equality and descriptions of evaluated values.

use super::expr::same_scalar;
use super::{ArcType, Evaluator, Label};
use crate::value::{Kind, VId, Value};

impl Evaluator<'_> {
    /// Whether a value is concrete (recursively for structs and lists); a
    /// required field not yet present is not.
    pub(crate) fn is_concrete(&mut self, v: &Value) -> bool {
        match v {
            Value::Vertex(w) => {
                let w = *w;
                self.eval_vertex(w);
                let arcs: Vec<(Label, VId)> = self.vertices[w]
                    .arcs
                    .iter()
                    .map(|(l, a)| (l.clone(), *a))
                    .collect();
                arcs.into_iter().all(|(l, a)| {
                    if !(l.is_regular() || matches!(l, Label::Index(_)))
                        || self.vertices[a].arc_type == ArcType::Optional
                    {
                        return true;
                    }
                    if self.vertices[a].arc_type == ArcType::Required {
                        return false;
                    }
                    let av = self.value_of(a);
                    let av = self.default_of(av);
                    self.is_concrete(&av)
                })
            }
            v => v.is_concrete_scalar(),
        }
    }

    /// Structural equality of evaluated values.
    pub(crate) fn values_equal(&mut self, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Vertex(x), Value::Vertex(y)) => {
                let (x, y) = (*x, *y);
                if x == y {
                    return true;
                }
                self.eval_vertex(x);
                self.eval_vertex(y);
                let vx = self.vertices[x].value.clone();
                let vy = self.vertices[y].value.clone();
                if !matches!(vx, Value::Top) || !matches!(vy, Value::Top) {
                    return self.values_equal(&vx, &vy);
                }
                if self.vertices[x].is_list != self.vertices[y].is_list {
                    return false;
                }
                let ax = self.regular_arcs(x);
                let ay = self.regular_arcs(y);
                if ax.len() != ay.len() {
                    return false;
                }
                for (l, a) in ax {
                    let Some(b) = ay.iter().find(|(m, _)| *m == l).map(|p| p.1) else {
                        return false;
                    };
                    let va = self.value_of(a);
                    let vb = self.value_of(b);
                    if !self.values_equal(&va, &vb) {
                        return false;
                    }
                }
                true
            }
            (Value::Vertex(_), _) | (_, Value::Vertex(_)) => false,
            _ => same_scalar(a, b),
        }
    }

    /// Regular, non-optional arcs of a vertex.
    pub(crate) fn regular_arcs(&mut self, v: VId) -> Vec<(Label, VId)> {
        self.eval_vertex(v);
        self.vertices[v]
            .arcs
            .iter()
            .filter(|(l, a)| {
                (l.is_regular() || matches!(l, Label::Index(_)))
                    && self.vertices[**a].arc_type == ArcType::Regular
            })
            .map(|(l, a)| (l.clone(), *a))
            .collect()
    }

    /// The kind of an evaluated value.
    pub(crate) fn kind_of(&mut self, v: &Value) -> Kind {
        match v {
            Value::Vertex(w) => {
                let w = *w;
                self.eval_vertex(w);
                if self.vertices[w].is_list {
                    Kind::LIST
                } else {
                    Kind::STRUCT
                }
            }
            v => v.scalar_kind(),
        }
    }

    /// Renders a value for a message.
    pub(crate) fn display(&mut self, v: &Value) -> String {
        match v {
            Value::Vertex(w) => {
                let w = *w;
                self.eval_vertex(w);
                if self.vertices[w].is_list {
                    "[...]".into()
                } else {
                    "{...}".into()
                }
            }
            v => v.to_string(),
        }
    }
}
