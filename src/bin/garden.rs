//! Native command-line tool on the same engine: `garden train|eval|bench`. PLACEHOLDER.
fn main() {
    eprintln!("garden: not written yet");
    std::process::exit(2);
}
