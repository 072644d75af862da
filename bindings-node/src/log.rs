//! The core's `tracing` events (target `open_connectors`: request, retry, give-up),
//! forwarded to the `logger` of the Node client that made the call.
//!
//! Each client with a logger holds a [`tracing::Dispatch`] that its calls run under
//! (`WithSubscriber`), so events go to that client's logger only, and a client without
//! one pays nothing. Events cross to JavaScript as JSON text through a weak threadsafe
//! function (it never keeps the process alive). The core never puts a secret in an
//! event's fields.

use std::fmt::{self, Write as _};

use napi::Status;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};

/// The JavaScript side: `(eventJson) => void`, weak, not callee-handled.
pub type Sink = ThreadsafeFunction<String, (), String, Status, false, true>;

const TARGET: &str = "open_connectors";

/// The level names the `logger` option and `OPEN_CONNECTORS_LOG` take.
pub fn parse_level(name: &str) -> Option<Level> {
    match name.to_ascii_lowercase().as_str() {
        "debug" => Some(Level::DEBUG),
        "info" => Some(Level::INFO),
        "warn" | "warning" => Some(Level::WARN),
        "error" => Some(Level::ERROR),
        _ => None,
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        _ => "debug",
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    fields: Map<String, Value>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.fields
                .insert(field.name().to_owned(), Value::from(value));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields
            .insert(field.name().to_owned(), Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields
            .insert(field.name().to_owned(), Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.fields
                .insert(field.name().to_owned(), Value::from(format!("{value:?}")));
        }
    }
}

struct ToJs {
    sink: Sink,
    min: Level,
}

fn ours(meta: &Metadata<'_>) -> bool {
    let t = meta.target();
    t == TARGET || t.starts_with("open_connectors::")
}

impl Subscriber for ToJs {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if ours(meta) && meta.is_event() {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        ours(meta) && *meta.level() <= self.min
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let line = serde_json::json!({
            "level": level_name(event.metadata().level()),
            "message": f.message,
            "fields": f.fields,
        });
        let _ = self
            .sink
            .call(line.to_string(), ThreadsafeFunctionCallMode::NonBlocking);
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// The dispatcher a client's calls run under.
pub fn dispatch(sink: Sink, min: Level) -> Dispatch {
    Dispatch::new(ToJs { sink, min })
}
