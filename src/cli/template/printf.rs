//! Go's fmt.Sprintf for the `printf` template function: flags `-`, `0`, `+`,
//! width, precision and the verbs templates use (v s d q f g e x X t c %).

use super::show::show;
use serde_json::Value;

pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars
            .peek()
            .filter(|f| matches!(f, '-' | '0' | '+' | ' ' | '#'))
        {
            match f {
                '-' => spec.left = true,
                '0' => spec.zero = true,
                '+' => spec.plus = true,
                _ => {}
            }
            chars.next();
        }
        spec.width = digits(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.precision = Some(digits(&mut chars).unwrap_or(0));
        }
        // Go gives up on a width or precision above a million, and so does
        // this, rather than fill gigabytes.
        if [spec.width, spec.precision]
            .iter()
            .flatten()
            .any(|n| *n > TOO_LARGE)
        {
            out.push_str("%!(NOVERB)");
            break;
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.next() {
            Some(arg) => out.push_str(&spec.pad(verb_text(verb, &spec, arg))),
            None => out.push_str(&format!("%!{verb}(MISSING)")),
        }
    }
    out
}

#[derive(Default)]
struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

impl Spec {
    fn pad(&self, text: String) -> String {
        let width = self.width.unwrap_or(0);
        let len = text.chars().count();
        if len >= width {
            return text;
        }
        let fill = width - len;
        if self.left {
            format!("{text}{}", " ".repeat(fill))
        } else if self.zero {
            match text.strip_prefix('-') {
                Some(digits) => format!("-{}{digits}", "0".repeat(fill)),
                None => format!("{}{text}", "0".repeat(fill)),
            }
        } else {
            format!("{}{text}", " ".repeat(fill))
        }
    }
}

/// Go's fmt's limit on a width or a precision.
const TOO_LARGE: usize = 1_000_000;

/// A number of digits; one too long for usize reads as too large.
fn digits(chars: &mut std::iter::Peekable<std::str::Chars>) -> Option<usize> {
    let mut text = String::new();
    while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
        text.push(d);
        chars.next();
    }
    (!text.is_empty()).then(|| text.parse().unwrap_or(usize::MAX))
}

fn verb_text(verb: char, spec: &Spec, arg: &Value) -> String {
    let number = arg.as_f64();
    match (verb, arg) {
        ('s' | 'v', Value::Null) => "<nil>".to_owned(),
        ('s' | 'v', _) => {
            let text = show(arg);
            match spec.precision {
                Some(p) if verb == 's' => text.chars().take(p).collect(),
                _ => text,
            }
        }
        ('q', Value::String(s)) => serde_json::to_string(s).unwrap_or_default(),
        ('t', Value::Bool(b)) => b.to_string(),
        ('d', Value::Number(n)) if n.is_i64() || n.is_u64() => signed(spec, n.to_string()),
        ('x', Value::Number(n)) if n.is_u64() => format!("{:x}", n.as_u64().unwrap_or(0)),
        ('X', Value::Number(n)) if n.is_u64() => format!("{:X}", n.as_u64().unwrap_or(0)),
        ('x', Value::String(s)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
        ('c', Value::Number(n)) => n
            .as_u64()
            .and_then(|c| char::from_u32(c as u32))
            .map(String::from)
            .unwrap_or_default(),
        ('f' | 'F', Value::Number(_)) => signed(
            spec,
            format!("{:.*}", spec.precision.unwrap_or(6), number.unwrap_or(0.0)),
        ),
        ('e', Value::Number(_)) => go_exponent(format!(
            "{:.*e}",
            spec.precision.unwrap_or(6),
            number.unwrap_or(0.0)
        )),
        ('g', Value::Number(_)) => signed(spec, show(arg)),
        _ => format!("%!{verb}({})", show(arg)),
    }
}

fn signed(spec: &Spec, text: String) -> String {
    if spec.plus && !text.starts_with('-') {
        format!("+{text}")
    } else {
        text
    }
}

/// Rust writes `1.5e3`; Go writes `1.5e+03`.
fn go_exponent(text: String) -> String {
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Found while writing the fuzz targets: a width of billions filled memory until the
    /// process was killed.
    #[test]
    fn a_width_or_precision_past_a_million_is_refused_as_go_does() {
        assert_eq!(sprintf("a%9999999999dz", &[json!(1)]), "a%!(NOVERB)");
        assert_eq!(sprintf("%.1000001f", &[json!(1)]), "%!(NOVERB)");
        assert_eq!(
            sprintf("%99999999999999999999999d", &[json!(1)]),
            "%!(NOVERB)"
        );
        assert_eq!(sprintf("%1000000d", &[json!(1)]).len(), 1_000_000);
    }

    #[test]
    fn formats_as_go() {
        let args = [json!("ab"), json!(7), json!(1.5), json!(["x"])];
        assert_eq!(
            sprintf(
                "%-4s|%03d|%.2f|%v|%%|%q",
                &[&args[..], &[json!("q")]].concat()
            ),
            "ab  |007|1.50|[x]|%|\"q\""
        );
        assert_eq!(sprintf("%s %s", &[json!("a")]), "a %!s(MISSING)");
    }
}
