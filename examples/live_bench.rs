//! Live measurements for `bench/run.sh`, inside a private network namespace (root, or an unprivileged
//! user namespace), so no other traffic shares the loopback interface.
//!
//! `live_bench capture BYTES WRITE_SIZE [nodelay]`: sends BYTES over one TCP connection on `lo`, once
//! without capture and once while socklab captures, decodes, analyses and renders (JSON, to nowhere)
//! every frame; three such pairs (`LIVE_PAIRS` to change), reporting the median throughputs and the
//! lowest and highest ratio of a pair. Then it compares the segments captured
//! with what the kernel says both sockets sent (`TCP_INFO` `tcpi_segs_out`), and with the drops the
//! capture itself reports (`PACKET_STATISTICS`, through `CaptureStats::kernel_drops`), summed over the
//! captured runs. Prints one `key=value` line.
//!
//! `live_bench lesson RUNS`: runs the `tcp-handshake` scenario RUNS times in this process and prints the
//! median and 95th percentile of its step-locked time (`ScenarioRun::elapsed`, first socket call to last
//! expected packet) and of the whole `scenario::run` call (capture set-up and drain included).

use socklab::analysis::{Summary, Verdict};
use socklab::capture::{CaptureStats, CaptureWriter, FrameSource, LiveSource, Next};
use socklab::decode::Transport;
use socklab::lang::Lang;
use socklab::pipeline::Pipeline;
use socklab::render::{JsonRenderer, RunInfo, Sink};
use socklab::scenario::{self, Family};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    // First, while the process has one thread (CLONE_NEWUSER requires it).
    if let Err(error) = socklab::sandbox::enter_private_network() {
        eprintln!("live_bench: cannot enter a private network namespace: {error}");
        return ExitCode::FAILURE;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize| {
        args.get(index)
            .and_then(|n| n.replace('_', "").parse::<u64>().ok())
    };
    let outcome = match (args.first().map(String::as_str), number(1), number(2)) {
        (Some("capture"), Some(bytes), Some(write_size)) => {
            let nodelay = args.get(3).is_some_and(|flag| flag == "nodelay");
            if nodelay {
                // Without this, Linux coalesces small writes queued behind a segment still in flight
                // (autocorking), and 100-byte writes would not give one segment each. The setting
                // belongs to this namespace only.
                if let Err(error) = std::fs::write("/proc/sys/net/ipv4/tcp_autocorking", "0") {
                    eprintln!("live_bench: cannot turn autocorking off ({error}); segments will be coalesced");
                }
            }
            capture(bytes, write_size as usize, nodelay)
        }
        (Some("lesson"), Some(runs), _) => lesson(runs as usize),
        (Some("open"), Some(runs), _) => open_cost(runs as usize),
        _ => {
            eprintln!(
                "usage: live_bench capture BYTES WRITE_SIZE [nodelay] | live_bench lesson RUNS"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("live_bench: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What one transfer did.
struct Transfer {
    elapsed: Duration,
    /// CPU time (user + system) of this whole process while it ran: sender, receiver, and the capture
    /// thread if there is one, including what the kernel does for each of them.
    cpu: Duration,
    /// `tcpi_segs_out` of the client and the server socket, after both FINs.
    segs_out: (u32, u32),
    /// The client's `tcpi_snd_mss`: the kernel counts a segment of more bytes (sent whole on `lo`,
    /// segmentation offloaded) as several.
    mss: u32,
}

fn capture(bytes: u64, write_size: usize, nodelay: bool) -> Result<(), Box<dyn std::error::Error>> {
    // Alternate runs without and with capture, and take medians: on a shared machine one pair can be
    // far off either way.
    let mut plain_rates = Vec::new();
    let mut capture_rates = Vec::new();
    let (mut expected, mut segments, mut drops, mut complete) = (0u64, 0u64, 0u64, true);
    // The same per direction, (sent by the kernel's count, captured), to tell where a difference is.
    let (mut client_side, mut server_side) = ((0u64, 0u64), (0u64, 0u64));
    // Frames `lo` transmitted while the capture ran, and frames the capture saw: in the private network
    // nothing else sends, so these must match (unless the kernel reports drops). A segment TCP counted
    // that never reached the interface shows up in `lost` but not here.
    let (mut lo_transmitted, mut frames_captured) = (0u64, 0u64);
    let rate = |transfer: &Transfer| bytes as f64 * 8.0 / transfer.elapsed.as_secs_f64() / 1e9;
    let mut capture_seconds = 0.0;
    let mut pair_ratios = Vec::new();
    let mut cpu_ratios = Vec::new();
    let (mut plain_cpu, mut capture_cpu) = (Vec::new(), Vec::new());
    let mut reader = String::new();
    let pairs = pairs();
    for _ in 0..pairs {
        let plain = transfer(
            &TcpListener::bind("127.0.0.1:0")?,
            bytes,
            write_size,
            nodelay,
        )?;
        plain_rates.push(rate(&plain));

        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let source = LiveSource::open("lo")?;
        reader = match source.ring_refused() {
            _ if source.reads_ring() => "ring".to_string(),
            Some(why) => format!("pnet(no_ring:{})", why.replace(' ', "_")),
            None => "pnet".to_string(),
        };
        let lo_before = lo_tx_packets()?;
        let stop = Arc::new(AtomicBool::new(false));
        let capturing = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || watch(source, port, &stop))
        };
        let captured = transfer(&listener, bytes, write_size, nodelay)?;
        stop.store(true, Ordering::SeqCst);
        let watched = capturing
            .join()
            .map_err(|_| io::Error::other("the capture thread panicked"))??;
        lo_transmitted += lo_tx_packets()?.saturating_sub(lo_before);
        frames_captured += watched.stats.frames;
        capture_rates.push(rate(&captured));
        pair_ratios.push(rate(&captured) / rate(&plain));
        // CPU time per byte: what a transfer bound by CPU would keep of its throughput, and far less
        // disturbed than wall time by whatever else runs.
        cpu_ratios.push(plain.cpu.as_secs_f64() / captured.cpu.as_secs_f64());
        let per_gib =
            |transfer: &Transfer| transfer.cpu.as_secs_f64() * (1u64 << 30) as f64 / bytes as f64;
        plain_cpu.push(per_gib(&plain));
        capture_cpu.push(per_gib(&captured));
        capture_seconds += captured.elapsed.as_secs_f64();
        // The SYN-ACK is sent by the listener's request socket, which no TCP_INFO counts.
        expected += u64::from(captured.segs_out.0) + u64::from(captured.segs_out.1) + 1;
        segments += watched.segments_counted_by_the_kernel(captured.mss);
        client_side.0 += u64::from(captured.segs_out.0);
        server_side.0 += u64::from(captured.segs_out.1) + 1;
        server_side.1 += watched.from_server;
        client_side.1 += watched.segments_counted_by_the_kernel(captured.mss) - watched.from_server;
        drops += watched.stats.kernel_drops;
        complete &= watched.stats.is_complete();
    }
    let (plain, captured) = (median(&mut plain_rates), median(&mut capture_rates));
    let (lowest, highest) = (
        pair_ratios.iter().copied().fold(f64::INFINITY, f64::min),
        pair_ratios.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "bytes={bytes} write_size={write_size} nodelay={nodelay} runs={pairs} plain_gbit_s={plain:.3} \
         capture_gbit_s={captured:.3} throughput_ratio={:.3} pair_ratio_min={lowest:.3} \
         pair_ratio_max={highest:.3} cpu_s_per_gib_plain={:.3} cpu_s_per_gib_capture={:.3} \
         cpu_ratio={:.3} cpu_ratio_min={:.3} cpu_ratio_max={:.3} segments_sent={expected} captured={segments} \
         lost={} extra={} kernel_drops={drops} capture_pkts_per_s={:.0} socklab_says_complete={complete} \
         client_sent={} client_captured={} server_sent={} server_captured={} lo_tx_packets={lo_transmitted} frames_captured={frames_captured} \
         reader={reader}",
        captured / plain,
        median(&mut plain_cpu),
        median(&mut capture_cpu),
        median(&mut cpu_ratios),
        cpu_ratios.iter().copied().fold(f64::INFINITY, f64::min),
        cpu_ratios.iter().copied().fold(0.0, f64::max),
        expected.saturating_sub(segments),
        segments.saturating_sub(expected),
        segments as f64 / capture_seconds,
        client_side.0,
        client_side.1,
        server_side.0,
        server_side.1,
    );
    Ok(())
}

/// Pairs of transfers (without, with capture) per measurement: `LIVE_PAIRS`, 3 unless set.
fn pairs() -> usize {
    std::env::var("LIVE_PAIRS")
        .ok()
        .and_then(|pairs| pairs.parse().ok())
        .filter(|&pairs| pairs > 0)
        .unwrap_or(3)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// Connects to `listener`, sends `bytes` in `write_size` writes, closes both ways, and reads both
/// sockets' `TCP_INFO` once both FINs have been received.
fn transfer(
    listener: &TcpListener,
    bytes: u64,
    write_size: usize,
    nodelay: bool,
) -> io::Result<Transfer> {
    let address = listener.local_addr()?;
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let (server, mut client) = thread::scope(|scope| -> io::Result<_> {
        let receiver = scope.spawn(|| -> io::Result<TcpStream> {
            let (mut server, _) = listener.accept()?;
            let mut buffer = vec![0u8; 256 * 1024];
            while server.read(&mut buffer)? > 0 {}
            server.shutdown(Shutdown::Write)?;
            Ok(server)
        });
        let mut client = TcpStream::connect(address)?;
        client.set_nodelay(nodelay)?;
        let chunk = vec![b'x'; write_size.max(1)];
        let mut left = bytes;
        while left > 0 {
            let now = left.min(chunk.len() as u64) as usize;
            client.write_all(&chunk[..now])?;
            left -= now as u64;
        }
        client.shutdown(Shutdown::Write)?;
        let server = receiver
            .join()
            .map_err(|_| io::Error::other("the receiving thread panicked"))??;
        Ok((server, client))
    })?;
    // The server's FIN has arrived once the client reads end-of-stream.
    let mut rest = [0u8; 16];
    while client.read(&mut rest)? > 0 {}
    let elapsed = started.elapsed();
    let cpu = process_cpu_time().saturating_sub(cpu_before);
    // Both FINs are in, and in FIN-WAIT-2 the kernel acknowledges a FIN before waking the reader, so
    // both counts are final.
    let (client_info, server_info) = (tcp_info(&client)?, tcp_info(&server)?);
    Ok(Transfer {
        elapsed,
        cpu,
        segs_out: (client_info.tcpi_segs_out, server_info.tcpi_segs_out),
        mss: client_info.tcpi_snd_mss,
    })
}

/// Frames `lo` has transmitted (handed to its receive side), in this network namespace: the tx
/// packets column of `/proc/net/dev` (which, unlike /sys/class/net, belongs to the caller's namespace).
fn lo_tx_packets() -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/self/net/dev")?;
    text.lines()
        .find_map(|line| line.trim_start().strip_prefix("lo:"))
        .and_then(|counters| counters.split_whitespace().nth(9))
        .and_then(|packets| packets.parse().ok())
        .ok_or_else(|| io::Error::other("no tx packets for lo in /proc/self/net/dev"))
}

/// User + system CPU time of this process (all its threads) so far.
fn process_cpu_time() -> Duration {
    // SAFETY: rusage is plain old data; getrusage fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to our own local.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn tcp_info(stream: &TcpStream) -> io::Result<libc::tcp_info> {
    // SAFETY: tcp_info is plain old data; getsockopt writes at most `len` bytes into it.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: the fd is open for the life of `stream`; the pointers are to our own locals.
    let result = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info)
}

/// What the capture thread saw.
struct Watched {
    /// TCP segments to or from the transfer's server port.
    segments: u64,
    /// Of those, the ones the server sent (it sends no payload, so never more than one MSS).
    from_server: u64,
    /// Payload lengths of those above 32 KiB (rare: only these can exceed one MSS on `lo`).
    large_payloads: Vec<u32>,
    stats: CaptureStats,
}

/// Captures until told to stop and then idle: every frame goes through socklab's whole pipeline.
fn watch(mut source: LiveSource, port: u16, stop: &AtomicBool) -> Result<Watched, io::Error> {
    source.set_idle_timeout(Duration::from_millis(200));
    let mut sink = Counting {
        json: JsonRenderer::new(io::sink()),
        port,
        segments: 0,
        from_server: 0,
        large_payloads: Vec::new(),
    };
    sink.begin(&RunInfo {
        title: "live_bench".to_string(),
        description: None,
        lang: Lang::En,
        source: "live capture on lo".to_string(),
    })?;
    let mut pipeline = Pipeline::new(&mut sink, None::<&mut CaptureWriter<io::Sink>>, Lang::En);
    // An idle answer can also mean a transient read error, so the end needs several in a row.
    let mut idle_after_stop = 0;
    loop {
        match source.next_frame() {
            Ok(Next::Frame(frame)) => {
                idle_after_stop = 0;
                pipeline.frame(&frame)?;
            }
            Ok(Next::Idle) if stop.load(Ordering::SeqCst) => {
                idle_after_stop += 1;
                if idle_after_stop == 3 {
                    break;
                }
            }
            Ok(Next::Idle) => {}
            Ok(Next::End) => break,
            Err(error) => return Err(io::Error::other(error.to_string())),
        }
    }
    let stats = source.stats();
    pipeline.finish(&stats)?;
    Ok(Watched {
        segments: sink.segments,
        from_server: sink.from_server,
        large_payloads: sink.large_payloads,
        stats,
    })
}

impl Watched {
    /// The segments captured, counted as `tcpi_segs_out` counts them: one per `mss` bytes of payload.
    fn segments_counted_by_the_kernel(&self, mss: u32) -> u64 {
        let mss = u64::from(mss.max(1));
        let extra: u64 = self
            .large_payloads
            .iter()
            .map(|&len| u64::from(len).div_ceil(mss).saturating_sub(1))
            .sum();
        self.segments + extra
    }
}

/// The JSON renderer, counting the transfer's segments on the way.
struct Counting<W: Write> {
    json: JsonRenderer<W>,
    port: u16,
    segments: u64,
    from_server: u64,
    large_payloads: Vec<u32>,
}

impl<W: Write> Sink for Counting<W> {
    fn begin(&mut self, info: &RunInfo) -> io::Result<()> {
        self.json.begin(info)
    }
    fn call(&mut self, call: &socklab::timeline::SocketCall) -> io::Result<()> {
        self.json.call(call)
    }
    fn packet(
        &mut self,
        packet: &socklab::decode::Packet<'_>,
        verdict: &Verdict,
        flow: Option<&socklab::analysis::FlowInfo>,
    ) -> io::Result<()> {
        if let Transport::Tcp(segment) = &packet.transport {
            if segment.src_port == self.port || segment.dst_port == self.port {
                self.segments += 1;
                if segment.src_port == self.port {
                    self.from_server += 1;
                }
                if segment.payload_len > 32 * 1024 {
                    self.large_payloads.push(segment.payload_len);
                }
            }
        }
        self.json.packet(packet, verdict, flow)
    }
    fn undecodable(
        &mut self,
        frame: &socklab::capture::Frame<'_>,
        error: &socklab::decode::DecodeError,
    ) -> io::Result<()> {
        self.json.undecodable(frame, error)
    }
    fn finish(&mut self, summary: &Summary, stats: &CaptureStats) -> io::Result<()> {
        self.json.finish(summary, stats)
    }
}

fn lesson(runs: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut stepped = Vec::with_capacity(runs);
    let mut whole = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let run = scenario::run("tcp-handshake", Family::V4)?;
        whole.push(started.elapsed());
        stepped.push(run.elapsed);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "runs={} step_locked_median_ms={:.3} step_locked_p95_ms={:.3} scenario_run_median_ms={:.3} \
         scenario_run_p95_ms={:.3}",
        stepped.len(),
        ms(percentile(&mut stepped, 50)),
        ms(percentile(&mut stepped, 95)),
        ms(percentile(&mut whole, 50)),
        ms(percentile(&mut whole, 95)),
    );
    Ok(())
}

/// The nearest-rank percentile.
fn percentile(values: &mut [Duration], percent: usize) -> Duration {
    values.sort_unstable();
    let rank = (values.len() * percent).div_ceil(100).max(1);
    values.get(rank - 1).copied().unwrap_or_default()
}

/// How long opening and closing a live capture on `lo` takes, median of RUNS.
fn open_cost(runs: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut opening = Vec::new();
    let mut closing = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let source = LiveSource::open("lo")?;
        opening.push(started.elapsed());
        let started = Instant::now();
        drop(source);
        closing.push(started.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "runs={runs} open_median_ms={:.3} open_p95_ms={:.3} close_median_ms={:.3} close_p95_ms={:.3}",
        ms(percentile(&mut opening, 50)),
        ms(percentile(&mut opening, 95)),
        ms(percentile(&mut closing, 50)),
        ms(percentile(&mut closing, 95)),
    );
    Ok(())
}
