//! `mosaic serve` over real TCP sockets on 127.0.0.1 and real ptys: the
//! same answers as over the pty, one owner at a time, a client dropping
//! mid-request never wedges the board, and every failure is one line.
//! Every wait is bounded (child processes are killed at a deadline).

use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use mosaic_host::greeting::Greeting;
use mosaic_host::protocol::{Opcode, Request, MAX_BURST};
use mosaic_host::transport::{SerialTransport, Transport};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const MAGIC_LINE: &str = "0x0000  MAGIC                   0x4d534c4b  1297304651\n";

/// A long-running `mosaic` child (serve, sim) with its stdout as a line log;
/// killed (by its own handle) when dropped.
struct Running {
    child: Child,
    log: Receiver<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mosaic"))
            .env_remove("MOSAIC_PORT")
            .env_remove("MOSAIC_TIMEOUT")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        Running { child, log }
    }

    fn next_line(&self, wait: Duration) -> Option<String> {
        self.log.recv_timeout(wait).ok()
    }

    /// What follows the last " on " of the first line (the address served).
    fn served_on(&mut self, startup: Duration) -> String {
        let Some(first) = self.next_line(startup) else {
            let _ = self.child.kill();
            let mut e = String::new();
            let _ = self.child.stderr.take().unwrap().read_to_string(&mut e);
            panic!("printed nothing: {e}");
        };
        first.rsplit_once(" on ").map(|(_, u)| u.to_string()).unwrap_or_else(|| panic!("{first}"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `mosaic serve` child and the address it listens on.
struct Served {
    run: Running,
    url: String,
}

impl Served {
    /// Starts `mosaic serve --listen 127.0.0.1:0 ARGS` and reads the address it prints.
    fn start(args: &[&str], startup: Duration) -> Served {
        let mut run = Running::start(&[&["serve", "--listen", "127.0.0.1:0"], args].concat());
        let url = run.served_on(startup);
        assert!(url.starts_with("tcp://127.0.0.1:"), "{url}");
        let try_line = run.next_line(Duration::from_secs(5)).unwrap();
        assert!(try_line.starts_with(&format!("try: export MOSAIC_PORT={url} ")), "{try_line}");
        Served { run, url }
    }

    fn next_line(&self, wait: Duration) -> Option<String> {
        self.run.next_line(wait)
    }

    /// Waits for the log line `want`, failing on any other line first.
    fn expect_line(&self, want: &str, wait: Duration) {
        let got = self.next_line(wait);
        assert_eq!(got.as_deref(), Some(want));
    }

    fn port(&self) -> u16 {
        self.url.rsplit_once(':').unwrap().1.parse().unwrap()
    }
}

/// Runs `mosaic ARGS` (with --port if given), killed after `limit`: (exit code, stdout, stderr).
fn mosaic(port: Option<&str>, args: &[&str], limit: Duration) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    cmd.env_remove("MOSAIC_PORT").env_remove("MOSAIC_TIMEOUT");
    if let Some(p) = port {
        cmd.args(["--port", p]);
    }
    let mut child = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mosaic {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `mosaic ARGS` must succeed; returns its stdout.
fn ok(port: &str, args: &[&str]) -> String {
    let (code, out, err) = mosaic(Some(port), args, Duration::from_secs(20));
    assert_eq!(code, 0, "{args:?} on {port}: {err}");
    out
}

/// `mosaic ARGS` must fail with exit 1 and one `error: ` line; returns it.
fn one_line_error(port: Option<&str>, args: &[&str]) -> String {
    let (code, out, err) = mosaic(port, args, Duration::from_secs(20));
    assert_eq!(code, 1, "{args:?}: stdout {out:?} stderr {err:?}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.starts_with("error: ") && !err.contains("panicked"), "{err:?}");
    err.trim_end().to_string()
}

/// A raw client that owns the board: connected, greeting read.
fn raw_client(url_port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", url_port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while b[0] != b'\n' && line.len() < 512 {
        assert_eq!(s.read(&mut b).unwrap(), 1, "server closed before its greeting");
        line.push(b[0]);
    }
    let text = String::from_utf8(line).unwrap();
    assert!(matches!(Greeting::parse(text.trim_end()), Some(Greeting::Ready(_))), "{text:?}");
    s
}

/// The head of the longest request (WRITE of MAX_BURST words): a bridge that
/// gets only this waits for 130 more bytes, swallowing whatever comes next.
fn head_of_longest_request() -> Vec<u8> {
    let data = vec![0u32; MAX_BURST];
    let f = Request { tag: 7, opcode: Opcode::Write, addr: 0x0014, count: MAX_BURST as u8, data }.encode().unwrap();
    f[..6].to_vec()
}

const T: &[&str] = &["--timeout", "1000", "--retries", "0"];

fn with_t<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = T.to_vec();
    v.extend_from_slice(args);
    v
}

#[test]
fn same_answers_over_tcp_as_over_the_pty() {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    b.regs().set_live("LANE_BIP_ERRORS", 3, 41);
    let cmds: [&[&str]; 3] = [&["info"], &["read", "MAGIC"], &["--json", "counters"]];
    let over_pty: Vec<String> = cmds.iter().map(|c| ok(b.path(), &with_t(c))).collect();
    assert_eq!(over_pty[1], MAGIC_LINE);
    let s = Served::start(&["--port", b.path()], Duration::from_secs(10));
    for (c, want) in cmds.iter().zip(&over_pty) {
        assert_eq!(&ok(&s.url, &with_t(c)), want, "{c:?}");
    }
    // Each command was its own client, in turn, without a "busy" between them.
    for _ in 0..3 {
        let l = s.next_line(Duration::from_secs(5)).unwrap();
        assert!(l.starts_with("client 127.0.0.1:") && l.ends_with(" connected"), "{l}");
        let l = s.next_line(Duration::from_secs(5)).unwrap();
        assert!(l.ends_with(" left"), "{l}");
    }
}

#[test]
fn a_second_client_is_told_the_board_is_busy() {
    let s = Served::start(&["--fake"], Duration::from_secs(10));
    let holder = raw_client(s.port());
    let me = holder.local_addr().unwrap();
    s.expect_line(&format!("client {me} connected"), Duration::from_secs(5));
    let e = one_line_error(Some(&s.url), &with_t(&["info"]));
    let head = format!("error: board at {} is busy: another client is connected ({me}, for ", s.url);
    assert!(e.starts_with(&head) && e.ends_with(" s)"), "{e}");
    let l = s.next_line(Duration::from_secs(5)).unwrap();
    assert!(
        l.starts_with("refused 127.0.0.1:") && l.contains(&format!(": another client is connected ({me}, for ")),
        "{l}"
    );
    // Once the owner leaves, the board is free again.
    drop(holder);
    s.expect_line(&format!("client {me} left"), Duration::from_secs(5));
    assert_eq!(ok(&s.url, &with_t(&["read", "MAGIC"])), MAGIC_LINE);
}

#[test]
fn a_client_dropping_mid_request_never_wedges_the_board() {
    // This fake never abandons a partial frame by itself, as a simulated
    // bridge whose clock has not moved: only the server's resync frees it.
    let never = FakeOptions { abandon_after: Duration::from_secs(3600), ..FakeOptions::default() };

    // Control: on the pty itself the same half request does wedge it.
    let wedged = FakeBoard::spawn(never.clone()).unwrap();
    {
        let mut t = SerialTransport::open(wedged.path(), 115_200).unwrap();
        t.send(&head_of_longest_request()).unwrap();
    }
    let e = one_line_error(Some(wedged.path()), &with_t(&["read", "MAGIC"]));
    let want = format!(
        "error: board on {}: board did not answer BURST_READ at 0x0000 after 1 attempts (1000 ms each); check the board, --port and --baud",
        wedged.path()
    );
    assert_eq!(e, want);

    let b = FakeBoard::spawn(never).unwrap();
    let s = Served::start(&["--port", b.path()], Duration::from_secs(10));
    let mut c = raw_client(s.port());
    let me = c.local_addr().unwrap();
    c.write_all(&head_of_longest_request()).unwrap();
    drop(c);
    s.expect_line(&format!("client {me} connected"), Duration::from_secs(5));
    s.expect_line(
        &format!("client {me} left inside a request: completed it with filler, the bridge hunts again"),
        Duration::from_secs(5),
    );
    // No retry allowed: the very first request must be answered.
    assert_eq!(ok(&s.url, &with_t(&["read", "MAGIC"])), MAGIC_LINE);
    // Exactly one frame was lost: the dropped client's.
    assert_eq!(ok(&s.url, &with_t(&["read", "BRIDGE_DROPPED"])), "0x0028  BRIDGE_DROPPED          0x00000001  1\n");
}

#[test]
fn connection_failures_are_one_line() {
    // A port nobody listens on: bound, then released.
    let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("tcp://127.0.0.1:{free}");
    assert_eq!(
        one_line_error(Some(&url), &with_t(&["info"])),
        format!("error: cannot connect to {url}: connection refused; is `mosaic serve` running?")
    );
    let cases = [
        ("tcp://127.0.0.1", "error: bad address tcp://127.0.0.1: no port (use tcp://HOST:PORT)"),
        (
            "tcp://127.0.0.1:70000",
            "error: bad address tcp://127.0.0.1:70000: port 70000 is not in 1..=65535 (use tcp://HOST:PORT)",
        ),
        ("tcp://:7780", "error: bad address tcp://:7780: no host (use tcp://HOST:PORT)"),
    ];
    for (port, want) in cases {
        assert_eq!(one_line_error(Some(port), &with_t(&["read", "MAGIC"])), want);
    }
    // A listener that is not `mosaic serve` (it says nothing): bounded by
    // --timeout, and at least the server's busy grace.
    let mute = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tcp://{}", mute.local_addr().unwrap());
    for (ms, waited) in [("100", "1000"), ("1500", "1500")] {
        let t0 = Instant::now();
        assert_eq!(
            one_line_error(Some(&url), &["--timeout", ms, "info"]),
            format!("error: {url} is not a `mosaic serve`: no greeting within {waited} ms")
        );
        assert!(t0.elapsed() < Duration::from_secs(5));
    }
}

#[test]
fn serve_refuses_what_it_cannot_do() {
    let serve = |args: &[&str]| one_line_error(None, &[&["serve"], args].concat());
    assert_eq!(
        serve(&["--listen", "0.0.0.0:0", "--fake"]),
        "error: refusing to listen on 0.0.0.0:0: not a loopback address, so anyone who can reach it could drive the board (pass --allow-remote to mean it)"
    );
    assert_eq!(
        serve(&["--listen", "127.0.0.1:0"]),
        "error: nothing to serve: give --port <serial path> of a board, --sim (the virtual board) or --fake"
    );
    assert_eq!(
        serve(&["--listen", "127.0.0.1:0", "--port", "tcp://127.0.0.1:9"]),
        "error: --port tcp://127.0.0.1:9 is a tcp:// address: `mosaic serve` serves a serial port (--port <path>), --sim or --fake"
    );
    assert_eq!(
        serve(&["--listen", "127.0.0.1:0", "--port", "/dev/ttyX"]),
        "error: cannot open the board: cannot open /dev/ttyX: no such device"
    );
    assert_eq!(
        serve(&["--listen", "127.0.0.1"]),
        "error: bad listen address '127.0.0.1': no port (use HOST:PORT, e.g. 127.0.0.1:7780)"
    );
    // A taken port.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = taken.local_addr().unwrap().to_string();
    assert_eq!(
        serve(&["--listen", &a, "--fake"]),
        format!("error: cannot listen on {a}: address already in use (os error 98)")
    );
}

#[test]
fn a_board_that_goes_away_is_reported_not_hung() {
    // The board in its own process: killing it closes its pty for good
    // (a pty made here would leak into every child this test starts).
    let mut board = Running::start(&["sim", "--fake"]);
    let path = board.served_on(Duration::from_secs(10));
    let s = Served::start(&["--port", &path], Duration::from_secs(10));
    assert_eq!(ok(&s.url, &with_t(&["read", "MAGIC"])), MAGIC_LINE);
    s.next_line(Duration::from_secs(5)).unwrap();
    s.next_line(Duration::from_secs(5)).unwrap();
    // Lost in a session: the owner is disconnected at once, not left waiting.
    let mut c = raw_client(s.port());
    let me = c.local_addr().unwrap();
    s.expect_line(&format!("client {me} connected"), Duration::from_secs(5));
    drop(board);
    let mut b = [0u8; 1];
    assert_eq!(c.read(&mut b).unwrap(), 0, "the server must close the owner's connection");
    s.expect_line(&format!("client {me} left"), Duration::from_secs(5));
    s.expect_line("board lost: broken pipe; clients are told so until it reopens", Duration::from_secs(5));
    let e = one_line_error(Some(&s.url), &with_t(&["info"]));
    assert_eq!(e, format!("error: board at {} is unavailable: cannot open {path}: no such device", s.url));
    let l = s.next_line(Duration::from_secs(5)).unwrap();
    assert!(
        l.starts_with("refused 127.0.0.1:") && l.ends_with(&format!(": cannot open {path}: no such device")),
        "{l}"
    );
}

#[test]
fn the_virtual_board_behind_tcp() {
    // The real gateware: its bridge, not a model, must be hunting again
    // after a client leaves mid-request.
    let s = Served::start(&["--sim", "--lanes", "4", "--spares", "1", "--osr", "1"], Duration::from_secs(120));
    let slow = ["--timeout", "30000", "--retries", "0"];
    let mut c = raw_client(s.port());
    c.write_all(&head_of_longest_request()).unwrap();
    drop(c);
    s.next_line(Duration::from_secs(5)).unwrap();
    let l = s.next_line(Duration::from_secs(5)).unwrap();
    assert!(l.ends_with(" left inside a request: completed it with filler, the bridge hunts again"), "{l}");
    let (code, out, err) = mosaic(Some(&s.url), &[&slow[..], &["read", "MAGIC"]].concat(), Duration::from_secs(90));
    assert_eq!((code, out.as_str()), (0, MAGIC_LINE), "{err}");
    let (code, out, err) = mosaic(Some(&s.url), &[&slow[..], &["info"]].concat(), Duration::from_secs(90));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("lanes          4 data + 1 spare = 5 physical\n"), "{out}");
}
