//! Pequod's own metrics, the `pequod_*` names of the operations guide.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::families::{ReconcileResult, ResultLabels, reconcile_histogram};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ControllerLabel {
    controller: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GraphLabels {
    namespace: String,
    name: String,
}

/// How a server-side apply or a module fetch ended: the `result` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyResult {
    /// It worked.
    Success,
    /// It failed.
    Failure,
}

impl ApplyResult {
    fn label(self) -> OutcomeLabel {
        OutcomeLabel {
            result: match self {
                Self::Success => "success",
                Self::Failure => "failure",
            }
            .to_owned(),
        }
    }
}

/// Long operations (DAG runs, module fetches): 10 ms to about 10 min.
fn long_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 17))
}

/// Handles on the `pequod_*` metrics. Cloning shares the series.
#[derive(Clone, Debug)]
pub struct PequodMetrics {
    reconcile_total: Family<ResultLabels, Counter>,
    reconcile_duration: Family<ControllerLabel, Histogram, fn() -> Histogram>,
    dag_duration: Histogram,
    dag_nodes: Family<GraphLabels, Gauge>,
    apply_total: Family<OutcomeLabel, Counter>,
    apply_duration: Histogram,
    cache_hits: Counter,
    cache_misses: Counter,
    fetch_total: Family<OutcomeLabel, Counter>,
    fetch_duration: Histogram,
    render_errors: Counter,
}

impl PequodMetrics {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let this = Self {
            reconcile_total: Family::default(),
            reconcile_duration: Family::new_with_constructor(reconcile_histogram),
            dag_duration: long_histogram(),
            dag_nodes: Family::default(),
            apply_total: Family::default(),
            apply_duration: Histogram::new(reconcile_histogram_buckets()),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            fetch_total: Family::default(),
            fetch_duration: long_histogram(),
            render_errors: Counter::default(),
        };
        // Outcome series exist at zero from the start, so rates and alerts
        // on them work before the first failure.
        for result in [ApplyResult::Success, ApplyResult::Failure] {
            let _ = this.apply_total.get_or_create(&result.label());
            let _ = this.fetch_total.get_or_create(&result.label());
        }
        let r = registry;
        r.register(
            "pequod_reconcile",
            "Reconciliations by controller and result",
            this.reconcile_total.clone(),
        );
        r.register(
            "pequod_reconcile_duration_seconds",
            "Reconcile latency by controller",
            this.reconcile_duration.clone(),
        );
        r.register(
            "pequod_dag_execution_duration_seconds",
            "Time to execute one ResourceGraph's DAG",
            this.dag_duration.clone(),
        );
        r.register(
            "pequod_dag_nodes_total",
            "Nodes per ResourceGraph",
            this.dag_nodes.clone(),
        );
        r.register(
            "pequod_apply",
            "Server-side applies by result",
            this.apply_total.clone(),
        );
        r.register(
            "pequod_apply_duration_seconds",
            "Server-side apply latency",
            this.apply_duration.clone(),
        );
        r.register(
            "pequod_cue_cache_hits",
            "CUE module cache hits",
            this.cache_hits.clone(),
        );
        r.register(
            "pequod_cue_cache_misses",
            "CUE module cache misses",
            this.cache_misses.clone(),
        );
        r.register(
            "pequod_cue_fetch",
            "CUE module fetches by result",
            this.fetch_total.clone(),
        );
        r.register(
            "pequod_cue_fetch_duration_seconds",
            "CUE module fetch time",
            this.fetch_duration.clone(),
        );
        r.register(
            "pequod_cue_render_errors",
            "CUE render errors",
            this.render_errors.clone(),
        );
        this
    }

    /// Records one reconciliation of `controller` (`pequod_reconcile_total`,
    /// `pequod_reconcile_duration_seconds`).
    pub fn reconciled(&self, controller: &str, result: ReconcileResult, seconds: f64) {
        self.reconcile_total
            .get_or_create(&ResultLabels {
                controller: controller.to_owned(),
                result: result.as_str().to_owned(),
            })
            .inc();
        self.reconcile_duration
            .get_or_create(&ControllerLabel {
                controller: controller.to_owned(),
            })
            .observe(seconds);
    }

    /// Records one DAG execution (`pequod_dag_execution_duration_seconds`).
    pub fn dag_executed(&self, seconds: f64) {
        self.dag_duration.observe(seconds);
    }

    /// Sets `pequod_dag_nodes_total{namespace,name}` for one ResourceGraph.
    pub fn set_dag_nodes(&self, namespace: &str, name: &str, nodes: usize) {
        self.dag_nodes
            .get_or_create(&graph(namespace, name))
            .set(i64::try_from(nodes).unwrap_or(i64::MAX));
    }

    /// Drops the node count of a deleted ResourceGraph.
    pub fn remove_dag(&self, namespace: &str, name: &str) {
        self.dag_nodes.remove(&graph(namespace, name));
    }

    /// Records one server-side apply (`pequod_apply_total{result}`,
    /// `pequod_apply_duration_seconds`).
    pub fn applied(&self, result: ApplyResult, seconds: f64) {
        self.apply_total.get_or_create(&result.label()).inc();
        self.apply_duration.observe(seconds);
    }

    /// Counts a CUE module cache hit.
    pub fn cue_cache_hit(&self) {
        self.cache_hits.inc();
    }

    /// Counts a CUE module cache miss.
    pub fn cue_cache_miss(&self) {
        self.cache_misses.inc();
    }

    /// Records one module fetch (`pequod_cue_fetch_total{result}`,
    /// `pequod_cue_fetch_duration_seconds`).
    pub fn cue_fetched(&self, result: ApplyResult, seconds: f64) {
        self.fetch_total.get_or_create(&result.label()).inc();
        self.fetch_duration.observe(seconds);
    }

    /// Counts a CUE render error.
    pub fn cue_render_error(&self) {
        self.render_errors.inc();
    }
}

fn graph(namespace: &str, name: &str) -> GraphLabels {
    GraphLabels {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    }
}

fn reconcile_histogram_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.005, 2.0, 14)
}
