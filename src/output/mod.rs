//! Writers: CSV files, the manifest, charts, the HTML report and the
//! `--json` documents.
//!
//! Writers read finished [`crate::metrics`] records (and [`json`] the
//! experiment's finished results); they know nothing of the engine or the
//! model.

pub mod atomic;
pub mod charts;
pub mod csv;
mod de;
pub mod json;
pub mod junit;
pub mod read;
pub mod report;
pub mod table;
