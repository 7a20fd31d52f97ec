//! Starting a submission inside the sandbox: its own process group, never root, resource limits, a
//! read-only view of the system except its working folder (mounted as /tmp), and piped output.
//!
//! Everything the child does between fork and exec happens in `pre_exec`, where only async-signal-safe
//! calls are allowed (socklab has threads): every string is prepared before the fork.

use super::limits::Limits;
use super::output_cap::{read_capped, CappedOutput, KEEP_BYTES};
use std::ffi::CString;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

/// What the submission may see and do.
#[derive(Clone, Debug)]
pub struct Sandbox {
    /// Switch to this uid and gid (and no supplementary groups) before exec: set when socklab is root.
    pub drop_to: Option<(u32, u32)>,
    pub workdir: PathBuf,
    pub limits: Limits,
    /// The absolute RLIMIT_NPROC value.
    pub max_processes: u64,
}

pub struct Running {
    pub child: Child,
    /// The process group: the child's pid.
    pub pgid: i32,
    pub stdout: JoinHandle<CappedOutput>,
    pub stderr: JoinHandle<CappedOutput>,
}

/// Where the working folder appears inside the submission's view of the file system.
pub const INSIDE_WORKDIR: &str = "/tmp";

/// MOUNT_ATTR_RDONLY (linux/mount.h); libc does not export the mount_setattr constants.
const MOUNT_ATTR_RDONLY: u64 = 0x1;

#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

pub fn spawn(
    command: &[String],
    env: &[(String, String)],
    stdin: Option<Vec<u8>>,
    sandbox: &Sandbox,
) -> io::Result<Running> {
    let Some((program, args)) = command.split_first() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no command to run",
        ));
    };
    let mut builder = Command::new(program);
    builder
        .args(args)
        .env_clear()
        .envs(
            env.iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        )
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let plan = ChildPlan::new(sandbox)?;
    // SAFETY: the closure only makes raw system calls on data prepared before the fork.
    unsafe {
        builder.pre_exec(move || plan.apply());
    }
    let mut child = builder.spawn()?;
    let pgid = child.id() as i32;
    if let (Some(mut pipe), Some(bytes)) = (child.stdin.take(), stdin) {
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout pipe"))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| io::Error::other("no stderr pipe"))?;
    Ok(Running {
        child,
        pgid,
        stdout: read_capped(stdout, KEEP_BYTES),
        stderr: read_capped(stderr, KEEP_BYTES),
    })
}

/// Everything the child needs after the fork, allocated before it.
struct ChildPlan {
    parent: libc::pid_t,
    drop_to: Option<(u32, u32)>,
    limits: [(libc::__rlimit_resource_t, u64, u64); 6],
    workdir: CString,
    root: CString,
    tmp: CString,
    var_tmp: CString,
    dev_shm: CString,
    tmpfs: CString,
    shm_options: CString,
}

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path contains a NUL byte"))
}

fn check(result: libc::c_int) -> io::Result<()> {
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl ChildPlan {
    fn new(sandbox: &Sandbox) -> io::Result<Self> {
        Ok(ChildPlan {
            // SAFETY: getpid has no preconditions.
            parent: unsafe { libc::getpid() },
            drop_to: sandbox.drop_to,
            limits: sandbox.limits.table(sandbox.max_processes),
            workdir: c_path(&sandbox.workdir)?,
            root: c_path(Path::new("/"))?,
            tmp: c_path(Path::new(INSIDE_WORKDIR))?,
            var_tmp: c_path(Path::new("/var/tmp"))?,
            dev_shm: c_path(Path::new("/dev/shm"))?,
            tmpfs: c_path(Path::new("tmpfs"))?,
            shm_options: c_path(Path::new("size=1m,mode=1777"))?,
        })
    }

    /// Runs in the child between fork and exec.
    fn apply(&self) -> io::Result<()> {
        // SAFETY (whole function): raw system calls on NUL-terminated strings and structs we own.
        unsafe {
            // Die with socklab, whatever happens to it.
            check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0))?;
            if libc::getppid() != self.parent {
                libc::_exit(125);
            }
            self.enter_pid_namespace()?;
            self.isolate_files()?;
            for (resource, soft, hard) in self.limits {
                let limit = libc::rlimit {
                    rlim_cur: soft,
                    rlim_max: hard,
                };
                check(libc::setrlimit(resource, &limit))?;
            }
            if let Some((uid, gid)) = self.drop_to {
                check(libc::setgroups(0, std::ptr::null()))?;
                check(libc::setgid(gid))?;
                check(libc::setuid(uid))?;
                if libc::getuid() == 0 || libc::geteuid() == 0 {
                    return Err(io::Error::other("still root after setuid"));
                }
            }
            // No setuid binary (sudo, su) can give the submission privileges back.
            check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
            check(libc::chdir(self.tmp.as_ptr()))?;
        }
        Ok(())
    }

    /// Makes the submission pid 1 of its own pid namespace: it cannot name (or signal) socklab or any
    /// process outside, and when it ends the kernel ends everything it started. The process std started
    /// stays outside, waits for it, and exits the way it did.
    unsafe fn enter_pid_namespace(&self) -> io::Result<()> {
        check(libc::unshare(libc::CLONE_NEWPID))?;
        let pid = libc::fork();
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        if pid == 0 {
            // pid 1 inside; the death signal is not inherited across fork.
            check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0))?;
            return Ok(());
        }
        // The waiting parent holds no descriptor: socklab sees end-of-file and std's exec report as
        // soon as the submission's side closes them.
        libc::close_range(0, libc::c_uint::MAX, 0);
        let mut status = 0;
        while libc::waitpid(pid, &mut status, 0) < 0 {
            if io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                libc::_exit(126);
            }
        }
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            libc::signal(signal, libc::SIG_DFL);
            libc::kill(libc::getpid(), signal);
            libc::_exit(128 + signal);
        }
        libc::_exit(libc::WEXITSTATUS(status));
    }

    /// A private mount namespace: everything read-only, the working folder writable as /tmp (and /var/tmp),
    /// a small empty /dev/shm. Writing anywhere else fails with EROFS.
    unsafe fn isolate_files(&self) -> io::Result<()> {
        let null = std::ptr::null::<libc::c_char>();
        check(libc::unshare(libc::CLONE_NEWNS))?;
        check(libc::mount(
            null,
            self.root.as_ptr(),
            null,
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ))?;
        let attr = MountAttr {
            attr_set: MOUNT_ATTR_RDONLY,
            attr_clr: 0,
            propagation: 0,
            userns_fd: 0,
        };
        let result = libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            self.root.as_ptr(),
            libc::AT_RECURSIVE as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        );
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        for target in [&self.tmp, &self.var_tmp] {
            if libc::mount(
                self.workdir.as_ptr(),
                target.as_ptr(),
                null,
                libc::MS_BIND,
                std::ptr::null(),
            ) != 0
            {
                if target == &self.tmp {
                    return Err(io::Error::last_os_error());
                }
                continue;
            }
            // A bind mount starts with its source's flags (read-only now): make this one writable again.
            check(libc::mount(
                null,
                target.as_ptr(),
                null,
                libc::MS_REMOUNT | libc::MS_BIND | libc::MS_NOSUID | libc::MS_NODEV,
                std::ptr::null(),
            ))?;
        }
        // Ignored when /dev/shm does not exist.
        let _ = libc::mount(
            self.tmpfs.as_ptr(),
            self.dev_shm.as_ptr(),
            self.tmpfs.as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV,
            self.shm_options.as_ptr().cast(),
        );
        Ok(())
    }
}
