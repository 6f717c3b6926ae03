//! Which events a reader wants, as Docker's events filters choose them: values
//! of one key are alternatives, different keys must all match. A noun's filter
//! (`container=`, `volume=`, `network=`) matches an actor's ID, a prefix of it,
//! or its name, whatever the event's type, as Docker's `fuzzyMatchName` does;
//! `image=` matches a container's image or an image's name, with or without
//! its tag.

use super::{Event, EventsError};

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pairs: Vec<(Key, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Container,
    Image,
    Event,
    Type,
    Label,
    Network,
    Volume,
}

impl Filter {
    /// Reads `key=value` filters.
    pub fn parse(filters: &[String]) -> Result<Filter, EventsError> {
        let mut pairs = Vec::new();
        for filter in filters {
            let (key, value) = filter
                .split_once('=')
                .ok_or_else(|| EventsError::Filter(filter.clone(), "give it as key=value"))?;
            let key = match key {
                "container" => Key::Container,
                "image" => Key::Image,
                // Docker's API says `event`, Podman's CLI also takes `action`.
                "event" | "action" => Key::Event,
                "type" => Key::Type,
                "label" => Key::Label,
                "network" => Key::Network,
                "volume" => Key::Volume,
                _ => {
                    return Err(EventsError::Filter(
                        filter.clone(),
                        "the keys are container, image, event, type, label, network and volume",
                    ))
                }
            };
            pairs.push((key, value.to_owned()));
        }
        Ok(Filter { pairs })
    }

    pub fn matches(&self, event: &Event) -> bool {
        [
            Key::Container,
            Key::Image,
            Key::Event,
            Key::Type,
            Key::Label,
            Key::Network,
            Key::Volume,
        ]
        .into_iter()
        .all(|key| self.key_matches(key, event))
    }

    /// No value for `key`, or one of its values matches.
    fn key_matches(&self, key: Key, event: &Event) -> bool {
        let mut values = self.pairs.iter().filter(|(k, _)| *k == key).peekable();
        if values.peek().is_none() {
            return true;
        }
        values.any(|(_, value)| value_matches(key, value, event))
    }
}

fn value_matches(key: Key, value: &str, event: &Event) -> bool {
    let actor = || {
        event.id == value
            || (!value.is_empty() && event.id.starts_with(value))
            || event.attribute("name") == Some(value)
    };
    match key {
        Key::Container | Key::Network | Key::Volume => actor(),
        // Docker's `exec_start: CMD` matches `exec_start`.
        Key::Event => event.action.split(':').next() == Some(value),
        Key::Type => event.kind.as_str() == value,
        Key::Label => match value.split_once('=') {
            Some((k, v)) => event.attribute(k) == Some(v),
            None => event.attribute(value).is_some(),
        },
        Key::Image => {
            let name = match event.kind {
                super::Type::Image => event.attribute("name"),
                _ => event.attribute("image"),
            };
            let candidates = [Some(event.id.as_str()), name];
            candidates
                .into_iter()
                .flatten()
                .any(|c| c == value || strip_tag(c) == value || strip_tag(c) == strip_tag(value))
        }
    }
}

/// `name:tag` -> `name`, leaving a registry's port alone.
fn strip_tag(name: &str) -> &str {
    match name.rsplit_once(':') {
        Some((base, tag)) if !tag.contains('/') => base,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::Type;

    fn filter(pairs: &[&str]) -> Filter {
        Filter::parse(&pairs.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn keys_and_alternatives() {
        let start = Event::container("start", "abc123", "web", "docker.io/library/busybox:latest")
            .with_labels(&[("tier".into(), "front".into())]);
        assert!(filter(&[]).matches(&start));
        assert!(filter(&["container=web"]).matches(&start));
        assert!(filter(&["container=abc"]).matches(&start));
        assert!(!filter(&["container=db"]).matches(&start));
        assert!(filter(&["container=db", "container=web"]).matches(&start));
        assert!(!filter(&["container=web", "event=die"]).matches(&start));
        assert!(filter(&["event=die", "event=start", "type=container"]).matches(&start));
        let exec = Event::container("exec_start: sh -c true", "abc123", "web", "busybox");
        assert!(filter(&["event=exec_start"]).matches(&exec));
        assert!(!filter(&["event=exec"]).matches(&exec));
        assert!(filter(&["image=docker.io/library/busybox"]).matches(&start));
        assert!(filter(&["label=tier", "label=tier=front"]).matches(&start));
        assert!(!filter(&["label=tier=back"]).matches(&start));
        let pulled = Event::new(Type::Image, "pull", "sha256:1").with("name", "busybox:latest");
        assert!(filter(&["image=busybox"]).matches(&pulled));
        assert!(!filter(&["container=web"]).matches(&pulled));
        assert!(!filter(&["type=container"]).matches(&pulled));
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        let e = Filter::parse(&["colour=red".to_owned()]).unwrap_err();
        assert!(e.to_string().contains("the keys are"), "{e}");
        assert!(Filter::parse(&["container".to_owned()]).is_err());
    }
}
