//! A container's events, with the attributes Docker gives them: its name, its
//! image as it was asked for, and its labels.

use crate::engine::events::Event;
use crate::engine::store::containers::ContainerRecord;
use crate::engine::store::Store;

/// The labels, read from the record's config without the rest of it.
#[derive(serde::Deserialize)]
struct Labels {
    #[serde(default)]
    labels: Vec<(String, String)>,
}

/// The event `action` of the container in `record`.
pub fn event(record: &ContainerRecord, action: &str) -> Event {
    let labels = serde_json::from_str::<Labels>(&record.config)
        .map(|l| l.labels)
        .unwrap_or_default();
    Event::container(action, &record.id, &record.name, &record.image_name).with_labels(&labels)
}

/// Records `action` of the container with ID `id`, if it is still there.
pub fn record_id(store: &Store, id: &str, action: &str, extra: &[(&str, String)]) {
    if let Ok(Some(record)) = store.container(id) {
        let mut event = event(&record, action);
        for (key, value) in extra {
            event = event.with(key, value.clone());
        }
        store.record(event);
    }
}
