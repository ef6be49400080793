//! Command-line flags of the benchmark programs (`mod args;` in each): `--name VALUE` pairs.

/// The value after `name` on the command line, if given.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}
