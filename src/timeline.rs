//! Socket calls, the other half of a scenario's timeline (the packets are the first half).

use serde::Serialize;

/// One socket call as a learner would write it, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SocketCall {
    /// Who made the call: "client", "server", "client2", ...
    pub actor: String,
    /// The call as code: "listen(backlog=1)", "connect(127.0.0.1:40000)", "send(5 B)".
    pub call: String,
    pub outcome: CallOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallOutcome {
    /// A blocking call has started and has not returned yet ("connect() called").
    Called,
    /// The call returned; `value` is what it returned, as code ("0", "5 B", "fd 4 from 127.0.0.1:5xxxx").
    Returned { value: String },
    /// The call failed with an errno.
    Failed { errno: String, message: String },
}

/// One entry of a run's timeline, in the order things happened.
#[derive(Clone, Debug)]
pub enum TimelineEntry {
    Call(SocketCall),
    /// The index of a captured frame in the run's frame list.
    Frame(usize),
}
