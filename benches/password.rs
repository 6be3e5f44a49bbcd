//! Times one argon2id password hash and one verification with roost's
//! parameters, and one RSA key generation. Run: `cargo bench --bench password`.
//! Prints medians; nothing here asserts a time.

use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(n: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..n)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let hash = roost::auth::password::hash("correct horse battery").unwrap_or_default();
    let h = time(21, || {
        let _ = roost::auth::password::hash("correct horse battery");
    });
    let v = time(21, || {
        let _ = roost::auth::password::verify("correct horse battery", &hash);
    });
    let k = time(11, || {
        let _ = roost::auth::keys::generate();
    });
    println!(
        "argon2id hash (19 MiB, t=2, p=1): median {:.1} ms",
        h.as_secs_f64() * 1e3
    );
    println!(
        "argon2id verify:                  median {:.1} ms",
        v.as_secs_f64() * 1e3
    );
    println!(
        "RSA-2048 key generation:          median {:.1} ms",
        k.as_secs_f64() * 1e3
    );
}
