//! `GET /events`: Docker's event stream, one EventMessage per line, read from
//! the events log that commands and monitors write. Without `until` it follows
//! the log until the client goes.

use super::error::Error;
use super::exchange::Exchange;
use crate::engine::containers::logs::parse_time;
use crate::engine::events::{Event, EventsOptions, Type};
use crate::engine::interface::Engine;
use bollard_stubs::models::{
    EventActor, EventMessage, EventMessageScopeEnum, EventMessageTypeEnum,
};
use serde_json::Value;
use std::io::Write;

pub fn route(engine: &dyn Engine, ex: &mut Exchange, rest: &str) -> Result<(), Error> {
    match (ex.head.method.as_str(), rest) {
        ("GET", "") => events(engine, ex),
        _ => Err(Error::no_route()),
    }
}

fn events(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let time = |name: &str| -> Result<Option<i64>, Error> {
        let Some(value) = ex.head.param(name).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let t = parse_time(value).map_err(|e| Error::bad_request(e.to_string()))?;
        Ok(Some(t.timestamp_nanos_opt().unwrap_or(i64::MAX)))
    };
    let (since, until) = (time("since")?, time("until")?);
    let filters = match ex.head.param("filters") {
        Some(raw) if !raw.is_empty() => filters(raw)?,
        _ => Vec::new(),
    };
    let opts = EventsOptions {
        since,
        until,
        filters,
        stream: true,
    };
    let batches = engine.events(&opts)?;
    let mut stream = ex
        .reply
        .stream(200, &[("Content-Type", "application/json")])?;
    for batch in batches {
        let batch = batch?;
        if batch.is_empty() {
            if stream.peer_closed() {
                return Ok(());
            }
            continue;
        }
        let mut lines = Vec::new();
        for event in &batch {
            serde_json::to_writer(&mut lines, &message(event))?;
            lines.push(b'\n');
        }
        // A client that has gone ends the stream: nothing to answer.
        if stream.write_all(&lines).is_err() {
            return Ok(());
        }
    }
    stream.finish()?;
    Ok(())
}

/// Docker's EventMessage, with the fields it still fills for containers and
/// images: status, id and (a container's image) from.
fn message(event: &Event) -> Value {
    let message = EventMessage {
        typ: Some(match event.kind {
            Type::Container => EventMessageTypeEnum::CONTAINER,
            Type::Image => EventMessageTypeEnum::IMAGE,
            Type::Volume => EventMessageTypeEnum::VOLUME,
            Type::Network => EventMessageTypeEnum::NETWORK,
            // Docker has no pods: its clients are given no type they do not know.
            Type::Pod => EventMessageTypeEnum::EMPTY,
        }),
        action: Some(event.action.clone()),
        actor: Some(EventActor {
            id: Some(event.id.clone()),
            attributes: Some(event.attributes.clone().into_iter().collect()),
        }),
        scope: Some(EventMessageScopeEnum::LOCAL),
        time: Some(event.time_nano.div_euclid(1_000_000_000)),
        time_nano: Some(event.time_nano),
    };
    let mut value = serde_json::to_value(message).unwrap_or_default();
    if matches!(event.kind, Type::Container | Type::Image) {
        value["status"] = event.action.clone().into();
        value["id"] = event.id.clone().into();
    }
    if let (Type::Container, Some(image)) = (event.kind, event.attribute("image")) {
        value["from"] = image.into();
    }
    value
}

/// Docker's filters parameter as `key=value` pairs: `{"type":["container"]}`,
/// or the older `{"type":{"container":true}}`.
fn filters(raw: &str) -> Result<Vec<String>, Error> {
    let parsed: serde_json::Map<String, Value> = serde_json::from_str(raw)
        .map_err(|e| Error::bad_request(format!("invalid filter {raw:?}: {e}")))?;
    let mut pairs = Vec::new();
    for (key, values) in parsed {
        let values: Vec<String> = match values {
            Value::Array(list) => list
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Value::Object(map) => map
                .into_iter()
                .filter(|(_, on)| on.as_bool() == Some(true))
                .map(|(v, _)| v)
                .collect(),
            _ => return Err(Error::bad_request(format!("invalid filter {raw:?}"))),
        };
        pairs.extend(values.into_iter().map(|v| format!("{key}={v}")));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_in_both_of_dockers_forms() {
        assert_eq!(
            filters(r#"{"type":["container"],"event":["start","die"]}"#).unwrap(),
            vec!["type=container", "event=start", "event=die"]
        );
        assert_eq!(
            filters(r#"{"container":{"web":true}}"#).unwrap(),
            vec!["container=web"]
        );
        assert_eq!(filters("[1]").unwrap_err().status, 400);
    }

    #[test]
    fn messages_carry_the_legacy_fields() {
        let die = Event::container("die", "c1", "web", "busybox").with("exitCode", "3");
        let m = message(&die);
        assert_eq!(m["Type"], "container");
        assert_eq!(m["Action"], "die");
        assert_eq!(m["Actor"]["Attributes"]["exitCode"], "3");
        assert_eq!(m["status"], "die");
        assert_eq!(m["from"], "busybox");
        assert_eq!(m["scope"], "local");
        let volume = message(&Event::volume("create", "data"));
        assert!(volume.get("status").is_none());
    }
}
