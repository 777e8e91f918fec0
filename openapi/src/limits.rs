//! Bounds on what a definition may be; each refusal names the limit.
//!
//! A definition is input from people and from other tools, read before anyone has looked at
//! it: these bounds keep one upload from exhausting memory or stack. They are generous for
//! real definitions (the 1.2 MB Bitbucket Cloud definition nests fewer than 20 levels and has
//! about 27,000 values) and refuse what only an attack or an accident produces.

/// The largest definition accepted, in bytes (the HTTP edge answers 413 above it).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// How deeply objects and arrays may nest (the root object is level 1), in JSON and YAML
/// alike, aliases expanded. Parsing, validation and the generator recurse at most this deep.
pub const MAX_DEPTH: usize = 64;

/// How many values (objects, arrays and scalars) a definition may have once YAML aliases are
/// expanded.
pub const MAX_NODES: usize = 2_000_000;

/// How many values YAML aliases may add in all, counted before anything is copied: a "billion
/// laughs" document is refused after reading its anchors, never expanded.
pub const MAX_ALIAS_EXPANSION: usize = 100_000;

/// Problems listed for one definition; the rest are counted in a last "and N more".
pub const MAX_PROBLEMS: usize = 100;
