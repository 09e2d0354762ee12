//! The `forge` binary: everything lives in the library; this only hands over the exit status.

fn main() -> std::process::ExitCode {
    forge::run(std::env::args_os())
}
