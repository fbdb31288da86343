//! Where a run's rows go: the recorder hands each time-series bucket,
//! failure window, timeline interval and trace event to a [`RowSink`] as
//! soon as it is final, so that a run keeps none of them.
//!
//! Rows are rare events (one per bucket, per state interval, per window,
//! per traced event), never one per request: the request path only
//! increments counters. The sink is provided by whoever runs the model:
//! [`Collect`] keeps the rows in memory (the library's
//! [`crate::model::run`], tests), the experiment layer streams them to
//! files. Buckets and trace events come in time order; windows and timeline
//! intervals come when they end, and their files are ordered by start
//! ([`window_order`], [`interval_order`]), which the sink does.

use super::record::{BucketRecord, StateInterval, TraceRecord, WindowRecord};

/// Receives a run's rows as they become final (see the module doc).
pub trait RowSink {
    /// A time-series bucket, in time order.
    fn bucket(&mut self, row: &BucketRecord);
    /// A failure window that closed (in order of closing).
    fn window(&mut self, row: &WindowRecord);
    /// A server or worker state interval that ended (in order of ending).
    fn interval(&mut self, row: &StateInterval);
    /// A traced event (only with tracing on), in time order.
    fn trace(&mut self, row: &TraceRecord);
}

/// The order of `windows.csv` rows within a run: start, server, app pool
/// (ties keep the order of closing).
pub fn window_order(w: &WindowRecord) -> (u64, u32, &str) {
    (w.start_ms, w.server, &w.app_pool)
}

/// The order of `timeline.csv` rows within a run: start, server, app pool
/// (ties keep the order of ending).
pub fn interval_order(s: &StateInterval) -> (u64, u32, &str) {
    (s.start_ms, s.server, &s.app_pool)
}

/// Keeps every row in memory; [`Collect::sorted`] puts windows and
/// intervals in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collect {
    /// Time-series buckets.
    pub timeseries: Vec<BucketRecord>,
    /// Failure windows.
    pub windows: Vec<WindowRecord>,
    /// State intervals.
    pub timeline: Vec<StateInterval>,
    /// Traced events.
    pub trace: Vec<TraceRecord>,
}

impl Collect {
    /// Windows and intervals in file order (stable sorts).
    pub fn sorted(mut self) -> Self {
        self.windows
            .sort_by(|a, b| window_order(a).cmp(&window_order(b)));
        self.timeline
            .sort_by(|a, b| interval_order(a).cmp(&interval_order(b)));
        self
    }
}

impl RowSink for Collect {
    fn bucket(&mut self, row: &BucketRecord) {
        self.timeseries.push(*row);
    }
    fn window(&mut self, row: &WindowRecord) {
        self.windows.push(row.clone());
    }
    fn interval(&mut self, row: &StateInterval) {
        self.timeline.push(row.clone());
    }
    fn trace(&mut self, row: &TraceRecord) {
        self.trace.push(row.clone());
    }
}
