mod api;
mod cli;
mod engine;

fn main() {
    std::process::exit(cli::main());
}
