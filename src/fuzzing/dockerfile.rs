//! A Dockerfile as `build` reads it: parsed, planned, and each instruction of
//! each stage prepared in order (ARGs declared, variables expanded, flags, JSON
//! forms and `--mount`s read) over a scratch image, as the executor does
//! before it runs anything.

use crate::engine::build::image::ImageState;
use crate::engine::build::instructions::{self, default_shell, Scope};
use crate::engine::build::parse::{self, Dockerfile};
use crate::engine::build::plan;
use crate::engine::oci::platform::Platform;

type Args = Vec<(String, Option<String>)>;

pub fn dockerfile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = parse::parse("Dockerfile", text) else {
        return;
    };
    let Some(globals) = global_args(&file) else {
        return;
    };
    let lookup = |n: &str| find(&globals, n);
    if plan::plan(&file, None, &lookup).is_err() {
        return;
    }
    for (i, stage) in file.stages.iter().enumerate() {
        let _ = plan::base_of(&file, i, &lookup);
        let mut image = ImageState::scratch(&Platform::parse("linux/amd64").expect("a platform"));
        let mut args = Args::new();
        let mut shell = default_shell();
        for instr in &stage.steps {
            if instr.keyword == "ARG" {
                let scope = Scope {
                    state: &image,
                    args: &args,
                };
                let lookup = |n: &str| scope.get(n);
                let Ok(declared) = instructions::arg_declarations(instr, file.escape, &lookup)
                else {
                    break;
                };
                args.extend(declared);
                continue;
            }
            if instr.keyword == "ONBUILD" {
                let _ = parse::parse_line(&instr.args, instr.line);
            }
            let mut next = image.clone();
            if instructions::prepare(instr, &mut next, &args, &shell, file.escape).is_err() {
                break;
            }
            if instr.keyword == "SHELL" {
                shell = next.strings("Shell");
            }
            image = next;
        }
    }
}

fn find(args: &Args, name: &str) -> Option<String> {
    args.iter()
        .rev()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.clone())
}

fn global_args(file: &Dockerfile) -> Option<Args> {
    let mut globals = Args::new();
    for instr in &file.global_args {
        let lookup = |n: &str| find(&globals, n);
        let declared = instructions::arg_declarations(instr, file.escape, &lookup).ok()?;
        globals.extend(declared);
    }
    Some(globals)
}
