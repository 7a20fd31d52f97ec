//! Two threads calling shutdown() at the same moment, for the simultaneous close.
//!
//! Spinning is the only waiting here that is not on an event: the point is to act at the same instant,
//! which no blocking primitive offers (waking a sleeping thread takes microseconds to milliseconds).

use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a thread spins for the other (the connection is set up meanwhile).
const MEET_TIMEOUT: Duration = Duration::from_secs(3);

/// Where the two threads meet so both call shutdown() at the same moment.
///
/// The client thread spins (bounded) until it is handed its socket, then spins on the start signal,
/// counting a heartbeat. The server gives the signal only while that heartbeat is moving, i.e. while the
/// client thread is on a CPU right now: under load, a signal given to a preempted thread comes too late.
#[derive(Default)]
pub(crate) struct StartingLine {
    /// The client's socket (a dup), handed to the client thread, which closes it when done.
    client: Mutex<Option<TcpStream>>,
    handed_over: AtomicBool,
    heartbeat: AtomicU64,
    go: AtomicBool,
    cancelled: AtomicBool,
}

/// Spins between two heartbeat samples: long enough for a running client to beat at least once.
const HEARTBEAT_WINDOW: u32 = 256;

impl StartingLine {
    pub(crate) fn hand_over(&self, stream: TcpStream) {
        if let Ok(mut slot) = self.client.lock() {
            *slot = Some(stream);
        }
        self.handed_over.store(true, Ordering::Release);
    }

    /// The client thread's part: pin itself to `cpu` (when given), wait for its socket and the signal.
    pub(crate) fn run_client(&self, cpu: Option<usize>) -> io::Result<()> {
        if let Some(cpu) = cpu {
            let _ = pin_current_thread(&[cpu]);
        }
        // Spin on the flag, not the lock: a contended lock would put the other thread to sleep.
        self.spin_until(|| {
            self.heartbeat.fetch_add(1, Ordering::Relaxed);
            self.handed_over.load(Ordering::Acquire).then_some(())
        })?;
        let stream = self
            .client
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .ok_or_else(|| io::Error::other("the client's socket was not handed over"))?;
        self.spin_until(|| {
            self.heartbeat.fetch_add(1, Ordering::Relaxed);
            self.go.load(Ordering::Acquire).then_some(())
        })?;
        stream.shutdown(Shutdown::Write)
    }

    /// Waits until the client thread is spinning on a CPU, then gives the start signal.
    pub(crate) fn start_when_client_is_running(&self) -> io::Result<()> {
        self.wait_until_client_runs()?;
        self.go.store(true, Ordering::Release);
        Ok(())
    }

    /// Returns once the client thread's heartbeat moves: it is on a CPU right now.
    pub(crate) fn wait_until_client_runs(&self) -> io::Result<()> {
        let mut last = self.heartbeat.load(Ordering::Relaxed);
        let mut window: u32 = 0;
        // Two windows in a row: one could be a leftover from before this thread was preempted.
        let mut beating_windows = 0;
        self.spin_until(|| {
            window += 1;
            if window < HEARTBEAT_WINDOW {
                return None;
            }
            window = 0;
            let now = self.heartbeat.load(Ordering::Relaxed);
            beating_windows = if now != last { beating_windows + 1 } else { 0 };
            last = now;
            (beating_windows >= 2).then_some(())
        })
    }

    /// Spins until `ready` gives a value, the attempt is cancelled, or the deadline passes.
    fn spin_until<T>(&self, mut ready: impl FnMut() -> Option<T>) -> io::Result<T> {
        let deadline = Instant::now() + MEET_TIMEOUT;
        let mut spins: u32 = 0;
        loop {
            if let Some(value) = ready() {
                return Ok(value);
            }
            std::hint::spin_loop();
            spins = spins.wrapping_add(1);
            if spins % 1024 == 0 {
                if self.cancelled.load(Ordering::Acquire) {
                    return Err(io::Error::other("the attempt was abandoned"));
                }
                if Instant::now() > deadline {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the other thread never reached the starting line",
                    ));
                }
            }
        }
    }
}

/// Lets the client thread go home if the attempt ends before handing it its socket (an error, say).
pub(crate) struct CancelOnDrop<'a>(pub(crate) &'a StartingLine);

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        self.0.cancelled.store(true, Ordering::Release);
    }
}

/// Pins the calling thread to the CPU it is on, remembering its previous CPU set to restore on drop,
/// and picks another allowed CPU for the peer thread. Does nothing (and picks none) with fewer than 2 CPUs.
pub(crate) struct PinnedHere {
    previous: Option<libc::cpu_set_t>,
    other: Option<usize>,
}

impl PinnedHere {
    pub(crate) fn pin() -> PinnedHere {
        let none = PinnedHere {
            previous: None,
            other: None,
        };
        let Some(allowed) = current_affinity() else {
            return none;
        };
        // SAFETY: sched_getcpu has no preconditions.
        let here = unsafe { libc::sched_getcpu() };
        let Ok(here) = usize::try_from(here) else {
            return none;
        };
        // SAFETY: CPU_ISSET only reads the set, with indexes below CPU_SETSIZE.
        let other = (0..libc::CPU_SETSIZE as usize)
            .find(|cpu| *cpu != here && unsafe { libc::CPU_ISSET(*cpu, &allowed) });
        if other.is_none() || pin_current_thread(&[here]).is_err() {
            return none;
        }
        PinnedHere {
            previous: Some(allowed),
            other,
        }
    }

    /// The CPU the peer thread should use.
    pub(crate) fn other_cpu(&self) -> Option<usize> {
        self.other
    }
}

impl Drop for PinnedHere {
    fn drop(&mut self) {
        if let Some(previous) = &self.previous {
            // SAFETY: restores a CPU set obtained from sched_getaffinity for this thread.
            unsafe {
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), previous);
            }
        }
    }
}

fn current_affinity() -> Option<libc::cpu_set_t> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it for the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        (libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0)
            .then_some(set)
    }
}

fn pin_current_thread(cpus: &[usize]) -> io::Result<()> {
    // SAFETY: cpu_set_t is plain data; CPU_SET is given indexes below CPU_SETSIZE only.
    let result = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for cpu in cpus.iter().filter(|cpu| **cpu < libc::CPU_SETSIZE as usize) {
            libc::CPU_SET(*cpu, &mut set);
        }
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abandoned_spin_ends() {
        // No client thread at all: the server's wait for a heartbeat must end once cancelled.
        let alone = StartingLine::default();
        drop(CancelOnDrop(&alone));
        let error = alone.start_when_client_is_running().unwrap_err();
        assert!(error.to_string().contains("abandoned"), "{error}");

        // A client thread never handed its socket must end too.
        let waiting = StartingLine::default();
        std::thread::scope(|scope| {
            let client = scope.spawn(|| waiting.run_client(None));
            drop(CancelOnDrop(&waiting));
            let error = client.join().unwrap().unwrap_err();
            assert!(error.to_string().contains("abandoned"), "{error}");
        });
    }

    #[test]
    fn the_start_signal_waits_for_a_beating_client() {
        // Both threads must be on a CPU at once; on a machine loaded by the rest of the test suite that
        // can take more than one meeting timeout, so (like the scenario itself) try a few times.
        let mut last_error = None;
        for _attempt in 0..5 {
            let line = StartingLine::default();
            let outcome = std::thread::scope(|scope| {
                let beating = scope.spawn(|| {
                    line.spin_until(|| {
                        line.heartbeat.fetch_add(1, Ordering::Relaxed);
                        line.go.load(Ordering::Acquire).then_some(())
                    })
                });
                let started = line.start_when_client_is_running();
                if started.is_err() {
                    line.cancelled.store(true, Ordering::Release);
                }
                let beaten = beating.join().expect("the beating thread panicked");
                started.and(beaten)
            });
            match outcome {
                Ok(()) => {
                    assert!(line.go.load(Ordering::Acquire));
                    assert!(line.heartbeat.load(Ordering::Relaxed) > 0);
                    return;
                }
                Err(error) => last_error = Some(error),
            }
        }
        panic!("the two threads never met in 5 tries: {last_error:?}");
    }

    #[test]
    fn pinning_restores_the_previous_cpu_set() {
        let before = current_affinity().unwrap();
        {
            let pinned = PinnedHere::pin();
            if let Some(other) = pinned.other_cpu() {
                // SAFETY: reading a CPU set.
                assert!(unsafe { libc::CPU_ISSET(other, &before) });
                let now = current_affinity().unwrap();
                // SAFETY: reading a CPU set.
                assert_eq!(unsafe { libc::CPU_COUNT(&now) }, 1);
            }
        }
        let after = current_affinity().unwrap();
        // SAFETY: reading CPU sets.
        assert_eq!(unsafe { libc::CPU_COUNT(&after) }, unsafe {
            libc::CPU_COUNT(&before)
        });
    }
}
