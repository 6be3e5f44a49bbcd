/// glibc's allocator spent about a fifth of the CPU of a home-timeline request
/// under load (perf, docs/performance.md) and keeps per-thread arenas that
/// inflate RSS; mimalloc does better on both.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    roost::cli::run()
}
