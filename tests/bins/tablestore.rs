//! Not an example: a Tablestore trigger's function, which the tests send CBOR. Output:
//! each changed row's type and primary key, as JSON.

use fc::events::tablestore::TablestoreEvent;
use serde_json::{Value, json};

#[fc::handler]
async fn changed_rows(event: TablestoreEvent) -> Vec<Value> {
    event
        .records
        .iter()
        .map(|record| {
            let key: serde_json::Map<String, Value> = record
                .primary_key
                .iter()
                .map(|column| (column.column_name.clone(), serde_json::to_value(&column.value).unwrap()))
                .collect();
            json!({"type": record.record_type.as_str(), "primaryKey": key, "columns": record.columns.len()})
        })
        .collect()
}

fn main() -> std::io::Result<()> {
    fc::run()
}
