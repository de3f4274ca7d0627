//! phiscan: parse flags, run, exit with the code INVENTORY.md defines (0 no PHI, 1 PHI found,
//! 2 the scan could not run or some files ended in error).

use clap::Parser;

/// mimalloc: findings allocate and free small strings (values, masks) at a high rate, and
/// glibc's malloc and free were ~8% of the time on dense patient lists (see DESIGN.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == phiscan::engine::isolate::WORKER_ARG)
    {
        phiscan::engine::isolate::worker_main();
    }
    phiscan::engine::quiet_panics();
    let cli = phiscan::cli::Cli::parse();
    let code = match phiscan::cli::run(cli) {
        Ok(code) => code,
        Err(e) if phiscan::cli::stdout_closed(&e) => 0,
        Err(e) => {
            eprintln!("phiscan: error: {e:#}");
            2
        }
    };
    std::process::exit(code);
}
