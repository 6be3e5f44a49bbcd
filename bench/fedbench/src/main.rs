//! fedbench: the helper of the federation benchmark (bench/federation.sh).
//!
//! - `fedbench keygen --dir D [--count 4]`: RSA-2048 key pairs for the
//!   simulated remote actors (`D/key{i}.pem`, PKCS#8, and `D/key{i}.pub.pem`).
//! - `fedbench fleet --keys D --ports N --base-port P [--key-url URL]`: N
//!   simulated remote instances on 127.0.0.1:P … P+N-1 that verify and count
//!   roost's deliveries and serve their actors' documents ([`fleet`]).
//! - `fedbench intake --keys D --target URL --fleet-base-port P --fleet-ports N
//!   --actors K --count M --concurrency C`: signed Create(Note) activities
//!   POSTed to roost's shared inbox ([`intake`]).
//! - `fedbench speed --keys D [--count 2000]`: what one RSA-2048 signature
//!   and one verification cost on one core ([`keys::speed`]).
//!
//! Signing and verifying are roost's own code: `signatures` is roost's
//! src/federation/signatures.rs compiled into this crate.

#[allow(dead_code)]
#[path = "../../../src/federation/signatures.rs"]
mod signatures;

mod args;
mod fleet;
mod intake;
mod keys;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    let Some(command) = argv.next() else {
        eprintln!("usage: fedbench keygen|speed|fleet|intake [--option value …]");
        return ExitCode::from(2);
    };
    let args = match args::Args::parse(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fedbench {command}: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = match command.as_str() {
        "keygen" => keys::keygen(&args),
        "speed" => keys::speed(&args),
        "fleet" => runtime().and_then(|rt| rt.block_on(fleet::run(&args))),
        "intake" => runtime().and_then(|rt| rt.block_on(intake::run(&args))),
        other => Err(format!("unknown command {other}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fedbench {command}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A multi-threaded runtime with `FEDBENCH_THREADS` workers (default: one per core).
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = std::env::var("FEDBENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        b.worker_threads(n);
    }
    b.enable_all().build().map_err(|e| e.to_string())
}

/// Milliseconds since the Unix epoch, with microseconds: the clock the
/// driver script compares with its own.
pub fn epoch_ms() -> f64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    d.as_secs_f64() * 1000.0
}
