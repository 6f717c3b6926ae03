//! Unpacking real tars built in memory: every entry type, metadata, whiteouts, hostile layers.
