#[global_allocator]
static ALLOCATOR: orgmap::memory::ReportingAllocator = orgmap::memory::ReportingAllocator;

fn main() -> std::process::ExitCode {
    orgmap::cli::main()
}
