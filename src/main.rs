mod api;
mod cli;
mod engine;
mod wire;

fn main() {
    std::process::exit(cli::main());
}
