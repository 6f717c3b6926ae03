//! Which stages to build: the target (`--target`, else the last) and the stages it
//! needs through `FROM stage`, `COPY --from=stage` and `RUN --mount=from=stage`,
//! in file order. The others are skipped, as BuildKit skips them.

use super::expand::{self, Lookup};
use super::mount_spec;
use super::parse::Dockerfile;
use super::BuildError;

pub struct Plan {
    /// Stage indices, in the order they are built.
    pub order: Vec<usize>,
}

/// A stage named `reference` (case-insensitively) or numbered so, before `before`.
pub fn stage_ref(file: &Dockerfile, reference: &str, before: usize) -> Option<usize> {
    let lower = reference.to_ascii_lowercase();
    if let Some(i) = file.stages[..before]
        .iter()
        .position(|s| s.name.as_deref() == Some(lower.as_str()))
    {
        return Some(i);
    }
    reference.parse::<usize>().ok().filter(|i| *i < before)
}

/// The FROM image of stage `i`, expanded with the global build args.
pub fn base_of(file: &Dockerfile, i: usize, globals: Lookup) -> Result<String, BuildError> {
    let stage = &file.stages[i];
    expand::word(stage.image(), file.escape, globals)
        .map_err(|message| BuildError::Invalid(format!("line {}: {message}", stage.from.line)))
}

pub fn plan(file: &Dockerfile, target: Option<&str>, globals: Lookup) -> Result<Plan, BuildError> {
    let last = file.stages.len() - 1;
    let target = match target {
        None => last,
        Some(t) => stage_ref(file, t, file.stages.len()).ok_or_else(|| {
            BuildError::Invalid(format!(
                "target stage {t:?} could not be found in the Dockerfile"
            ))
        })?,
    };
    let mut needed = vec![false; file.stages.len()];
    let mut todo = vec![target];
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut needed[i], true) {
            continue;
        }
        let base = base_of(file, i, globals)?;
        todo.extend(stage_ref(file, &base, i));
        for step in &file.stages[i].steps {
            if let Some(from) = step.flag("from") {
                todo.extend(stage_ref(file, from, i));
            }
            for from in mount_spec::from_names(step) {
                todo.extend(stage_ref(file, from, i));
            }
        }
    }
    Ok(Plan {
        order: (0..=target).filter(|i| needed[*i]).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build::parse::parse;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn only_what_the_target_needs() {
        let file = parse(
            "D",
            "FROM busybox AS a\nFROM busybox AS unused\nFROM a AS b\nFROM busybox\nCOPY --from=b /x /x\n",
        )
        .unwrap();
        assert_eq!(plan(&file, None, &none).unwrap().order, [0, 2, 3]);
        assert_eq!(plan(&file, Some("unused"), &none).unwrap().order, [1]);
        assert_eq!(plan(&file, Some("B"), &none).unwrap().order, [0, 2]);
        assert!(plan(&file, Some("nope"), &none).is_err());
    }
}
