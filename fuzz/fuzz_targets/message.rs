//! One message's whole analysis: MIME structure → S/MIME → CMS → signature
//! → chain → verdict. Must never panic and always give a verdict.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use smimescan::policy::Policy;
use smimescan::scan::{analyze, analyze_marked, AtMode, Context};

fn ctx() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| Context::new(Policy::default(), AtMode::Fixed(1_767_225_600)))
}

fuzz_target!(|data: &[u8]| {
    let row = analyze(data, ctx());
    assert!(!row.verdict.is_empty());
    assert!(!row.error.contains('\n'));
    // Delimiters looked for only at the dash lines (as in an mbox scan):
    // the same row.
    let marks = smimescan::mime::dash_lines(data);
    assert_eq!(analyze_marked(data, marks.as_deref(), ctx()), row);
});
