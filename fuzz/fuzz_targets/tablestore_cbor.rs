//! The Tablestore trigger's CBOR decoder: `fc::events::tablestore::TablestoreEvent::from_cbor`
//! on arbitrary bytes.
//!
//! No input may panic or fail otherwise than with an error; an event it decodes encodes
//! to CBOR that decodes to the same event (compared as encoded bytes, so that a NaN
//! double compares equal to itself).

#![no_main]

use fc::events::tablestore::TablestoreEvent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match TablestoreEvent::from_cbor(data) {
        Ok(event) => {
            let bytes = event.to_cbor();
            let again = TablestoreEvent::from_cbor(&bytes).expect("an encoded event decodes");
            assert_eq!(again.to_cbor(), bytes);
        }
        Err(error) => assert!(error.to_string().starts_with("invalid CBOR event: "), "{error}"),
    }
});
