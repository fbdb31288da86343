//! The raw scenario file: serde structs that mirror what the user writes.
//!
//! This layer only knows the *shape* of the file (which tables exist, which
//! keys each table allows, via `deny_unknown_fields`). Every leaf is kept as a
//! [`RawValue`] with its source span, so that [`super::validate`] can do the
//! type checks itself and name the field, line and column in its errors
//! instead of relaying serde's generic "invalid type" message.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use toml::Spanned;

/// Any TOML value, with array elements spanned so that errors can point at
/// one element (`clients.daily_profile[3]`).
#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    /// A TOML string.
    String(String),
    /// A TOML integer (i128 so that values just beyond `i64` still get a
    /// range error that shows the number).
    Integer(i128),
    /// A TOML float, possibly `nan` or `inf`.
    Float(f64),
    /// A TOML boolean.
    Boolean(bool),
    /// A TOML date or time; never valid in a scenario, kept for the message.
    Datetime,
    /// A TOML array.
    Array(Vec<Spanned<RawValue>>),
    /// A TOML table where a value was expected; its content is dropped.
    Table,
}

impl RawValue {
    /// The TOML type name, for "found ..." in messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            RawValue::String(_) => "string",
            RawValue::Integer(_) => "integer",
            RawValue::Float(_) => "float",
            RawValue::Boolean(_) => "boolean",
            RawValue::Datetime => "datetime",
            RawValue::Array(_) => "array",
            RawValue::Table => "table",
        }
    }
}

impl fmt::Display for RawValue {
    /// A short rendering of the value for messages (`integer 5`, `string "x"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::String(s) => write!(f, "string {s:?}"),
            RawValue::Integer(i) => write!(f, "integer {i}"),
            RawValue::Float(x) => write!(f, "float {x}"),
            RawValue::Boolean(b) => write!(f, "boolean {b}"),
            other => f.write_str(other.type_name()),
        }
    }
}

/// A leaf field: absent, or a value with its byte span in the source.
pub type Field = Option<Spanned<RawValue>>;

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawValueVisitor)
    }
}

struct RawValueVisitor;

impl<'de> Visitor<'de> for RawValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any TOML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Boolean(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        i128::try_from(v)
            .map(RawValue::Integer)
            .map_err(|_| E::custom("integer number overflowed"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawValue>>()? {
            items.push(item);
        }
        Ok(RawValue::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        // toml hands datetimes to visitors as a one-entry map with a private key.
        let mut datetime = false;
        while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
            datetime |= key.starts_with("$__toml_private");
        }
        Ok(if datetime {
            RawValue::Datetime
        } else {
            RawValue::Table
        })
    }
}

/// The whole file. Every table is optional here; [`super::validate`] reports
/// the required ones.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// `[simulation]`
    pub simulation: Option<Spanned<RawSimulation>>,
    /// `[org]`
    pub org: Option<Spanned<RawOrg>>,
    /// `[issuer]`
    pub issuer: Option<Spanned<RawIssuer>>,
    /// `[directory]`
    pub directory: Option<Spanned<RawDirectory>>,
    /// `[auth_admin]`
    pub auth_admin: Option<Spanned<RawAuthAdmin>>,
    /// `[pool]`
    pub pool: Option<Spanned<RawPool>>,
    /// `[balancer]`
    pub balancer: Option<Spanned<RawBalancer>>,
    /// `[worker]`
    pub worker: Option<Spanned<RawWorker>>,
    /// `[server]`
    pub server: Option<Spanned<RawServer>>,
    /// `[maintenance]`
    pub maintenance: Option<Spanned<RawMaintenance>>,
    /// `[[event]]`
    pub event: Option<Vec<Spanned<RawEvent>>>,
    /// `[clients]`
    pub clients: Option<Spanned<RawClients>>,
    /// `[sweep]`: owned by the experiment layer, which parses it from the same
    /// text; accepted here whatever it holds and ignored.
    pub sweep: Option<IgnoredAny>,
}

/// `[simulation]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSimulation {
    pub name: Field,
    pub horizon: Field,
    pub seed: Field,
    pub replications: Field,
    pub bucket: Field,
    pub warmup: Field,
}

/// `[org]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawOrg {
    pub read_session: Field,
}

/// `[issuer]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawIssuer {
    pub token_lifetime: Field,
    pub renew_before: Field,
    pub rollover_every: Field,
    pub rollover_first: Field,
    pub rollover_lead: Field,
    pub retire_after: Field,
    pub emergency_rate: Field,
    pub rollover: Option<Vec<Spanned<RawRollover>>>,
}

/// One `[[issuer.rollover]]`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawRollover {
    pub at: Field,
    pub lead: Field,
}

/// `[directory]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawDirectory {
    pub replication_delay: Field,
}

/// `[auth_admin]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawAuthAdmin {
    pub interval: Field,
    pub anchor: Field,
    pub first_run: Field,
    pub write_session_fails: Field,
}

/// `[pool]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawPool {
    pub servers: Field,
    pub app_pools: Field,
}

/// `[balancer]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawBalancer {
    pub algorithm: Field,
    pub affinity: Field,
    pub probe_interval: Field,
    pub probe_down_after: Field,
    pub probe_up_after: Field,
}

/// `[worker]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawWorker {
    pub start_mode: Field,
    pub startup: Field,
    pub cache_reload: Field,
    pub new_process_age: Field,
    pub failed_update_hold: Field,
    pub update_latency: Field,
    pub established_write_session_fails: Field,
    pub periodic_recycle: Field,
    pub ma_recycle_rate: Field,
    pub crash_rate: Field,
    pub restart_delay: Field,
}

/// `[server]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawServer {
    pub crash_rate: Field,
    pub reboot: Field,
}

/// `[maintenance]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawMaintenance {
    pub rolling_every: Field,
    pub rolling_first: Field,
    pub duration: Field,
    pub gap: Field,
    pub window: Option<Vec<Spanned<RawWindow>>>,
}

/// One `[[maintenance.window]]`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawWindow {
    pub server: Field,
    pub start: Field,
    pub duration: Field,
}

/// One `[[event]]`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawEvent {
    pub at: Field,
    pub kind: Field,
    pub server: Field,
    pub app_pool: Field,
}

/// `[clients]`
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawClients {
    pub users: Field,
    pub arrivals: Field,
    pub request_interval: Field,
    pub daily_profile: Field,
    pub prompt_retry: Field,
    pub give_up_after: Field,
}

/// The shape of one table of the file, for error messages (serde knows the
/// keys too but does not expose them). Kept next to the structs above; a unit
/// test checks that both agree.
#[derive(Clone, Copy, Debug)]
pub struct TableSchema {
    /// Dotted path without indices (`""` for the top level, `maintenance.window`).
    pub path: &'static str,
    /// Whether the file writes it as an array of tables (`[[event]]`).
    pub array: bool,
    /// The keys the table accepts, in file order.
    pub keys: &'static [&'static str],
}

/// Every table of the scenario file.
pub const SCHEMA: &[TableSchema] = &[
    TableSchema {
        path: "",
        array: false,
        keys: &[
            "simulation",
            "org",
            "issuer",
            "directory",
            "auth_admin",
            "pool",
            "balancer",
            "worker",
            "server",
            "maintenance",
            "event",
            "clients",
            "sweep",
        ],
    },
    TableSchema {
        path: "simulation",
        array: false,
        keys: &[
            "name",
            "horizon",
            "seed",
            "replications",
            "bucket",
            "warmup",
        ],
    },
    TableSchema {
        path: "org",
        array: false,
        keys: &["read_session"],
    },
    TableSchema {
        path: "issuer",
        array: false,
        keys: &[
            "token_lifetime",
            "renew_before",
            "rollover_every",
            "rollover_first",
            "rollover_lead",
            "retire_after",
            "emergency_rate",
            "rollover",
        ],
    },
    TableSchema {
        path: "issuer.rollover",
        array: true,
        keys: &["at", "lead"],
    },
    TableSchema {
        path: "directory",
        array: false,
        keys: &["replication_delay"],
    },
    TableSchema {
        path: "auth_admin",
        array: false,
        keys: &["interval", "anchor", "first_run", "write_session_fails"],
    },
    TableSchema {
        path: "pool",
        array: false,
        keys: &["servers", "app_pools"],
    },
    TableSchema {
        path: "balancer",
        array: false,
        keys: &[
            "algorithm",
            "affinity",
            "probe_interval",
            "probe_down_after",
            "probe_up_after",
        ],
    },
    TableSchema {
        path: "worker",
        array: false,
        keys: &[
            "start_mode",
            "startup",
            "cache_reload",
            "new_process_age",
            "failed_update_hold",
            "update_latency",
            "established_write_session_fails",
            "periodic_recycle",
            "ma_recycle_rate",
            "crash_rate",
            "restart_delay",
        ],
    },
    TableSchema {
        path: "server",
        array: false,
        keys: &["crash_rate", "reboot"],
    },
    TableSchema {
        path: "maintenance",
        array: false,
        keys: &[
            "rolling_every",
            "rolling_first",
            "duration",
            "gap",
            "window",
        ],
    },
    TableSchema {
        path: "maintenance.window",
        array: true,
        keys: &["server", "start", "duration"],
    },
    TableSchema {
        path: "event",
        array: true,
        keys: &["at", "kind", "server", "app_pool"],
    },
    TableSchema {
        path: "clients",
        array: false,
        keys: &[
            "users",
            "arrivals",
            "request_interval",
            "daily_profile",
            "prompt_retry",
            "give_up_after",
        ],
    },
];

/// The schema of the table at `path` (indices like `[2]` are ignored).
pub fn schema_of(path: &str) -> Option<&'static TableSchema> {
    let bare = strip_indices(path);
    SCHEMA.iter().find(|t| t.path == bare)
}

/// `maintenance.window[1].server` -> `maintenance.window.server`.
pub fn strip_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys serde lists in its unknown-field message for the table at `path`.
    fn serde_keys(path: &str, array: bool) -> Vec<String> {
        let doc = if path.is_empty() {
            "zzz_unknown = 1\n".to_string()
        } else if array {
            format!("[[{path}]]\nzzz_unknown = 1\n")
        } else {
            format!("[{path}]\nzzz_unknown = 1\n")
        };
        let err = toml::from_str::<RawScenario>(&doc).unwrap_err();
        let msg = err.message();
        assert!(msg.contains("unknown field `zzz_unknown`"), "{msg}");
        msg.split('`')
            .skip(3)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn schema_matches_the_structs() {
        for table in SCHEMA {
            let keys: Vec<String> = table.keys.iter().map(|k| k.to_string()).collect();
            assert_eq!(serde_keys(table.path, table.array), keys, "{}", table.path);
        }
    }

    #[test]
    fn strips_indices() {
        assert_eq!(
            strip_indices("maintenance.window[12].server"),
            "maintenance.window.server"
        );
        assert_eq!(schema_of("event[3]").unwrap().path, "event");
    }

    #[test]
    fn raw_values_keep_element_spans() {
        let raw: RawScenario =
            toml::from_str("[clients]\ndaily_profile = [1, 2.5, \"x\"]\n").unwrap();
        let profile = raw.clients.unwrap().into_inner().daily_profile.unwrap();
        let RawValue::Array(items) = profile.get_ref() else {
            panic!("not an array")
        };
        assert_eq!(items[0].get_ref(), &RawValue::Integer(1));
        assert_eq!(items[1].get_ref(), &RawValue::Float(2.5));
        assert_eq!(items[2].span(), 35..38);
    }

    #[test]
    fn datetimes_and_sweep() {
        let raw: RawScenario = toml::from_str(
            "sweep = { a = [1, 99999999999999999999] }\n[simulation]\nname = 1979-05-27\n",
        )
        .unwrap();
        let name = raw.simulation.unwrap().into_inner().name.unwrap();
        assert_eq!(name.get_ref(), &RawValue::Datetime);
    }
}
