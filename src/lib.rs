//! cinch finds insecure defaults in configuration and application code and fixes them with
//! byte-range edits on the original text.

pub mod config;
pub mod context;
pub mod edit;
pub mod finding;
pub mod formats;
pub mod rule;
pub mod source;
pub mod engine;
pub mod suppress;
pub mod catalog;
pub mod report;
