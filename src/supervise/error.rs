//! What can go wrong while starting or supervising a command.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum SuperviseError {
    #[error("cannot start `{command}`: {source}{}", spawn_hint(.source))]
    Spawn {
        command: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot supervise the command ({what}): {source}")]
    System {
        what: &'static str,
        #[source]
        source: io::Error,
    },
}

impl SuperviseError {
    /// The status a shell gives for the same failure: 127 not found, 126 found but not executable.
    pub fn shell_status(&self) -> Option<u8> {
        match self {
            SuperviseError::Spawn { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                Some(127)
            }
            SuperviseError::Spawn { .. } => Some(126),
            SuperviseError::System { .. } => None,
        }
    }

    pub(crate) fn system(what: &'static str) -> impl FnOnce(io::Error) -> SuperviseError {
        move |source| SuperviseError::System { what, source }
    }
}

fn spawn_hint(source: &io::Error) -> &'static str {
    match source.kind() {
        io::ErrorKind::NotFound => {
            "\n  Is it installed, and on PATH? For a script in this folder, write ./script.sh"
        }
        io::ErrorKind::PermissionDenied => {
            "\n  Is it executable? Try: chmod +x FILE, or name its interpreter: socklab trace -- python3 FILE"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_failures_get_the_shells_statuses_and_a_hint() {
        let missing = SuperviseError::Spawn {
            command: "nosuch".into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        };
        assert_eq!(missing.shell_status(), Some(127));
        assert!(missing.to_string().contains("on PATH"), "{missing}");
        let denied = SuperviseError::Spawn {
            command: "./x".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(denied.shell_status(), Some(126));
        assert!(denied.to_string().contains("chmod +x"), "{denied}");
        let system = SuperviseError::system("waitid")(io::Error::from(io::ErrorKind::Other));
        assert_eq!(system.shell_status(), None);
    }
}
