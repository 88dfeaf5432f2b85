//! The state every handler shares: the core (through which every read and change goes), the
//! configuration it was built with, and what belongs to serving pages.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use axum::extract::FromRef;

use crate::demo_idp::{DemoIdp, DemoIdpState};
use crate::telemetry::metrics_handle;
use portico_core::Context;
use portico_core::config::Config;

/// Everything a handler may need, cheap to clone: one reference count, as every extractor and
/// middleware of every request clones it.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
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
        Self::with_demo_idp(core, None)
    }

    /// The state of a server over its core, with the built-in demo identity provider.
    pub fn with_demo_idp(core: Context, demo_idp: Option<Arc<DemoIdp>>) -> Self {
        Self(Arc::new(Shared { config: core.config().clone(), metrics: metrics_handle(), demo_idp, core }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for DemoIdpState {
    fn from_ref(state: &AppState) -> Self {
        Self { core: state.core.clone(), idp: state.demo_idp.clone() }
    }
}
