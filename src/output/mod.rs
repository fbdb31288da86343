//! Writers: CSV files, the manifest, charts and the HTML report.
//!
//! Writers read finished [`crate::metrics`] records; they know nothing of the
//! engine or the model.

pub mod atomic;
pub mod charts;
pub mod csv;
mod de;
pub mod junit;
pub mod read;
pub mod report;
pub mod table;
