//! One run's rows streamed to files while it runs, so that memory does not
//! grow with simulated time or with the size of the output.
//!
//! [`SpillSink`] is the [`RowSink`] the runner gives the model: each row is
//! formatted as its CSV line when the recorder hands it over and written to
//! the run's own files in a spill folder (inside the staging folder of the
//! result). Time-series buckets and traced events arrive in file order and
//! go straight to their files. Windows and timeline intervals arrive when
//! they end but are written in order of start: they are sorted in bounded
//! chunks, spilled to chunk files when a chunk fills up, and merged at the
//! end of the run (an external merge sort; one chunk, the usual case, is
//! sorted in memory and written once). The window percentiles of
//! `runs.csv` need every window duration: they are kept in memory up to a
//! bound, beyond it in a binary file, from which the percentiles are
//! selected by radix (four passes of 16 bits) in constant memory.
//!
//! Memory per run in progress is therefore bounded by the chunk and
//! duration limits ([`Limits`]), whatever the horizon, the bucket, the rates
//! or the number of windows. The folder writer later appends the run's files
//! to the result files in run order by copying them, and removes them.

use crate::metrics::stats::nearest_rank;
use crate::metrics::{BucketRecord, RowSink, RunId, StateInterval, TraceRecord, WindowRecord};
use crate::output::csv::{self, CsvWriter};
use crate::scenario::clock::WallClock;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// How much one run may hold in memory before spilling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Windows or intervals sorted in memory at once (one chunk).
    pub chunk_rows: usize,
    /// Chunk files merged at once (more are merged in several passes).
    pub fan_in: usize,
    /// Window durations kept in memory before they go to a file.
    pub durations_in_memory: usize,
}

impl Default for Limits {
    /// About 20 MB per run at most: 2 x 32,768 sorted rows of about 150
    /// bytes, 262,144 durations of 8 bytes, and the file buffers of a merge
    /// of 64 chunks ([`bytes_per_run`]).
    fn default() -> Self {
        Limits {
            chunk_rows: 32_768,
            fan_in: 64,
            durations_in_memory: 262_144,
        }
    }
}

/// The bytes [`Limits`] let one run hold at most (for the memory estimate).
pub fn bytes_per_run(limits: &Limits) -> u64 {
    // Two sorted spills of chunk_rows rows (line, key, allocation), the
    // durations, one 64 KiB buffer per open file (four files, the merge's
    // fan_in readers).
    let rows = 2 * limits.chunk_rows as u64 * 192;
    let durations = limits.durations_in_memory as u64 * 8;
    let buffers = (4 + limits.fan_in as u64) * (64 << 10);
    rows + durations + buffers + (512 << 10)
}

/// The files of one finished run (each its rows in file order, no header).
#[derive(Debug)]
pub struct SpilledRun {
    /// `windows.csv` rows.
    pub windows: PathBuf,
    /// `timeseries.csv` rows.
    pub timeseries: PathBuf,
    /// `timeline.csv` rows.
    pub timeline: PathBuf,
    /// `events.csv` rows (with tracing).
    pub events: Option<PathBuf>,
    /// Nearest-rank 50th and 95th percentiles of the window durations [ms].
    pub window_p50_ms: u64,
    /// See `window_p50_ms`.
    pub window_p95_ms: u64,
}

const BUFFER: usize = 64 << 10;

fn create(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(BUFFER, File::create(path)?))
}

/// Streams one run's rows to files in `dir` (see the module doc).
pub struct SpillSink<'a> {
    dir: PathBuf,
    id: RunId,
    app_pools: &'a [String],
    /// `simulation.start`: the rows get their wall-clock columns.
    clock: Option<WallClock>,
    limits: Limits,
    /// Formats one row at a time.
    line: CsvWriter,
    timeseries: BufWriter<File>,
    events: Option<BufWriter<File>>,
    windows: SortedSpill,
    timeline: SortedSpill,
    durations: Durations,
    /// The first I/O error; later rows are dropped and [`SpillSink::finish`] returns it.
    error: Option<io::Error>,
}

impl<'a> SpillSink<'a> {
    /// A sink writing run `id`'s rows into `dir` (created; it must not
    /// exist). `app_pools` names the trace's app pool indices; `trace`
    /// says whether `events.csv` is written.
    pub fn create(
        dir: &Path,
        id: RunId,
        app_pools: &'a [String],
        trace: bool,
        limits: Limits,
    ) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(SpillSink {
            dir: dir.to_path_buf(),
            id,
            app_pools,
            clock: None,
            limits,
            line: CsvWriter::rows_only(),
            timeseries: create(&dir.join("timeseries.csv"))?,
            events: if trace {
                Some(create(&dir.join("events.csv"))?)
            } else {
                None
            },
            windows: SortedSpill::new(dir, "windows"),
            timeline: SortedSpill::new(dir, "timeline"),
            durations: Durations::new(dir.join("durations.bin")),
            error: None,
        })
    }

    /// With the wall-clock columns of `simulation.start`, if the scenario
    /// has one.
    pub fn with_clock(mut self, clock: Option<WallClock>) -> Self {
        self.clock = clock;
        self
    }

    fn keep(&mut self, result: io::Result<()>) {
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }

    /// Writes the sorted files and computes the percentiles; returns the
    /// first I/O error of the run if there was one.
    pub fn finish(mut self) -> io::Result<SpilledRun> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.timeseries.flush()?;
        if let Some(events) = &mut self.events {
            events.flush()?;
        }
        let windows = self.windows.finish(&self.limits)?;
        let timeline = self.timeline.finish(&self.limits)?;
        let [window_p50_ms, window_p95_ms] = self.durations.percentiles([50, 95])?;
        Ok(SpilledRun {
            windows,
            timeseries: self.dir.join("timeseries.csv"),
            timeline,
            events: self.events.is_some().then(|| self.dir.join("events.csv")),
            window_p50_ms,
            window_p95_ms,
        })
    }
}

impl RowSink for SpillSink<'_> {
    fn bucket(&mut self, row: &BucketRecord) {
        if self.error.is_some() {
            return;
        }
        csv::bucket_row(&mut self.line, &self.id, row, self.clock.as_ref());
        let result = self.line.drain(|line| self.timeseries.write_all(line));
        self.keep(result);
    }

    fn window(&mut self, row: &WindowRecord) {
        if self.error.is_some() {
            return;
        }
        csv::window_row(&mut self.line, &self.id, row, self.clock.as_ref());
        let key = Key::of(row.start_ms, row.server, &row.app_pool);
        let result = self
            .line
            .drain(|line| self.windows.push(key, line, &self.limits))
            .and_then(|()| self.durations.push(row.duration_ms(), &self.limits));
        self.keep(result);
    }

    fn interval(&mut self, row: &StateInterval) {
        if self.error.is_some() {
            return;
        }
        csv::interval_row(&mut self.line, &self.id, row, self.clock.as_ref());
        let key = Key::of(row.start_ms, row.server, &row.app_pool);
        let result = self
            .line
            .drain(|line| self.timeline.push(key, line, &self.limits));
        self.keep(result);
    }

    fn trace(&mut self, row: &TraceRecord) {
        if self.error.is_some() {
            return;
        }
        let Some(events) = self.events.as_mut() else {
            return;
        };
        csv::event_row(
            &mut self.line,
            &self.id,
            row,
            self.app_pools,
            self.clock.as_ref(),
        );
        let result = self.line.drain(|line| events.write_all(line));
        self.keep(result);
    }
}

/// The sort key of a window or interval: start, server, app pool (see
/// [`crate::metrics::sink::window_order`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    start: u64,
    server: u32,
    app_pool: Vec<u8>,
}

impl Key {
    fn of(start: u64, server: u32, app_pool: &str) -> Key {
        Key {
            start,
            server,
            app_pool: app_pool.as_bytes().to_vec(),
        }
    }
}

/// One row of a sorted spill: its key and its CSV line.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    key: Key,
    line: Vec<u8>,
}

impl Entry {
    /// Chunk file record: start, server, app pool length, line length
    /// (little-endian), app pool, line.
    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.key.start.to_le_bytes())?;
        out.write_all(&self.key.server.to_le_bytes())?;
        out.write_all(&(self.key.app_pool.len() as u32).to_le_bytes())?;
        out.write_all(&(self.line.len() as u32).to_le_bytes())?;
        out.write_all(&self.key.app_pool)?;
        out.write_all(&self.line)
    }

    /// The next record of a chunk file, `None` at its end.
    fn read(input: &mut impl Read) -> io::Result<Option<Entry>> {
        let mut head = [0u8; 20];
        match input.read_exact(&mut head[..1]) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        input.read_exact(&mut head[1..])?;
        let word = |at: usize| u32::from_le_bytes(head[at..at + 4].try_into().expect("4 bytes"));
        let start = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
        let mut app_pool = vec![0; word(12) as usize];
        input.read_exact(&mut app_pool)?;
        let mut line = vec![0; word(16) as usize];
        input.read_exact(&mut line)?;
        Ok(Some(Entry {
            key: Key {
                start,
                server: word(8),
                app_pool,
            },
            line,
        }))
    }
}

/// Rows that come in any order and leave sorted by key, stably (see the
/// module doc).
struct SortedSpill {
    dir: PathBuf,
    name: &'static str,
    buffer: Vec<Entry>,
    /// Sorted chunk files, in the order their rows arrived.
    chunks: Vec<PathBuf>,
    /// Chunk files made so far (for unique names).
    made: usize,
}

impl SortedSpill {
    fn new(dir: &Path, name: &'static str) -> Self {
        SortedSpill {
            dir: dir.to_path_buf(),
            name,
            buffer: Vec::new(),
            chunks: Vec::new(),
            made: 0,
        }
    }

    fn push(&mut self, key: Key, line: &[u8], limits: &Limits) -> io::Result<()> {
        if self.buffer.len() >= limits.chunk_rows {
            self.spill_buffer()?;
        }
        self.buffer.push(Entry {
            key,
            line: line.to_vec(),
        });
        Ok(())
    }

    fn chunk_path(&mut self) -> PathBuf {
        self.made += 1;
        self.dir.join(format!("{}.chunk-{}", self.name, self.made))
    }

    /// Sorts the buffer (stably) into a new chunk file.
    fn spill_buffer(&mut self) -> io::Result<()> {
        self.buffer.sort_by(|a, b| a.key.cmp(&b.key));
        let path = self.chunk_path();
        let mut out = create(&path)?;
        for e in self.buffer.drain(..) {
            e.write(&mut out)?;
        }
        out.flush()?;
        self.chunks.push(path);
        Ok(())
    }

    /// Writes `NAME.csv` (the lines in key order) and returns its path.
    fn finish(mut self, limits: &Limits) -> io::Result<PathBuf> {
        let path = self.dir.join(format!("{}.csv", self.name));
        if self.chunks.is_empty() {
            self.buffer.sort_by(|a, b| a.key.cmp(&b.key));
            let mut out = create(&path)?;
            for e in &self.buffer {
                out.write_all(&e.line)?;
            }
            out.flush()?;
            return Ok(path);
        }
        if !self.buffer.is_empty() {
            self.spill_buffer()?;
        }
        let fan_in = limits.fan_in.max(2);
        // Merge the oldest chunks into one (kept first, so that ties stay
        // in arrival order) until one pass can merge the rest.
        while self.chunks.len() > fan_in {
            let merged = self.chunk_path();
            let oldest: Vec<PathBuf> = self.chunks.drain(..fan_in).collect();
            merge_chunks(&oldest, &merged, true)?;
            self.chunks.insert(0, merged);
        }
        merge_chunks(&self.chunks, &path, false)?;
        Ok(path)
    }
}

/// A chunk's next entry in the merge heap: smallest key first, then the
/// earlier chunk (stability).
struct Head {
    entry: Entry,
    chunk: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.entry.key, self.chunk).cmp(&(&other.entry.key, other.chunk))
    }
}

/// Merges sorted chunk files into `out`: as a chunk (`as_chunk`) or as the
/// lines alone. The inputs are removed.
fn merge_chunks(chunks: &[PathBuf], out: &Path, as_chunk: bool) -> io::Result<()> {
    let mut readers = chunks
        .iter()
        .map(|p| Ok(BufReader::with_capacity(BUFFER, File::open(p)?)))
        .collect::<io::Result<Vec<_>>>()?;
    let mut heap = BinaryHeap::new();
    for (chunk, r) in readers.iter_mut().enumerate() {
        if let Some(entry) = Entry::read(r)? {
            heap.push(Reverse(Head { entry, chunk }));
        }
    }
    let mut writer = create(out)?;
    while let Some(Reverse(Head { entry, chunk })) = heap.pop() {
        if as_chunk {
            entry.write(&mut writer)?;
        } else {
            writer.write_all(&entry.line)?;
        }
        if let Some(entry) = Entry::read(&mut readers[chunk])? {
            heap.push(Reverse(Head { entry, chunk }));
        }
    }
    writer.flush()?;
    drop(readers);
    for p in chunks {
        fs::remove_file(p)?;
    }
    Ok(())
}

/// Every window duration of a run, for its percentiles (see the module doc).
struct Durations {
    memory: Vec<u64>,
    file: PathBuf,
    /// Some durations went to the file.
    spilled: bool,
}

impl Durations {
    fn new(file: PathBuf) -> Self {
        Durations {
            memory: Vec::new(),
            file,
            spilled: false,
        }
    }

    fn push(&mut self, d: u64, limits: &Limits) -> io::Result<()> {
        if self.memory.len() >= limits.durations_in_memory {
            self.spill()?;
        }
        self.memory.push(d);
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        let file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)?;
        let mut out = BufWriter::with_capacity(BUFFER, file);
        for d in self.memory.drain(..) {
            out.write_all(&d.to_le_bytes())?;
        }
        out.flush()?;
        self.spilled = true;
        Ok(())
    }

    /// Nearest-rank percentiles `ps` of every duration (0 when none).
    fn percentiles<const N: usize>(mut self, ps: [u32; N]) -> io::Result<[u64; N]> {
        if !self.spilled {
            self.memory.sort_unstable();
            return Ok(ps.map(|p| nearest_rank(&self.memory, p)));
        }
        self.spill()?;
        let n = fs::metadata(&self.file)?.len() / 8;
        // The same rank as nearest_rank: the smallest value with at least
        // p% of the values at or below it.
        let ranks = ps.map(|p| (u64::from(p.min(100)) * n).div_ceil(100).max(1));
        let values = radix_select(&self.file, ranks)?;
        fs::remove_file(&self.file)?;
        Ok(values)
    }
}

/// The `ranks`-th smallest (1-based) of the little-endian `u64`s in `path`,
/// in four passes of 16 bits with two 65,536-entry histograms per rank.
fn radix_select<const N: usize>(path: &Path, mut ranks: [u64; N]) -> io::Result<[u64; N]> {
    let mut prefix = [0u64; N];
    let mut mask = 0u64;
    for shift in [48u32, 32, 16, 0] {
        let mut histograms = vec![vec![0u64; 1 << 16]; N];
        let mut input = BufReader::with_capacity(BUFFER, File::open(path)?);
        let mut word = [0u8; 8];
        loop {
            match input.read_exact(&mut word) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e),
            }
            let d = u64::from_le_bytes(word);
            let digit = ((d >> shift) & 0xffff) as usize;
            for k in 0..N {
                if d & mask == prefix[k] {
                    histograms[k][digit] += 1;
                }
            }
        }
        for k in 0..N {
            let mut below = 0;
            for (digit, &count) in histograms[k].iter().enumerate() {
                if below + count >= ranks[k] {
                    ranks[k] -= below;
                    prefix[k] |= (digit as u64) << shift;
                    break;
                }
                below += count;
            }
        }
        mask |= 0xffff << shift;
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Collect, SpawnCause, StateKind};
    use crate::output::csv::tests::sample_run;

    fn windows(n: u64) -> Vec<WindowRecord> {
        // Start times repeat and come out of order; durations spread wide.
        (0..n)
            .map(|i| {
                let start = (i * 7919) % 50 * 1000;
                WindowRecord {
                    server: (i % 3) as u32,
                    app_pool: ["ews", "a,b", "mapi"][(i % 5 % 3) as usize].into(),
                    start_ms: start,
                    end_ms: start + (i * i * 104_729) % 2_000_000_000,
                    cause: SpawnCause::MaRecycle,
                    updated: true,
                    rollover: 1,
                    rejected_requests: i,
                    users_affected: 1,
                }
            })
            .collect()
    }

    fn intervals(n: u64) -> Vec<StateInterval> {
        (0..n)
            .map(|i| StateInterval {
                server: (i % 4) as u32,
                app_pool: if i % 2 == 0 {
                    String::new()
                } else {
                    "ews".into()
                },
                state: StateKind::WorkerStarting,
                start_ms: (i * 31) % 17,
                end_ms: 1000 + i,
            })
            .collect()
    }

    /// With tiny limits (many chunks, several merge passes, durations in a
    /// file) and with the defaults (all in memory), the files are exactly
    /// the rows the in-memory writers give, and the percentiles those of
    /// every duration.
    #[test]
    fn spilled_rows_equal_the_in_memory_rows_whatever_the_limits() {
        let tiny = Limits {
            chunk_rows: 3,
            fan_in: 2,
            durations_in_memory: 4,
        };
        let start = crate::scenario::clock::WallClock::parse("2026-06-01T00:00:00Z").unwrap();
        let cases = [(tiny, None), (Limits::default(), None), (tiny, Some(start))];
        for (limits, clock) in cases {
            let dir = tempfile::tempdir().unwrap();
            let mut run = sample_run(false);
            let pools = vec!["ews".to_string()];
            let mut sink = SpillSink::create(&dir.path().join("r"), run.id, &pools, true, limits)
                .unwrap()
                .with_clock(clock);
            let clock = clock.as_ref();
            let mut collect = Collect::default();
            for w in windows(101) {
                sink.window(&w);
                collect.window(&w);
            }
            for s in intervals(57) {
                sink.interval(&s);
                collect.interval(&s);
            }
            for b in &run.timeseries {
                sink.bucket(b);
                collect.bucket(b);
            }
            for t in &run.trace {
                sink.trace(t);
                collect.trace(t);
            }
            let spilled = sink.finish().unwrap();
            let rows = collect.sorted();
            run.windows = rows.windows;
            run.timeline = rows.timeline;
            let without_header = |bytes: Vec<u8>| {
                let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
                bytes[at..].to_vec()
            };
            assert_eq!(
                fs::read(&spilled.windows).unwrap(),
                without_header(csv::windows_csv(&[&run], clock).unwrap())
            );
            assert_eq!(
                fs::read(&spilled.timeline).unwrap(),
                without_header(csv::timeline_csv(&[&run], clock).unwrap())
            );
            assert_eq!(
                fs::read(&spilled.timeseries).unwrap(),
                without_header(csv::timeseries_csv(&[&run], clock).unwrap())
            );
            assert_eq!(
                fs::read(spilled.events.as_ref().unwrap()).unwrap(),
                without_header(csv::events_csv(&[&run], &pools, clock).unwrap())
            );
            assert_eq!(
                (spilled.window_p50_ms, spilled.window_p95_ms),
                (run.window_ms_percentile(50), run.window_ms_percentile(95))
            );
            // Only the four files are left.
            let mut names: Vec<String> = fs::read_dir(dir.path().join("r"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(
                names,
                [
                    "events.csv",
                    "timeline.csv",
                    "timeseries.csv",
                    "windows.csv"
                ]
            );
        }
    }

    #[test]
    fn radix_select_finds_every_rank() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.bin");
        let values: Vec<u64> = (0..500u64)
            .map(|i| (i * 2_654_435_761) % 1_000_003 * (1 + (i % 3) * 0x1_0000_0000))
            .collect();
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        fs::write(&path, bytes).unwrap();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for rank in [1u64, 2, 250, 499, 500] {
            assert_eq!(
                radix_select(&path, [rank]).unwrap(),
                [sorted[rank as usize - 1]]
            );
        }
    }
}
