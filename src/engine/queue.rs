//! The event queue: a binary heap with a total, documented order.
//!
//! Events are ordered by `(time, priority, sequence)`:
//! - `time` first, obviously;
//! - `priority` second, so that at the same millisecond a crash is handled
//!   before the request it should make fail, whatever order they were
//!   scheduled in (the model owns the priority table);
//! - `sequence` last: the insertion counter, so that two events with the same
//!   time and priority keep the order they were scheduled in. Without it the
//!   heap would break ties arbitrarily and runs would not be reproducible.
//!
//! Only rare events live here (lifecycle, key changes, probes, retries). The
//! request stream, which is most of the work, is merged in by the model
//! without touching the heap.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The position of an event in the total order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventKey {
    /// When it happens.
    pub time: SimTime,
    /// Lower runs first at the same instant.
    pub priority: u8,
    /// Insertion counter: ties keep scheduling order.
    pub sequence: u64,
}

struct Entry<E> {
    key: EventKey,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest key on top.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A priority queue of events of type `E`, earliest key first.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_sequence: u64,
    /// Time of the earliest event, or `NEVER`: read before every request,
    /// so kept at hand rather than looked up in the heap.
    next_time: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_sequence: 0,
            next_time: SimTime::NEVER,
        }
    }

    /// Schedules `event` at `time` with `priority` (lower first at equal times).
    #[inline]
    pub fn schedule(&mut self, time: SimTime, priority: u8, event: E) {
        let key = EventKey {
            time,
            priority,
            sequence: self.next_sequence,
        };
        self.next_sequence += 1;
        self.next_time = self.next_time.min(time);
        self.heap.push(Entry { key, event });
    }

    /// The key of the earliest event, if any.
    #[inline]
    pub fn peek_key(&self) -> Option<EventKey> {
        self.heap.peek().map(|e| e.key)
    }

    /// The time of the earliest event, or [`SimTime::NEVER`] when empty.
    #[inline]
    pub fn next_time(&self) -> SimTime {
        self.next_time
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(EventKey, E)> {
        let popped = self.heap.pop().map(|e| (e.key, e.event));
        self.next_time = self.heap.peek().map_or(SimTime::NEVER, |e| e.key.time);
        popped
    }

    /// Every pending event, in no particular order (for checks that look
    /// at what is still to come, never for processing).
    pub fn pending(&self) -> impl Iterator<Item = &E> {
        self.heap.iter().map(|e| &e.event)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_priority_then_insertion() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 3, "late-low");
        q.schedule(SimTime(5), 4, "early-b1");
        q.schedule(SimTime(5), 1, "early-a");
        q.schedule(SimTime(5), 4, "early-b2");
        q.schedule(SimTime(5), 4, "early-b3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            ["early-a", "early-b1", "early-b2", "early-b3", "late-low"]
        );
    }

    #[test]
    fn next_time_follows_schedules_and_pops() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 0, 'a');
        assert_eq!(q.next_time(), SimTime(10));
        q.schedule(SimTime(20), 0, 'b');
        q.schedule(SimTime(5), 9, 'c');
        assert_eq!(q.next_time(), SimTime(5));
        let mut pending: Vec<char> = q.pending().copied().collect();
        pending.sort_unstable();
        assert_eq!(pending, ['a', 'b', 'c']);
        assert_eq!(q.pop().map(|(_, e)| e), Some('c'));
        assert_eq!(q.next_time(), SimTime(10));
        q.pop();
        q.pop();
        assert_eq!(q.next_time(), SimTime::NEVER);
    }

    #[test]
    fn empty_queue_reports_never() {
        let q: EventQueue<()> = EventQueue::new();
        assert_eq!(q.next_time(), SimTime::NEVER);
        assert!(q.is_empty());
    }
}
