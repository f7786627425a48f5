//! The whole scan of an mbox equals a line-by-line reference split with
//! each message analyzed alone (issue 11, section 1): mapped at -j 1 and
//! -j 2 with tiny rounds and windows, in shards, gzip-compressed, and
//! through the streaming reader in tiny chunks. The first 4 bytes choose
//! the sizes; the rest is the mbox (a `From ` line is put before it when
//! it does not start with one).
#![no_main]
use libfuzzer_sys::fuzz_target;
use smimescan::mailbox;

#[path = "../../tests/common/mbox_reference.rs"]
mod mbox_reference;

fuzz_target!(|input: &[u8]| {
    if input.len() < 4 || input.len() > 64 << 10 {
        return;
    }
    let (p, body) = input.split_at(4);
    let mut data = Vec::with_capacity(body.len() + 40);
    if !mailbox::is_mbox(body) {
        data.extend_from_slice(b"From - Mon Jun  3 10:00:00 2024\n");
    }
    data.extend_from_slice(body);
    let window = 1 + p[0] as usize % 97;
    let round = 1 + p[1] as usize * 5;
    let chunk = 1 + p[2] as usize * 3;
    let step = 1 + p[3] as usize;
    let dir = std::env::temp_dir().join(format!("smimescan-fuzz-{}", std::process::id()));
    mbox_reference::check_all_paths(&data, window, round, chunk, step, &dir);
});
