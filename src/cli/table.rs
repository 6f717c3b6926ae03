//! Column-aligned tables, as Podman prints them: Go's tabwriter with a minimum
//! cell width of 12 and two spaces of padding (containers/common report).

use std::io::{self, Write};

const MIN_WIDTH: usize = 12;
const PADDING: usize = 2;

pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// `--noheading`: the rows alone, aligned among themselves.
    pub fn drop_header(&mut self) {
        if !self.rows.is_empty() {
            self.rows.remove(0);
        }
    }

    pub fn print(&self) -> io::Result<()> {
        io::stdout().lock().write_all(align(&self.rows).as_bytes())
    }
}

/// Text whose lines hold tab-separated cells (a rendered `table` template), aligned.
pub fn print_tabbed(text: &str) -> io::Result<()> {
    let rows: Vec<Vec<String>> = text
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect();
    io::stdout().lock().write_all(align(&rows).as_bytes())
}

/// Every cell but a line's last is padded to its column's width; the last is
/// written as it is, as tabwriter does with text after the final tab.
fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter(|r| c + 1 < r.len())
                .map(|r| r[c].chars().count() + PADDING)
                .max()
                .unwrap_or(0)
                .max(MIN_WIDTH)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}", width = widths[c]));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_as_podman_aligns_them() {
        let rows = vec![
            vec!["CONTAINER ID".into(), "NAMES".into()],
            vec!["abc".into(), "web".into()],
        ];
        assert_eq!(align(&rows), "CONTAINER ID  NAMES\nabc           web\n");
    }
}
