//! `socklab scenarios`: the built-in exchanges, one line each.

use crate::scenario;
use std::io::{self, Write};

pub fn scenarios(out: &mut impl Write) -> io::Result<()> {
    let catalog = scenario::catalog();
    let name_width = catalog
        .iter()
        .map(|info| info.name.len())
        .max()
        .unwrap_or(0);
    for info in catalog {
        writeln!(out, "{:<name_width$}  {}", info.name, info.description)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Run one with `socklab run NAME` (add --ipv6 for ::1). Live capture needs CAP_NET_RAW."
    )?;
    Ok(())
}
