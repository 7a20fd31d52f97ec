//! socklab: real socket exchanges on loopback, captured, decoded and explained.
//!
//! Data flows one way: [`capture`] → [`decode`] → [`analysis`] → [`render`], driven by [`pipeline`];
//! [`scenario`] performs real exchanges and feeds the same pipeline.

pub mod analysis;
pub mod app_error;
pub mod capture;
pub mod cli;
pub mod commands;
pub mod decode;
pub mod grade;
pub mod lang;
pub mod lesson;
pub mod pipeline;
pub mod render;
pub mod sandbox;
pub mod scenario;
pub mod supervise;
pub mod timeline;
