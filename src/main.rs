//! phiscan: parse flags, run, exit with the code INVENTORY.md defines (0 no PHI, 1 PHI found,
//! 2 the scan could not run or some files ended in error).

use clap::Parser;

fn main() {
    let cli = phiscan::cli::Cli::parse();
    let code = match phiscan::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("phiscan: error: {e:#}");
            2
        }
    };
    std::process::exit(code);
}
