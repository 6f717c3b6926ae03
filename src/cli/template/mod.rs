//! Go's text/template for `--format`, with Podman's functions and its `table`
//! directive, over JSON data (the rows and documents commands print).

mod exec;
mod funcs;
mod lex;
mod parse;
mod printf;
mod show;

use serde_json::Value;
use std::fmt;

#[derive(Debug)]
pub struct Error(String);

impl Error {
    fn new(message: &str) -> Error {
        Error(message.to_owned())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template: {}", self.0)
    }
}

impl std::error::Error for Error {}

pub struct Template {
    nodes: Vec<parse::Node>,
    table: bool,
}

impl Template {
    /// Podman's reading of a `--format` value: `\t` and `\n` typed on the command
    /// line are a tab and a newline; after `table`, every space separates columns
    /// too; and each rendered item ends with a newline.
    pub fn new(format: &str) -> Result<Template, Error> {
        let (table, text) = match format.strip_prefix("table") {
            Some(rest) if rest.is_empty() || rest.starts_with([' ', '\t']) => {
                (true, rest.trim_start().replace(' ', "\t"))
            }
            _ => (false, format.to_owned()),
        };
        let mut text = text.replace("\\t", "\t").replace("\\n", "\n");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(Template {
            nodes: parse::parse(lex::pieces(&text)?)?,
            table,
        })
    }

    pub fn is_table(&self) -> bool {
        self.table
    }

    pub fn render(&self, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        exec::Exec::new(data, None).nodes(&self.nodes, data, &mut out)?;
        Ok(out)
    }

    /// The header line: the template run with each field standing for its column's
    /// name (`overrides`, else the field's words upper-cased, as Podman names them).
    pub fn header(&self, overrides: &[(&str, &str)]) -> Result<String, Error> {
        let name = |field: &str| {
            overrides
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, h)| h.to_string())
                .unwrap_or_else(|| header_name(field))
        };
        let mut out = String::new();
        let empty = Value::Object(Default::default());
        exec::Exec::new(&empty, Some(&name)).nodes(&self.nodes, &empty, &mut out)?;
        Ok(out)
    }
}

/// `CreatedAt` -> `CREATED AT`: fatih/camelcase's split, which Podman's headers use.
pub fn header_name(field: &str) -> String {
    let class = |c: char| match c {
        c if c.is_lowercase() => 0,
        c if c.is_uppercase() => 1,
        c if c.is_ascii_digit() => 2,
        _ => 3,
    };
    let mut runs: Vec<String> = Vec::new();
    let mut last = None;
    for c in field.chars() {
        match runs.last_mut() {
            Some(run) if last == Some(class(c)) => run.push(c),
            _ => runs.push(c.to_string()),
        }
        last = Some(class(c));
    }
    // An upper-case run followed by a lower-case one gives its last letter away:
    // `HTTPServer` is `HTTP Server`.
    for i in 0..runs.len().saturating_sub(1) {
        let upper = runs[i].chars().all(char::is_uppercase);
        let lower = runs[i + 1].chars().all(char::is_lowercase);
        if upper && lower {
            let moved = runs[i].pop().unwrap_or_default();
            runs[i + 1].insert(0, moved);
        }
    }
    runs.retain(|r| !r.is_empty());
    runs.join(" ").to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, data: Value) -> String {
        Template::new(template).unwrap().render(&data).unwrap()
    }

    #[test]
    fn fields_functions_and_blocks() {
        let data = json!({"Name": "web", "State": {"Status": "running"},
            "Labels": {"k": "v", "a": "b"}, "Names": ["x", "y"], "N": 0});
        assert_eq!(render("{{.State.Status}}", data.clone()), "running\n");
        assert_eq!(
            render(r#"{{index .Labels "k"}} {{.Labels.k}}"#, data.clone()),
            "v v\n"
        );
        assert_eq!(
            render("{{upper .Name | printf \"%5s\"}}", data.clone()),
            "  WEB\n"
        );
        assert_eq!(
            render("{{join .Names \",\"}} {{len .Names}}", data.clone()),
            "x,y 2\n"
        );
        assert_eq!(
            render(
                "{{range $i, $n := .Names}}{{$i}}={{$n}};{{end}}",
                data.clone()
            ),
            "0=x;1=y;\n"
        );
        assert_eq!(
            render(
                "{{if .N}}yes{{else if .Name}}name{{else}}no{{end}}",
                data.clone()
            ),
            "name\n"
        );
        assert_eq!(
            render("{{with .State}}{{.Status}}{{end}}", data.clone()),
            "running\n"
        );
        assert_eq!(
            render("{{.Labels}} {{.Missing}}", data.clone()),
            "map[a:b k:v] <no value>\n"
        );
        assert_eq!(render("{{json .Names}}", data.clone()), "[\"x\",\"y\"]\n");
        assert_eq!(
            render("{{$n := .Name}}{{- range .Names}} {{$n}}{{end}}", data),
            " web web\n"
        );
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(Template::new("{{if .X}}").is_err());
        let t = Template::new("{{nope .X}}").unwrap();
        assert!(t
            .render(&json!({}))
            .unwrap_err()
            .to_string()
            .contains("\"nope\" not defined"));
    }

    #[test]
    fn table_headers_as_podman_names_them() {
        let t = Template::new("table {{.ID}} {{.CreatedAt}} {{upper .IPv6Enabled}}").unwrap();
        assert!(t.is_table());
        assert_eq!(
            t.header(&[("ID", "CONTAINER ID")]).unwrap(),
            "CONTAINER ID\tCREATED AT\tI PV 6 ENABLED\n"
        );
    }
}
