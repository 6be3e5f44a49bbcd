fn main() -> std::process::ExitCode {
    roost::cli::run()
}
