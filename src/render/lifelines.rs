//! Who stands where in a sequence diagram: one lifeline per endpoint (address and port), in the order the
//! endpoints first appear, so each conversation's two lifelines sit side by side.
//!
//! Several conversations give more lifelines: an endpoint shared between conversations (a server that two
//! clients reach) keeps one lifeline, and each new client gets its own. A socket call has no address, so its
//! mark goes on its actor's lifeline in the conversation of the nearest packet after it (a `listen()` sits
//! on the server that the next SYN reaches), or before it when no packet follows.

use super::scene::{Scene, SceneEvent};
use crate::analysis::{FlowId, Role};
use std::net::SocketAddr;

/// One vertical line of the diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifeline {
    /// The role the endpoint had in the first conversation it took part in.
    pub role: Role,
    /// `None` for a run with socket calls but no captured conversation.
    pub endpoint: Option<SocketAddr>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifelines {
    pub list: Vec<Lifeline>,
    /// Each drawn conversation's (client, server) lifelines.
    ends: Vec<(FlowId, usize, usize)>,
}

impl Lifelines {
    pub fn of(scene: &Scene) -> Lifelines {
        let mut lifelines = Lifelines::default();
        for flow in &scene.flows {
            let client = lifelines.find_or_add(flow.client, Role::Client, None);
            let server = lifelines.find_or_add(flow.server, Role::Server, Some(client));
            lifelines.ends.push((flow.id, client, server));
        }
        let has_calls = scene
            .events
            .iter()
            .any(|event| matches!(event, SceneEvent::Call(_)));
        if lifelines.list.is_empty() && has_calls {
            for role in [Role::Client, Role::Server] {
                lifelines.list.push(Lifeline {
                    role,
                    endpoint: None,
                });
            }
        }
        lifelines
    }

    /// The endpoint's lifeline, added if new; never `not` (a connection to itself still gets two lines).
    fn find_or_add(&mut self, endpoint: SocketAddr, role: Role, not: Option<usize>) -> usize {
        let found = self
            .list
            .iter()
            .enumerate()
            .position(|(index, line)| line.endpoint == Some(endpoint) && Some(index) != not);
        found.unwrap_or_else(|| {
            self.list.push(Lifeline {
                role,
                endpoint: Some(endpoint),
            });
            self.list.len() - 1
        })
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The lifeline of `role` in conversation `flow`.
    pub fn index_of(&self, flow: FlowId, role: Role) -> Option<usize> {
        self.ends
            .iter()
            .find(|(id, _, _)| *id == flow)
            .map(|&(_, client, server)| match role {
                Role::Client => client,
                Role::Server => server,
            })
    }

    /// A packet's (sender, receiver) lifelines, when its conversation and sender are known.
    pub fn packet_ends(&self, flow: Option<FlowId>, from: Option<Role>) -> Option<(usize, usize)> {
        let (flow, from) = (flow?, from?);
        Some((
            self.index_of(flow, from)?,
            self.index_of(flow, from.peer())?,
        ))
    }

    /// For each event of `scene`, the lifeline its call mark sits on (`None` for packets and for calls
    /// that have nowhere to go).
    pub fn call_marks(&self, scene: &Scene) -> Vec<Option<usize>> {
        let events = &scene.events;
        let flow_at = |index: usize| match events.get(index) {
            Some(SceneEvent::Packet(packet)) => packet
                .flow
                .filter(|flow| self.ends.iter().any(|(id, _, _)| id == flow)),
            _ => None,
        };
        // The conversation of the nearest packet after each event, then before it.
        let mut next = vec![None; events.len()];
        let mut upcoming = None;
        for index in (0..events.len()).rev() {
            upcoming = flow_at(index).or(upcoming);
            next[index] = upcoming;
        }
        let mut previous = None;
        let mut marks = Vec::with_capacity(events.len());
        for (index, event) in events.iter().enumerate() {
            previous = flow_at(index).or(previous);
            let SceneEvent::Call(call) = event else {
                marks.push(None);
                continue;
            };
            let role = actor_role(&call.actor);
            let mark = match next[index].or(previous) {
                Some(flow) => self.index_of(flow, role),
                // No conversation at all: the placeholder lifelines, client first.
                None => self.list.iter().position(|line| line.role == role),
            };
            marks.push(mark);
        }
        marks
    }
}

/// "server", "server2" are servers; every other actor is a client (as the ladder places them).
pub fn actor_role(actor: &str) -> Role {
    if actor.starts_with("server") {
        Role::Server
    } else {
        Role::Client
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::scene::test_scenes;
    use super::*;
    use crate::analysis::{FlowInfo, FlowProtocol, Verdict};
    use crate::decode::TcpFlags;
    use crate::lang::Lang;
    use crate::timeline::{CallOutcome, SocketCall};

    fn call(actor: &str) -> SocketCall {
        SocketCall {
            actor: actor.to_string(),
            call: "socket()".to_string(),
            outcome: CallOutcome::Called,
        }
    }

    #[test]
    fn one_conversation_has_a_client_and_a_server_lifeline() {
        let scene = test_scenes::echo(Lang::En, false);
        let lifelines = Lifelines::of(&scene);
        assert_eq!(lifelines.len(), 2);
        assert_eq!(lifelines.list[0].role, Role::Client);
        assert_eq!(lifelines.list[0].endpoint, Some(fixtures::CLIENT));
        assert_eq!(lifelines.list[1].endpoint, Some(fixtures::SERVER));
        assert_eq!(
            lifelines.packet_ends(Some(fixtures::TCP_STREAM_0), Some(Role::Server)),
            Some((1, 0))
        );
        // listen() by the server, connect() by the client.
        let marks = lifelines.call_marks(&scene);
        assert_eq!(&marks[..3], &[Some(1), Some(0), None]);
    }

    #[test]
    fn a_second_client_of_the_same_server_gets_one_new_lifeline() {
        let mut scene = Scene::new(false);
        let second = FlowId {
            protocol: FlowProtocol::Tcp,
            index: 1,
        };
        let other_client: SocketAddr = "127.0.0.1:50000".parse().unwrap();
        let syn = fixtures::tcp(1, 0, Role::Client, TcpFlags::SYN, b"");
        scene.record_packet(
            &syn,
            &fixtures::verdict(Role::Client, 0, None, 1),
            Some(&fixtures::tcp_flow()),
        );
        scene.record_call(&call("client"));
        let verdict = Verdict {
            flow: Some(second),
            ..fixtures::verdict(Role::Client, 0, None, 1)
        };
        let flow = FlowInfo {
            id: second,
            client: other_client,
            ..fixtures::tcp_flow()
        };
        scene.record_packet(&syn, &verdict, Some(&flow));
        let lifelines = Lifelines::of(&scene);
        assert_eq!(lifelines.len(), 3);
        assert_eq!(lifelines.index_of(second, Role::Server), Some(1));
        assert_eq!(lifelines.index_of(second, Role::Client), Some(2));
        // The call before the second SYN belongs to the second client.
        assert_eq!(lifelines.call_marks(&scene)[1], Some(2));
    }

    #[test]
    fn a_connection_to_itself_still_has_two_lifelines() {
        let mut scene = Scene::new(false);
        let flow = FlowInfo {
            server: fixtures::CLIENT,
            ..fixtures::tcp_flow()
        };
        let syn = fixtures::tcp(1, 0, Role::Client, TcpFlags::SYN, b"");
        scene.record_packet(
            &syn,
            &fixtures::verdict(Role::Client, 0, None, 1),
            Some(&flow),
        );
        let lifelines = Lifelines::of(&scene);
        assert_eq!(lifelines.len(), 2);
        assert_eq!(
            lifelines.packet_ends(Some(flow.id), Some(Role::Client)),
            Some((0, 1))
        );
    }

    #[test]
    fn calls_without_any_conversation_get_placeholder_lifelines() {
        let mut scene = Scene::new(false);
        scene.record_call(&call("server"));
        scene.record_call(&call("client"));
        let lifelines = Lifelines::of(&scene);
        assert_eq!(lifelines.len(), 2);
        assert_eq!(lifelines.list[0].endpoint, None);
        assert_eq!(lifelines.call_marks(&scene), [Some(1), Some(0)]);
        assert!(Lifelines::of(&Scene::new(false)).is_empty());
    }

    #[test]
    fn actors_named_server_are_servers() {
        assert_eq!(actor_role("server"), Role::Server);
        assert_eq!(actor_role("server2"), Role::Server);
        assert_eq!(actor_role("client2"), Role::Client);
    }
}
