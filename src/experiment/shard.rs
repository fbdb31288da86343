//! Shards: `--shard K/N` runs the runs whose index is K mod N, for clusters.
//!
//! A shard folder holds the per-run CSVs of its runs (the same files and
//! columns as a whole run, fewer rows), its `manifest.json` (with the shard
//! marked) and `shard_index.csv`, which lists for each of its runs the run
//! index, the exact integer metrics and the byte length of the run's rows in
//! each per-run file. `hmasim merge` splits the files at those lengths and
//! interleaves the runs in index order; summaries (`compare.csv`,
//! `sweep.csv`, `sweep_summary.csv`) are only written by the merge, because a
//! pair of flag-off and flag-on runs usually lands in two different shards.

use super::row::RunRow;
use crate::metrics::RunId;
use std::fmt;
use std::str::FromStr;

/// Name of the per-shard index file.
pub const INDEX_FILE: &str = "shard_index.csv";

/// Shard `index` of `count` (0-based: `--shard 0/4` .. `--shard 3/4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// K, `< count`.
    pub index: u32,
    /// N, `>= 1`.
    pub count: u32,
}

impl Shard {
    /// Whether run `run_index` belongs to this shard.
    pub fn selects(&self, run_index: usize) -> bool {
        run_index % self.count as usize == self.index as usize
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "expected K/N with 0 <= K < N (e.g. 0/4; with Slurm: $SLURM_ARRAY_TASK_ID/4), found `{s}`"
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// One line of `shard_index.csv`: a run's row and the byte length of its
/// rows in each per-run file (in [`super::runner::PER_RUN_FILES`] order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    /// The run's numbers.
    pub row: RunRow,
    /// Byte lengths of the run's block in each per-run file.
    pub lengths: Vec<usize>,
}

const FIXED_COLUMNS: [&str; 5] = ["run", "point", "seed", "replication", "read_session"];
const TAIL_COLUMNS: [&str; 3] = ["episode_ms_total", "events", "fingerprint"];

/// Writes `shard_index.csv` for `entries` (in run order); `files` names the
/// per-run files whose block lengths are listed.
pub fn index_csv(entries: &[IndexEntry], files: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    let mut header: Vec<String> = FIXED_COLUMNS.iter().map(|s| s.to_string()).collect();
    header.extend(super::row::METRICS[..11].iter().map(|s| s.to_string()));
    header.extend(TAIL_COLUMNS.iter().map(|s| s.to_string()));
    header.extend(files.iter().map(|f| format!("bytes:{f}")));
    out.push_str(&header.join(","));
    out.push('\n');
    for e in entries {
        let r = &e.row;
        let mut cells = vec![
            r.index.to_string(),
            r.point.to_string(),
            r.id.seed.to_string(),
            r.id.replication.to_string(),
            r.id.read_session.to_string(),
        ];
        cells.extend(r.counts.iter().map(u64::to_string));
        cells.push(r.episode_ms_total.to_string());
        cells.push(r.events.to_string());
        cells.push(r.fingerprint.to_string());
        cells.extend(e.lengths.iter().map(usize::to_string));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

/// Reads `shard_index.csv`; `files` are the per-run files expected in it.
pub fn read_index(text: &str, files: &[&str]) -> Result<Vec<IndexEntry>, String> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty file")?;
    let expected = String::from_utf8(index_csv(&[], files)).expect("ascii");
    if header != expected.trim_end() {
        return Err(format!(
            "unexpected header (written by another hmasim version or with other options): {header}"
        ));
    }
    let width = FIXED_COLUMNS.len() + 11 + TAIL_COLUMNS.len() + files.len();
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let bad = |what: &str| format!("line {}: {what}", n + 2);
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != width {
            return Err(bad(&format!("{} columns, expected {width}", cells.len())));
        }
        let num = |i: usize| -> Result<u64, String> {
            cells[i]
                .parse::<u64>()
                .map_err(|_| bad(&format!("`{}` is not a number", cells[i])))
        };
        let read_session = match cells[4] {
            "false" => false,
            "true" => true,
            other => return Err(bad(&format!("read_session `{other}`"))),
        };
        let mut counts = [0u64; 11];
        for (i, c) in counts.iter_mut().enumerate() {
            *c = num(5 + i)?;
        }
        let lengths = (0..files.len())
            .map(|i| num(19 + i).map(|x| x as usize))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(IndexEntry {
            row: RunRow {
                index: num(0)? as usize,
                point: num(1)? as usize,
                id: RunId {
                    seed: num(2)?,
                    replication: u32::try_from(num(3)?).map_err(|_| bad("replication"))?,
                    read_session,
                },
                counts,
                episode_ms_total: num(16)?,
                events: num(17)?,
                fingerprint: num(18)?,
            },
            lengths,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n() {
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        for bad in ["4/4", "1/0", "x/2", "1", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let s = Shard { index: 1, count: 3 };
        let picked: Vec<usize> = (0..8).filter(|&i| s.selects(i)).collect();
        assert_eq!(picked, [1, 4, 7]);
    }

    #[test]
    fn index_round_trips() {
        let e = IndexEntry {
            row: RunRow {
                index: 5,
                point: 2,
                id: RunId {
                    seed: u64::MAX,
                    replication: 3,
                    read_session: true,
                },
                counts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
                episode_ms_total: 12,
                events: 13,
                fingerprint: 0xdead_beef,
            },
            lengths: vec![10, 0, 7],
        };
        let files = ["a.csv", "b.csv", "c.csv"];
        let text = String::from_utf8(index_csv(std::slice::from_ref(&e), &files)).unwrap();
        assert_eq!(read_index(&text, &files).unwrap(), vec![e]);
        assert!(
            read_index(&text, &files[..2])
                .unwrap_err()
                .contains("header")
        );
    }
}
