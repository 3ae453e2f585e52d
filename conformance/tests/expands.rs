//! The suite macro expands, from a crate of its own as users call it, for any `App`.

use authkit_http_conformance::{App, Target, TargetOptions};

/// An app that is never started: the expansion below is type-checked, not run.
struct NeverStarted;

impl App for NeverStarted {
    async fn start(&self, _options: TargetOptions) -> Target {
        unreachable!("the expansion test only compiles the suite")
    }
}

/// The tests generated inside a function are not registered, so they do not run here.
#[allow(dead_code, unnameable_test_items)]
fn the_suite_macro_expands_for_any_app() {
    authkit_http_conformance::http_conformance_suite!(NeverStarted);
}
