//! Experiments: replications, paired flag comparisons, sweeps, parallel runs.
