//! Why an unprivileged user namespace could not be created, and what fixes it.

use std::fs;

/// The known reasons a kernel refuses unprivileged user namespaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsernsBlocker {
    /// Debian/older Ubuntu: kernel.unprivileged_userns_clone = 0.
    UnprivilegedClone,
    /// user.max_user_namespaces = 0.
    MaxUserNamespaces,
    /// Ubuntu 23.10+: AppArmor restricts unprivileged user namespaces.
    AppArmor,
    /// None of the sysctls forbid it: a container's seccomp profile or a similar sandbox does.
    Unknown,
}

impl UsernsBlocker {
    pub fn explanation(&self) -> &'static str {
        match self {
            UsernsBlocker::UnprivilegedClone => "  Cause: the sysctl kernel.unprivileged_userns_clone is 0.\n  Fix:   sudo sysctl kernel.unprivileged_userns_clone=1   (or run socklab with sudo)",
            UsernsBlocker::MaxUserNamespaces => "  Cause: the sysctl user.max_user_namespaces is 0.\n  Fix:   sudo sysctl user.max_user_namespaces=10000   (or run socklab with sudo)",
            UsernsBlocker::AppArmor => "  Cause: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1).\n  Fix:   sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0, or add an AppArmor profile for socklab that allows userns,\n         or run socklab with sudo",
            UsernsBlocker::Unknown => "  Cause: user namespaces are blocked by the environment (for example a container's seccomp profile).\n  Fix:   run socklab with sudo, or give the binary the capability: sudo setcap cap_net_raw,cap_sys_admin+ep $(command -v socklab)",
        }
    }
}

/// Reads the sysctls that can forbid unprivileged user namespaces, in the order they are checked.
pub fn diagnose_userns() -> UsernsBlocker {
    diagnose_from(|path| fs::read_to_string(path).ok())
}

fn diagnose_from(read: impl Fn(&str) -> Option<String>) -> UsernsBlocker {
    let is = |path: &str, value: &str| read(path).is_some_and(|content| content.trim() == value);
    if is("/proc/sys/kernel/unprivileged_userns_clone", "0") {
        UsernsBlocker::UnprivilegedClone
    } else if is("/proc/sys/user/max_user_namespaces", "0") {
        UsernsBlocker::MaxUserNamespaces
    } else if is(
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
        "1",
    ) {
        UsernsBlocker::AppArmor
    } else {
        UsernsBlocker::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(entries: &'static [(&'static str, &'static str)]) -> UsernsBlocker {
        diagnose_from(|path| {
            entries
                .iter()
                .find(|(name, _)| *name == path)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn each_sysctl_is_named_as_the_cause() {
        assert_eq!(
            with(&[("/proc/sys/kernel/unprivileged_userns_clone", "0\n")]),
            UsernsBlocker::UnprivilegedClone
        );
        assert_eq!(
            with(&[("/proc/sys/user/max_user_namespaces", "0\n")]),
            UsernsBlocker::MaxUserNamespaces
        );
        assert_eq!(
            with(&[(
                "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
                "1\n"
            )]),
            UsernsBlocker::AppArmor
        );
        assert_eq!(with(&[]), UsernsBlocker::Unknown);
    }

    #[test]
    fn allowed_settings_are_not_blamed() {
        assert_eq!(
            with(&[
                ("/proc/sys/kernel/unprivileged_userns_clone", "1\n"),
                ("/proc/sys/user/max_user_namespaces", "96365\n"),
                (
                    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
                    "0\n"
                ),
            ]),
            UsernsBlocker::Unknown
        );
    }

    #[test]
    fn every_explanation_offers_a_fix() {
        for blocker in [
            UsernsBlocker::UnprivilegedClone,
            UsernsBlocker::MaxUserNamespaces,
            UsernsBlocker::AppArmor,
            UsernsBlocker::Unknown,
        ] {
            assert!(blocker.explanation().contains("Fix:"), "{blocker:?}");
            assert!(blocker.explanation().contains("sudo"), "{blocker:?}");
        }
    }
}
