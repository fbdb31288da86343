//! What a run measured (`../shared/model.md` section 4).
//!
//! The model fills these while it runs; writers and the experiment layer read
//! them afterwards. Nothing here knows about the engine or about files.

pub mod record;
pub mod stats;

pub use record::*;
