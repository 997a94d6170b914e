//! Rejected rows and flagged values: one JSON line each, with the place and the reason.

use std::io::Write;

use serde::Serialize;

/// A rejected row or a value kept raw and flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// Data file, as the mapping resolved it.
    pub file: String,
    /// 1-based line where the record starts.
    pub line: u64,
    /// Column (or JSON field) at fault; empty when the whole record is unreadable.
    pub column: String,
    /// The raw value, as read.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}

/// Where the loader writes issues, one JSON object per line.
pub struct IssueSink<'a> {
    out: Option<&'a mut dyn Write>,
    count: u64,
}

impl<'a> IssueSink<'a> {
    /// A sink that writes JSON lines to `out`.
    pub fn new(out: &'a mut dyn Write) -> Self {
        IssueSink { out: Some(out), count: 0 }
    }

    /// A sink that only counts.
    pub fn counting() -> Self {
        IssueSink { out: None, count: 0 }
    }

    /// Records one issue.
    pub fn push(&mut self, issue: &Issue) -> std::io::Result<()> {
        self.count += 1;
        if let Some(out) = self.out.as_mut() {
            serde_json::to_writer(&mut **out, issue)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// How many issues were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }
}
