//! "Did you mean": the closest valid word to a misspelt key or value.

/// The candidate closest to `written`, if one is close enough to be a
/// likely typo: a different case, or an edit distance (with transpositions)
/// of at most a third of the word's length (at least 1, and less than the
/// whole word). Ties go to the first candidate.
pub fn closest<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = written.chars().count();
    let limit = (len / 3).max(1).min(len.saturating_sub(1));
    let lower = written.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != written)
        .map(|c| {
            let d = if c.to_lowercase() == lower {
                0
            } else {
                strsim::damerau_levenshtein(written, c)
            };
            (d, c)
        })
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let keys = ["start_mode", "startup", "cache_reload"];
        assert_eq!(closest("startupp", keys), Some("startup"));
        assert_eq!(closest("strtup", keys), Some("startup"));
        assert_eq!(closest("StartUp", keys), Some("startup"));
        assert_eq!(closest("cahce_reload", keys), Some("cache_reload"));
        assert_eq!(closest("zzz", keys), None);
        assert_eq!(closest("fastest", ["round_robin", "random"]), None);
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(closest("X", ["x"]), Some("x"));
        assert_eq!(closest("", ["y"]), None);
        assert_eq!(closest("ab", ["abc"]), Some("abc"));
    }
}
