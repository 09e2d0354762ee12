//! The JSON Schema (draft 7) of sessions.toml, generated from the serde types in `model.rs`.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::model::SessionsFile;

/// The schema as pretty-printed JSON with a final newline: what `forge schema` prints and the
/// repository carries as `sessions.schema.json`. Draft 7 because taplo (Even Better TOML) and
/// most editors' validators speak it; object tables reject unknown keys
/// (`additionalProperties: false`), as the loader's `deny_unknown_fields` does.
pub fn json_schema() -> String {
    let schema = SchemaSettings::draft07().into_generator().into_root_schema_for::<SessionsFile>();
    let mut value = schema.to_value();
    drop_null(&mut value);
    value["title"] = "forge sessions.toml".into();
    let mut text = serde_json::to_string_pretty(&value).expect("a schema is plain JSON");
    text.push('\n');
    text
}

/// Removes the `null` that schemars allows for every `Option` field: TOML has no null, and an
/// editor must not offer one. `"type": [T, "null"]` becomes `"type": T`; an `anyOf` of a
/// reference and `{"type": "null"}` becomes an `allOf` of the reference alone (draft 7 ignores a
/// `$ref`'s siblings, so the field's description stays beside it, not inside).
fn drop_null(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|kind| kind != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    object.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(choices)) = object.get_mut("anyOf") {
                choices.retain(|choice| *choice != serde_json::json!({ "type": "null" }));
                if choices.len() == 1 {
                    let only = choices.remove(0);
                    object.remove("anyOf");
                    object.insert("allOf".into(), Value::Array(vec![only]));
                }
            }
            object.values_mut().for_each(drop_null);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::{drop_null, json_schema};

    #[test]
    fn the_schema_allows_no_null_anywhere() {
        let schema = json_schema();
        assert!(!schema.contains("\"null\""), "{schema}");
        let value: serde_json::Value = serde_json::from_str(&schema).unwrap();
        let timeout = &value["definitions"]["SessionTable"]["properties"]["timeout"];
        assert_eq!(timeout["allOf"], serde_json::json!([{ "$ref": "#/definitions/Duration" }]));
        assert_eq!(value["definitions"]["ForgeTable"]["properties"]["jobs"]["type"], "integer");
    }

    #[test]
    fn every_table_rejects_unknown_keys() {
        let value: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
        assert_eq!(value["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(value["additionalProperties"], false);
        for table in ["ForgeTable", "SessionTable", "CoverageTable"] {
            assert_eq!(value["definitions"][table]["additionalProperties"], false, "{table}");
        }
        assert!(value["definitions"]["SessionTable"]["properties"]["install-project"].is_object(), "kebab-case");
    }

    #[test]
    fn null_goes_inside_arrays_too_and_other_choices_stay() {
        let mut value = serde_json::json!({
            "anyOf": [{ "type": ["string", "null"] }, { "type": "integer" }, { "type": "null" }],
            "items": { "type": ["array", "object", "null"] }
        });
        drop_null(&mut value);
        assert_eq!(
            value,
            serde_json::json!({
                "anyOf": [{ "type": "string" }, { "type": "integer" }],
                "items": { "type": ["array", "object"] }
            })
        );
    }
}
