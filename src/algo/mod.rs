//! Graph algorithms (being written).
