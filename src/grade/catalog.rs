//! The exercises shipped with socklab, built into the binary so `socklab grade tcp-client` works anywhere.

/// (name, TOML text), in the order they are taught.
const BUILTIN: [(&str, &str); 8] = [
    (
        "tcp-client",
        include_str!("../../lessons/exercises/tcp-client.toml"),
    ),
    (
        "tcp-server",
        include_str!("../../lessons/exercises/tcp-server.toml"),
    ),
    (
        "udp-sender",
        include_str!("../../lessons/exercises/udp-sender.toml"),
    ),
    (
        "udp-receiver",
        include_str!("../../lessons/exercises/udp-receiver.toml"),
    ),
    (
        "tcp-multi-client",
        include_str!("../../lessons/exercises/tcp-multi-client.toml"),
    ),
    (
        "tcp-half-close",
        include_str!("../../lessons/exercises/tcp-half-close.toml"),
    ),
    (
        "tcp-server-restart",
        include_str!("../../lessons/exercises/tcp-server-restart.toml"),
    ),
    (
        "tcp-byte-stream",
        include_str!("../../lessons/exercises/tcp-byte-stream.toml"),
    ),
];

pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map(|(_, text)| *text)
}

pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(name, _)| *name).collect()
}
