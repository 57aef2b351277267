fn main() -> std::process::ExitCode {
    orgmap::cli::main()
}
