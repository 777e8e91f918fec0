//! Any bytes given to the importer yield a collection or an error, never a panic, a hang or
//! a stack overflow; what is imported renders and re-imports to the same collection.
#![no_main]

use ferry_postman::Collection;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(collection) = Collection::import(data) {
        let rendered = collection.to_canonical_json();
        let again = Collection::import(rendered.as_bytes()).expect("a rendered collection imports");
        assert_eq!(again, collection);
        assert_eq!(again.to_canonical_json(), rendered);
    }
});
