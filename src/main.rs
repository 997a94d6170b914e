//! The `clew` command line: thin wiring over the library; each subcommand lives in `cli/`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

// Loading allocates small strings per row on every thread; mimalloc's thread-local heaps keep
// that off the profile (glibc malloc was about 15% of a build).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose);
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`clew algo ... | head`) is the reader's choice, not a failure.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("clew: error: {err:#}");
            ExitCode::from(cli::exit_code(&err))
        }
    }
}
