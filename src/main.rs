use clap::Parser;

fn main() {
    let cli = smimescan::cli::Cli::parse();
    std::process::exit(smimescan::cli::run(cli));
}
