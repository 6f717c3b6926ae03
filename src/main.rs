fn main() {
    std::process::exit(coracle::main());
}
