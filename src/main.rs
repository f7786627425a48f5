//! The `smimescan` command: flags → [`smimescan::cli::run`] → exit status.

// mimalloc: rows and messages are allocated on one thread and freed on
// another (pool → writer); glibc's arenas made that ~5-8 % of a run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

fn main() {
    let cli = smimescan::cli::Cli::parse();
    std::process::exit(smimescan::cli::run(cli));
}
