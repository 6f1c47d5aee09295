//! The whole check-fix pipeline on arbitrary text: no panic, no internal error, a fix's output
//! parses again, and a second run changes nothing. The first byte picks the format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cinch::invariants::pipeline(data);
});
