//! The process-wide metrics recorder, shared by the server and whatever else records metrics.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use portico_domain::invariant::guaranteed;

/// The process-wide Prometheus recorder: `metrics` allows one global recorder, which every
/// app in the process (several in tests) shares.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = guaranteed(
                PrometheusBuilder::new().set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                ),
                "the bucket list is not empty",
            );
            guaranteed(builder.install_recorder(), "this is the one place that installs a metrics recorder")
        })
        .clone()
}
