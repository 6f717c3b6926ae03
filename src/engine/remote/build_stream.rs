//! Docker's legacy build stream read back into build events, so that the CLI
//! prints a remote build as it prints a local one: `Step n/m : TEXT`,
//! ` ---> Using cache`, ` ---> ID`, `Successfully tagged NAME`, `[Warning] ...`.
//! Anything else is the output of a RUN step.

use crate::engine::build::BuildEvent;
use crate::engine::oci::reference::Reference;

/// Reads the stream's messages in order.
#[derive(Default)]
pub struct Reader {
    /// ` ---> Using cache` came: the next ` ---> ID` is the cached step's.
    cached: bool,
}

impl Reader {
    /// The events one `stream` message stands for; None when it is output.
    pub fn events(&mut self, text: &str) -> Option<Vec<BuildEvent>> {
        let line = text.strip_suffix('\n')?;
        if line.contains('\n') {
            return None;
        }
        if let Some(rest) = line.strip_prefix("Step ") {
            let (counts, text) = rest.split_once(" : ")?;
            let (n, m) = counts.split_once('/')?;
            return Some(vec![BuildEvent::Step {
                stage: None,
                n: n.parse().ok()?,
                m: m.parse().ok()?,
                text: text.to_owned(),
            }]);
        }
        if line == " ---> Using cache" {
            self.cached = true;
            return Some(Vec::new());
        }
        if let Some(id) = line.strip_prefix(" ---> ") {
            if id.starts_with("Running in ") || id.contains(' ') {
                return Some(Vec::new());
            }
            let id = id.to_owned();
            let committed = BuildEvent::Committed { id: id.clone() };
            return Some(match std::mem::take(&mut self.cached) {
                true => vec![BuildEvent::CacheHit { id }, committed],
                false => vec![committed],
            });
        }
        if let Some(name) = line.strip_prefix("Successfully tagged ") {
            // Docker says the familiar name; a local build says the full one.
            let name = Reference::parse(name).map_or(name.to_owned(), |r| r.to_string());
            return Some(vec![BuildEvent::Tagged { name }]);
        }
        if line.starts_with("Successfully built ") {
            return Some(Vec::new());
        }
        let warning = line.strip_prefix("[Warning] ")?;
        Some(vec![BuildEvent::Warning(warning.to_owned())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_cache_and_tags_become_events_and_the_rest_is_output() {
        let mut r = Reader::default();
        let step = r.events("Step 2/3 : RUN echo hi\n").unwrap();
        assert!(
            matches!(&step[..], [BuildEvent::Step { n: 2, m: 3, text, .. }] if text == "RUN echo hi")
        );
        assert!(r.events(" ---> Using cache\n").unwrap().is_empty());
        let cached = r.events(" ---> 0123456789ab\n").unwrap();
        assert!(matches!(
            &cached[..],
            [BuildEvent::CacheHit { .. }, BuildEvent::Committed { .. }]
        ));
        let built = r.events(" ---> ba9876543210\n").unwrap();
        assert!(matches!(&built[..], [BuildEvent::Committed { id }] if id == "ba9876543210"));
        assert!(r.events("hi\n").is_none());
        assert!(r.events("partial").is_none());
        assert!(r.events("Step 1/2 : FROM x\nhi\n").is_none());
        let tagged = r.events("Successfully tagged built:latest\n").unwrap();
        assert!(
            matches!(&tagged[..], [BuildEvent::Tagged { name }] if name == "docker.io/library/built:latest")
        );
    }
}
