//! One event, as it is stored: Docker's message (type, action, the actor's ID
//! and attributes) with the time in nanoseconds. The actor's name, image,
//! labels, exit code and signal are attributes, as in Docker's, so that filters
//! match them the way Docker's do.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    Container,
    Image,
    Volume,
    Network,
    Pod,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Container => "container",
            Type::Image => "image",
            Type::Volume => "volume",
            Type::Network => "network",
            Type::Pod => "pod",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(rename = "Type")]
    pub kind: Type,
    #[serde(rename = "Action")]
    pub action: String,
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(rename = "TimeNano")]
    pub time_nano: i64,
}

impl Event {
    /// An event that happens now.
    pub fn new(kind: Type, action: &str, id: &str) -> Event {
        Event {
            kind,
            action: action.to_owned(),
            id: id.to_owned(),
            attributes: BTreeMap::new(),
            time_nano: now_nanos(),
        }
    }

    /// A container's event, with the attributes Docker gives one.
    pub fn container(action: &str, id: &str, name: &str, image: &str) -> Event {
        Event::new(Type::Container, action, id)
            .with("name", name)
            .with("image", image)
    }

    /// An image's event; `name` is the reference it concerns, as Docker gives.
    pub fn image(action: &str, id: &str, name: &str) -> Event {
        Event::new(Type::Image, action, id).with("name", name)
    }

    /// A network's event: Docker names it by ID, with its name and driver.
    pub fn network(action: &str, id: &str, name: &str, driver: &str) -> Event {
        Event::new(Type::Network, action, id)
            .with("name", name)
            .with("type", driver)
    }

    /// A volume's event: Docker names it by its name, with its driver.
    pub fn volume(action: &str, name: &str) -> Event {
        Event::new(Type::Volume, action, name).with("driver", "local")
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Event {
        self.attributes.insert(key.to_owned(), value.into());
        self
    }

    /// Docker puts a container's labels among its events' attributes; a name
    /// or image given already wins over a label of the same key.
    pub fn with_labels(mut self, labels: &[(String, String)]) -> Event {
        for (key, value) in labels {
            self.attributes
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
        self
    }

    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

pub fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}
