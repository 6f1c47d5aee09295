//! The kubernetes parser on arbitrary text: no panic, and the parsed pieces join back to the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cinch::invariants::parser("deploy.yaml", data);
});
