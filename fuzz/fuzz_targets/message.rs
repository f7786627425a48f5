//! One message's whole analysis: MIME structure → S/MIME → CMS → signature
//! → chain → verdict. Must never panic and always give a verdict.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use smimescan::policy::Policy;
use smimescan::scan::{analyze, AtMode, Context};

fn ctx() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| Context::new(Policy::default(), AtMode::Fixed(1_767_225_600)))
}

fuzz_target!(|data: &[u8]| {
    let row = analyze(data, ctx());
    assert!(!row.verdict.is_empty());
    assert!(!row.error.contains('\n'));
});
