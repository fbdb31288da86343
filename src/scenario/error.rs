//! (being written)
/// Placeholder until the scenario module lands.
#[derive(Debug)]
pub struct ScenarioError;
