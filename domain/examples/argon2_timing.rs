//! How long one password hash takes on this machine, and how many sign-ins per second
//! it can check: the figures the sign-in throttle and the argon2 cost are chosen with.
//!
//! Run in release: `cargo run --release -p ferry-domain --example argon2_timing`.
//! Other work on the machine slows it down; run it on a quiet one for the real figure.

use std::thread;
use std::time::{Duration, Instant};

use ferry_domain::auth::{
    dummy_verify, hash_password, verify_password, AuthError, NewPassword, SecretString,
    ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM,
};

const SAMPLES: u32 = 20;

fn password() -> SecretString {
    SecretString::from("timing example passphrase")
}

/// The median of `SAMPLES` runs of `work`, robust to a neighbour's burst of CPU use.
fn median_time(mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), AuthError> {
    let new_password = NewPassword::parse(password())?;
    let stored = hash_password(&new_password)?;

    // The first hash succeeded, so these will too: the parameters are constants.
    let hash = median_time(|| drop(hash_password(&new_password)));
    let verify = median_time(|| assert!(verify_password(&password(), stored.as_str())));
    let dummy = median_time(|| dummy_verify(&password()));

    let cores = thread::available_parallelism().map_or(1, usize::from);
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..cores {
            scope.spawn(|| {
                for _ in 0..SAMPLES {
                    verify_password(&password(), stored.as_str());
                }
            });
        }
    });
    let checks = cores as f64 * f64::from(SAMPLES);
    let throughput = checks / start.elapsed().as_secs_f64();

    println!(
        "argon2id m={ARGON2_MEMORY_KIB} KiB, t={ARGON2_ITERATIONS}, p={ARGON2_PARALLELISM} \
         (median of {SAMPLES})"
    );
    println!("one hash:          {:.1} ms", hash.as_secs_f64() * 1e3);
    println!("one verify:        {:.1} ms", verify.as_secs_f64() * 1e3);
    println!("one dummy verify:  {:.1} ms", dummy.as_secs_f64() * 1e3);
    println!(
        "single core:       {:.1} hashes/s",
        1.0 / hash.as_secs_f64()
    );
    println!("all {cores} cores:       {throughput:.1} verifies/s");
    Ok(())
}
