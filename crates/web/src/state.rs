//! The state every handler shares: the core (through which every read and change goes), the
//! configuration it was built with, and what belongs to serving pages.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use axum::extract::FromRef;

use crate::demo_idp::{DemoIdp, DemoIdpState};
use crate::telemetry::metrics_handle;
use portico_core::Context;
use portico_core::config::Config;

/// Everything a handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The use cases' context: handlers pass it on and never reach past it.
    pub core: Context,
    /// The configuration the core was built with.
    pub config: Arc<Config>,
    pub metrics: PrometheusHandle,
    /// The built-in demo identity provider, only with `serve --demo`.
    pub demo_idp: Option<Arc<DemoIdp>>,
}

impl AppState {
    /// The state of a server over its core.
    pub fn new(core: Context) -> Self {
        Self { config: core.config().clone(), metrics: metrics_handle(), demo_idp: None, core }
    }
}

impl FromRef<AppState> for DemoIdpState {
    fn from_ref(state: &AppState) -> Self {
        Self { core: state.core.clone(), idp: state.demo_idp.clone() }
    }
}
