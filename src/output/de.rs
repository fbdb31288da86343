//! A CSV record as a serde deserializer of a table's record type, which
//! knows the column of every value: whatever fails (a number, a flag, an
//! enum name, a custom check of a record type) is reported with its
//! column, not only the ones the `csv` crate's own deserializer parses.
//!
//! A record is a map from column name to text; each value is deserialized
//! from its text: integers, floats and `false|true` parsed, an empty field
//! read as an absent `Option`, enum variants by name.

use std::fmt;
use std::str::FromStr;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

/// Why a record did not deserialize, and in which column (0-based) when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeError {
    /// The column of the value that failed.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            column: None,
            message: msg.to_string(),
        }
    }
}

/// Deserializes a `T` from the `cells` of one record: (column, column
/// name, text) in column order. Cells whose name `T` does not know are
/// ignored.
pub(crate) fn from_cells<'r, T: de::DeserializeOwned>(
    cells: impl Iterator<Item = (usize, &'r str, &'r str)>,
) -> Result<T, DeError> {
    T::deserialize(Record { cells, value: None })
}

/// The record: a map of its cells.
struct Record<'r, I> {
    cells: I,
    /// The value of the key just handed out.
    value: Option<(usize, &'r str)>,
}

impl<'de, 'r, I: Iterator<Item = (usize, &'r str, &'r str)>> de::Deserializer<'de>
    for Record<'r, I>
{
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, 'r, I: Iterator<Item = (usize, &'r str, &'r str)>> MapAccess<'de> for Record<'r, I> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((column, name, text)) = self.cells.next() else {
            return Ok(None);
        };
        self.value = Some((column, text));
        let key: StrDeserializer<'_, DeError> = name.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (column, text) = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value without its column"))?;
        seed.deserialize(Cell(text)).map_err(|mut e| {
            e.column.get_or_insert(column);
            e
        })
    }
}

/// One value, as text.
struct Cell<'r>(&'r str);

impl Cell<'_> {
    fn parse<T: FromStr>(&self, expected: &str) -> Result<T, DeError> {
        self.0
            .parse()
            .map_err(|_| de::Error::custom(format!("expected {expected}, found `{}`", self.0)))
    }
}

macro_rules! unsigned {
    ($($method:ident $visit:ident $t:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            visitor.$visit(self.parse::<$t>("a non-negative integer")?)
        }
    )*};
}

macro_rules! signed {
    ($($method:ident $visit:ident $t:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            visitor.$visit(self.parse::<$t>("an integer")?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Cell<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            "false" => visitor.visit_bool(false),
            "true" => visitor.visit_bool(true),
            other => Err(de::Error::custom(format!(
                "expected `false` or `true`, found `{other}`"
            ))),
        }
    }

    unsigned!(
        deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64,
        deserialize_u128 visit_u128 u128
    );

    signed!(
        deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64,
        deserialize_i128 visit_i128 i128
    );

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f32(self.parse("a number")?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f64(self.parse("a number")?)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.0.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // Unit variants by name.
        let name: StrDeserializer<'_, DeError> = self.0.into_deserializer();
        visitor.visit_enum(name)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit_struct seq tuple tuple_struct map
        struct identifier
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Alpha,
        BetaGamma,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Row {
        n: u32,
        x: Option<f64>,
        flag: bool,
        kind: Kind,
        name: String,
    }

    fn row(header: &[&'static str], cells: &[&'static str]) -> Result<Row, DeError> {
        from_cells(
            header
                .iter()
                .zip(cells)
                .enumerate()
                .map(|(i, (h, c))| (i, *h, *c)),
        )
    }

    const HEADER: [&str; 6] = ["extra", "n", "x", "flag", "kind", "name"];

    #[test]
    fn reads_by_name_and_ignores_other_columns() {
        assert_eq!(
            row(&HEADER, &["?", "7", "", "true", "beta_gamma", "a,b"]),
            Ok(Row {
                n: 7,
                x: None,
                flag: true,
                kind: Kind::BetaGamma,
                name: "a,b".into()
            })
        );
        assert_eq!(
            row(&HEADER, &["", "0", "-1.5", "false", "alpha", ""])
                .unwrap()
                .x,
            Some(-1.5)
        );
    }

    #[test]
    fn every_error_names_its_column() {
        let cases: [([&str; 6], usize, &str); 5] = [
            (
                ["", "-1", "", "true", "alpha", ""],
                1,
                "expected a non-negative integer, found `-1`",
            ),
            (
                ["", "1", "x", "true", "alpha", ""],
                2,
                "expected a number, found `x`",
            ),
            (
                ["", "1", "", "yes", "alpha", ""],
                3,
                "expected `false` or `true`, found `yes`",
            ),
            (
                ["", "1", "", "true", "delta", ""],
                4,
                "unknown variant `delta`, expected `alpha` or `beta_gamma`",
            ),
            (
                ["", "4294967296", "", "true", "alpha", ""],
                1,
                "expected a non-negative integer, found `4294967296`",
            ),
        ];
        for (cells, column, message) in cases {
            let e = row(&HEADER, &cells).unwrap_err();
            assert_eq!((e.column, e.message.as_str()), (Some(column), message));
        }
        let e = row(&HEADER[..5], &["", "1", "", "true", "alpha"]).unwrap_err();
        assert_eq!(
            (e.column, e.message.as_str()),
            (None, "missing field `name`")
        );
    }
}
