//! The generic discrete-event engine: integer time, a totally ordered event
//! queue, named random streams (with their exponential draws, [`ziggurat`],
//! and Poisson counts, [`poisson`]), the run fingerprint and a cache
//! [`prefetch`] hint.
//!
//! Nothing in here knows about Exchange, keys or users: the model in
//! [`crate::model`] brings its own event type and priority table.

pub mod fingerprint;
pub mod poisson;
pub mod prefetch;
pub mod queue;
pub mod rng;
pub mod time;
pub mod ziggurat;

pub use fingerprint::Fingerprint;
pub use queue::EventQueue;
pub use rng::{StreamRng, StreamSeed, substream};
pub use time::{Millis, SimTime};
