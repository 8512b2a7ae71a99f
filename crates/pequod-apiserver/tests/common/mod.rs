//! Shared by the storage tests.

#![allow(dead_code, unused_imports, reason = "each test binary uses part of it")]

pub(crate) mod scenarios;
