//! Command line.
use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "smimescan", version)]
pub struct Cli {}

pub fn run(_cli: Cli) -> i32 {
    0
}
