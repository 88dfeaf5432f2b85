//! Outcomes the code guarantees. Portico does not panic on what comes from outside: every such
//! failure is a typed error. A few calls return a `Result` only because their signature must
//! allow for failures that cannot happen where they are used (encrypting with a key of the right
//! length, serialising a struct of strings and numbers, a TLS configuration built from the
//! library's own defaults). They go through [`guaranteed`], which names the reason and is the
//! one place the lints allow a panic outside tests.

/// The value of `result`, which cannot be an error: `why` says what guarantees it. Were the
/// guarantee ever broken, that is a bug in Portico, and the panic names it.
#[allow(clippy::expect_used)]
pub fn guaranteed<T, E: std::fmt::Debug>(result: Result<T, E>, why: &'static str) -> T {
    result.expect(why)
}
