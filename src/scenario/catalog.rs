//! The built-in scenarios by name, and running one of them.

use super::{
    stream_vs_datagrams, tcp_close, tcp_errors, tcp_exchange, udp, Family, ScenarioError,
    ScenarioRun,
};
use serde::Serialize;

/// A scenario's name (as typed on the command line) and what it shows, in one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioInfo {
    pub name: &'static str,
    pub description: &'static str,
}

type Runner = fn(Family) -> Result<ScenarioRun, ScenarioError>;

const SCENARIOS: [(ScenarioInfo, Runner); 10] = [
    (
        info("tcp-handshake", "connect and accept (SYN, SYN-ACK, ACK), \"hello\" and \"world\" both ways, then an orderly close"),
        tcp_exchange::handshake,
    ),
    (
        info("tcp-teardown-4", "the four-segment close: FIN, ACK, FIN, ACK (the server acknowledges at once, closes later)"),
        tcp_exchange::teardown_4,
    ),
    (
        info("tcp-teardown-3", "the three-segment close: FIN, FIN-ACK, ACK (the delayed ACK rides on the server's FIN)"),
        tcp_exchange::teardown_3,
    ),
    (
        info("tcp-half-close", "shutdown(SHUT_WR): the client stops sending but still receives what the server sends"),
        tcp_exchange::half_close,
    ),
    (
        info("tcp-simultaneous-close", "both ends close at the same moment and their FINs cross (CLOSING state)"),
        tcp_close::simultaneous_close,
    ),
    (
        info("tcp-refused", "connect() to a port nobody listens on: SYN answered by RST-ACK, ECONNREFUSED"),
        tcp_errors::refused,
    ),
    (
        info("tcp-abort", "SO_LINGER 0 then close(): a RST instead of FIN, and the peer's recv() gets ECONNRESET"),
        tcp_errors::abort,
    ),
    (
        info("udp-echo", "sendto()/recvfrom() both ways: two datagrams, no connection, no acknowledgements"),
        udp::echo,
    ),
    (
        info("udp-closed-port", "a datagram to a closed port: ICMP port unreachable, and ECONNREFUSED on a connected socket"),
        udp::closed_port,
    ),
    (
        info("tcp-stream-vs-udp-datagrams", "three sends: one recv() gets them all over TCP, but UDP keeps three datagrams"),
        stream_vs_datagrams::stream_vs_datagrams,
    ),
];

const fn info(name: &'static str, description: &'static str) -> ScenarioInfo {
    ScenarioInfo { name, description }
}

static CATALOG: [ScenarioInfo; SCENARIOS.len()] = {
    let mut list = [info("", ""); SCENARIOS.len()];
    let mut i = 0;
    while i < SCENARIOS.len() {
        list[i] = SCENARIOS[i].0;
        i += 1;
    }
    list
};

/// Every built-in scenario, in the order a course would take them.
pub fn catalog() -> &'static [ScenarioInfo] {
    &CATALOG
}

/// Runs the scenario called `name` over `family`, capturing on `lo` (needs CAP_NET_RAW).
pub fn run(name: &str, family: Family) -> Result<ScenarioRun, ScenarioError> {
    let Some((_, runner)) = SCENARIOS.iter().find(|(info, _)| info.name == name) else {
        return Err(ScenarioError::UnknownScenario {
            name: name.to_string(),
            available: CATALOG
                .iter()
                .map(|info| info.name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    runner(family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_described() {
        let names: Vec<&str> = catalog().iter().map(|info| info.name).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[..i].contains(name), "{name} appears twice");
            assert!(
                name.starts_with("tcp-") || name.starts_with("udp-"),
                "{name}"
            );
        }
        assert!(catalog().iter().all(|info| !info.description.is_empty()));
        assert_eq!(names.len(), 10);
    }

    #[test]
    fn unknown_names_list_the_real_ones() {
        let error = run("tcp-handshak", Family::V4).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("\"tcp-handshak\""), "{text}");
        for info in catalog() {
            assert!(text.contains(info.name), "{text}");
        }
    }
}
