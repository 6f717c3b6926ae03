mod engine;

fn main() {}
