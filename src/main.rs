fn main() -> std::process::ExitCode {
    pgtriage::cli::main()
}
