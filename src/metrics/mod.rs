//! What a run measured (`docs/model.md` section 7, "Measurement").
//!
//! The model fills a [`Recorder`] while it runs; writers and the experiment
//! layer read the finished records. Nothing here knows about the engine or
//! about files.

pub mod record;
pub mod recorder;
pub mod stats;

pub use record::*;
pub use recorder::Recorder;
