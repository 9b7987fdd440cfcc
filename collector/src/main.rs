fn main() -> std::process::ExitCode {
    rum_collector::cli::main()
}
