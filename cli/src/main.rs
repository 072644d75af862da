//! The `open-connectors` binary: [`open_connectors_cli::run`] over the process's own
//! streams and environment.

fn main() {
    std::process::exit(open_connectors_cli::run_std(std::env::args_os()));
}
