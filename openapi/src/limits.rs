//! Bounds on what a definition may be; each refusal names the limit.
