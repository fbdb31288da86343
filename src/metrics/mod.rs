//! What a run measured (`docs/model.md` section 7, "Measurement").
//!
//! The model fills a [`Recorder`] while it runs; the recorder hands each row
//! to a [`RowSink`] as soon as it is final (the experiment layer's sink
//! streams them to files, [`Collect`] keeps them), and returns the totals at
//! the end. Nothing here knows about the engine or about files.

pub mod record;
pub mod recorder;
pub mod sink;
pub mod stats;

pub use record::*;
pub use recorder::Recorder;
pub use sink::{Collect, RowSink};
