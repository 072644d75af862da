//! What a command prints: JSON (as the platform answered it), or a readable table
//! whose columns come from the model table.

use std::io::{self, Write};

use open_connectors::model::FieldType;
use open_connectors::{Lang, Model, Output};
use serde_json::Value;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON, pretty-printed (the default when standard output is not a terminal).
    Json,
    /// A readable table (the default on a terminal).
    Table,
}

/// The widest a table cell gets before it is cut (with `…`).
const MAX_CELL: usize = 48;
/// The most columns a table of JSON records shows.
const MAX_JSON_COLUMNS: usize = 8;
/// The most columns a table of model records shows.
const MAX_MODEL_COLUMNS: usize = 7;

/// Prints results in one format.
pub struct Printer<'a> {
    /// Where.
    pub out: &'a mut dyn Write,
    /// How.
    pub format: Format,
    /// Whether a table shows secret fields (an instance's token).
    pub show_secrets: bool,
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn cell(v: &Value) -> String {
    let text = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    };
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX_CELL {
        let cut: String = text.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Rows with a header, columns padded to their widest cell.
fn write_rows(out: &mut dyn Write, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&" ".repeat(widths[i] - width(c) + 2));
            }
        }
        l.trim_end().to_owned()
    };
    writeln!(out, "{}", line(header))?;
    for r in rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
}

/// The columns of a list of model records: the fields `repr` shows (secrets left
/// out), then its lists, dates and flags, up to [`MAX_MODEL_COLUMNS`].
fn model_columns(model: &Model) -> Vec<&'static str> {
    let mut cols: Vec<&'static str> = model
        .repr
        .iter()
        .copied()
        .filter(|n| {
            model
                .fields
                .iter()
                .any(|f| f.name == *n && f.ty != FieldType::Secret)
        })
        .collect();
    for f in model.fields {
        if matches!(
            f.ty,
            FieldType::Date | FieldType::TextList | FieldType::Bool
        ) && !cols.contains(&f.name)
        {
            cols.push(f.name);
        }
    }
    cols.truncate(MAX_MODEL_COLUMNS);
    cols
}

/// A model record's fields by table name: the typed ones, and objects and lists as
/// received.
fn model_values(item: &Output, model: &Model) -> serde_json::Map<String, Value> {
    let typed = item.fields(Lang::Rust);
    let raw = item.raw();
    let mut out = serde_json::Map::new();
    for f in model.fields {
        // Dates as the platform wrote them (the typed value is a number).
        let typed_value = typed.get(f.name).filter(|_| f.ty != FieldType::Date);
        let v = match typed_value {
            Some(v) if !v.is_null() => v.clone(),
            _ => f
                .wire
                .and_then(|w| raw.get(w))
                .cloned()
                .unwrap_or(Value::Null),
        };
        out.insert(f.name.to_owned(), v);
    }
    out
}

/// The columns of a table of JSON records: the scalar keys of the first ones.
fn json_columns(items: &[Value]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for item in items.iter().take(20) {
        if let Value::Object(m) = item {
            for (k, v) in m {
                // Scalars and lists of text fit a cell; objects do not.
                let fits = match v {
                    Value::Object(_) => false,
                    Value::Array(items) => items.iter().all(Value::is_string),
                    _ => true,
                };
                if fits && !cols.contains(k) {
                    cols.push(k.clone());
                }
            }
        }
    }
    cols.truncate(MAX_JSON_COLUMNS);
    cols
}

/// A table of items: model records get the model's columns, JSON objects their keys.
pub struct Table {
    columns: Vec<String>,
    model: Option<&'static Model>,
}

impl Table {
    /// The table for these items (their columns decided by the first ones).
    pub fn for_items(items: &[Output]) -> Table {
        match items.first().and_then(Output::model) {
            Some(model) => Table {
                columns: model_columns(model)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                model: Some(model),
            },
            None => {
                let raw: Vec<Value> = items.iter().map(Output::raw).collect();
                Table {
                    columns: json_columns(&raw),
                    model: None,
                }
            }
        }
    }

    fn row(&self, item: &Output) -> Vec<String> {
        let values = match self.model {
            Some(model) => model_values(item, model),
            None => match item.raw() {
                Value::Object(m) => m,
                other => {
                    let mut m = serde_json::Map::new();
                    m.insert("value".into(), other);
                    m
                }
            },
        };
        self.columns
            .iter()
            .map(|c| values.get(c).map(cell).unwrap_or_default())
            .collect()
    }

    /// Writes the rows of `items`, with the header when asked.
    pub fn write(&self, out: &mut dyn Write, items: &[Output], header: bool) -> io::Result<()> {
        let rows: Vec<Vec<String>> = items.iter().map(|i| self.row(i)).collect();
        if self.columns.is_empty() {
            for i in items {
                writeln!(out, "{}", cell(&i.raw()))?;
            }
            return Ok(());
        }
        let head: Vec<String> = self
            .columns
            .iter()
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if header {
            write_rows(out, &head, &rows)
        } else {
            // Later pages: the same layout, without repeating the header.
            let mut buf = Vec::new();
            write_rows(&mut buf, &head, &rows)?;
            let text = String::from_utf8_lossy(&buf);
            for l in text.lines().skip(1) {
                writeln!(out, "{l}")?;
            }
            Ok(())
        }
    }
}

impl Printer<'_> {
    /// One result.
    pub fn output(&mut self, output: &Output) -> io::Result<()> {
        match (self.format, output) {
            (_, Output::Nothing) => Ok(()),
            (Format::Json, Output::Response(r)) => {
                let body = r.json().unwrap_or_else(|_| Value::String(r.text()));
                writeln!(self.out, "{}", pretty(&body))
            }
            (Format::Json, other) => writeln!(self.out, "{}", pretty(&other.raw())),
            (Format::Table, Output::Text(t)) => writeln!(self.out, "{t}"),
            (Format::Table, Output::List(items)) => {
                Table::for_items(items).write(self.out, items, true)
            }
            (Format::Table, Output::Response(r)) => match r.json() {
                Ok(v) => self.json_table(&v),
                Err(_) => writeln!(self.out, "{}", r.text()),
            },
            (Format::Table, Output::Json(v)) => self.json_table(v),
            (Format::Table, item) => match item.model() {
                Some(model) => self.record(item, model),
                None => self.json_table(&item.raw()),
            },
        }
    }

    /// A model record as `field  value` lines.
    fn record(&mut self, item: &Output, model: &Model) -> io::Result<()> {
        let values = model_values(item, model);
        let rows: Vec<Vec<String>> = model
            .fields
            .iter()
            .map(|f| {
                let v = &values[f.name];
                let shown = if f.ty == FieldType::Secret && !self.show_secrets && !v.is_null() {
                    "[REDACTED] (--show-secrets shows it)".to_owned()
                } else {
                    cell(v)
                };
                vec![f.name.to_owned(), shown]
            })
            .collect();
        write_rows(self.out, &["FIELD".to_owned(), "VALUE".to_owned()], &rows)
    }

    /// Decoded JSON: an array of objects as rows, an object as `key  value` lines.
    fn json_table(&mut self, v: &Value) -> io::Result<()> {
        match v {
            Value::Array(items) => {
                let items: Vec<Output> = items.iter().cloned().map(Output::Json).collect();
                Table::for_items(&items).write(self.out, &items, true)
            }
            Value::Object(m) => {
                let rows: Vec<Vec<String>> =
                    m.iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect();
                write_rows(self.out, &["KEY".to_owned(), "VALUE".to_owned()], &rows)
            }
            Value::Null => Ok(()),
            other => writeln!(self.out, "{}", cell(other)),
        }
    }
}

/// A listing printed as it is fetched: a JSON array written item by item, or table
/// rows page by page.
pub struct ListWriter {
    format: Format,
    count: u64,
    table: Option<Table>,
}

impl ListWriter {
    /// A listing in `format`.
    pub fn new(format: Format) -> ListWriter {
        ListWriter {
            format,
            count: 0,
            table: None,
        }
    }

    /// How many items were written.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// One page's items.
    pub fn page(&mut self, out: &mut dyn Write, items: &[Output]) -> io::Result<()> {
        match self.format {
            Format::Json => {
                for item in items {
                    let sep = if self.count == 0 { "[\n" } else { ",\n" };
                    let text = pretty(&item.raw());
                    let indented: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
                    write!(out, "{sep}{}", indented.join("\n"))?;
                    self.count += 1;
                }
            }
            Format::Table => {
                let first = self.table.is_none();
                let table = self.table.get_or_insert_with(|| Table::for_items(items));
                table.write(out, items, first)?;
                self.count += items.len() as u64;
            }
        }
        out.flush()
    }

    /// The end of the listing.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.format == Format::Json {
            if self.count == 0 {
                writeln!(out, "[]")?;
            } else {
                writeln!(out, "\n]")?;
            }
        }
        out.flush()
    }
}
