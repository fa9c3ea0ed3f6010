//! The Compose Specification's JSON Schema (shared data: compose-spec/compose-spec.json),
//! which every Compose file the project ships or writes must match.

use serde_json::Value;

/// The schema, ready for a draft-07 validator; `None` (a skip, or a failure under CI) when
/// the shared data is missing.
pub fn schema() -> Option<Value> {
    let path = super::shared_file("compose-spec/compose-spec.json")?;
    let text = std::fs::read_to_string(&path).expect("read compose-spec.json");
    let mut schema: Value = serde_json::from_str(&text).expect("compose-spec.json is JSON");
    // Its `$schema` is draft-07 spelt without the trailing `#`, which the validator would
    // try to fetch over HTTP; the draft is chosen explicitly below instead.
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
    }
    Some(schema)
}

/// Where `doc` (a Compose file read as JSON) breaks the schema.
pub fn errors(schema: &Value, doc: &Value) -> Vec<String> {
    let validator = jsonschema::draft7::new(schema).expect("the Compose schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("at {}: {e}", e.instance_path))
        .collect()
}
