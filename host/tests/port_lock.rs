//! The serial port's exclusive lock: a port in use is "port busy", and a
//! `mosaic` ended by Ctrl-C (SIGINT) or SIGTERM leaves the port usable for
//! the next one (the lock used to stay on the tty while the board side kept
//! it open, and the next user read "no such device").

use mosaic_host::fake_board::{FakeBoard, FakeOptions};
use mosaic_host::SerialTransport;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// A fake board whose pty any user may open (see [mosaic_cmd]).
fn board() -> FakeBoard {
    let b = FakeBoard::spawn(FakeOptions::default()).unwrap();
    std::fs::set_permissions(b.path(), std::fs::Permissions::from_mode(0o666)).unwrap();
    b
}

/// `mosaic --port PORT ARGS`. As root it runs as `nobody`: the tty's
/// exclusive lock (TIOCEXCL) does not apply to a process with
/// CAP_SYS_ADMIN, so root would never see the lock this file tests.
fn mosaic_cmd(port: &str, args: &[&str]) -> Command {
    let bin = env!("CARGO_BIN_EXE_mosaic");
    let mut cmd = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--", bin]);
        c
    } else {
        Command::new(bin)
    };
    cmd.env_remove("MOSAIC_TIMEOUT").args(["--port", port, "--timeout", "200", "--retries", "1"]).args(args);
    cmd
}

fn mosaic(port: &str, args: &[&str]) -> Output {
    mosaic_cmd(port, args).output().unwrap()
}

#[test]
fn a_port_in_use_is_busy() {
    let b = board();
    let held = SerialTransport::open(b.path(), 115_200).unwrap();
    let out = mosaic(b.path(), &["info"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: cannot open {}: port busy (another program has it open); check --port or MOSAIC_PORT\n",
            b.path()
        )
    );
    drop(held);
    assert_eq!(mosaic(b.path(), &["info"]).status.code(), Some(0));
}

#[test]
fn a_signal_releases_the_port() {
    let b = board();
    for signal in ["-INT", "-TERM"] {
        // A long BERT run holds the port; it is ended by the signal mid-run.
        let before = b.regs().served;
        let mut child = mosaic_cmd(b.path(), &["bert", "--duration", "60"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Until it has the port (its open is the first thing it does).
        let t0 = std::time::Instant::now();
        while b.regs().served < before + 3 {
            assert!(t0.elapsed() < Duration::from_secs(10), "bert never talked to the board");
            std::thread::sleep(Duration::from_millis(10));
        }
        let kill = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        assert!(!status.success(), "{signal}: {status:?}");
        // The next user gets the port.
        let out = mosaic(b.path(), &["info"]);
        assert_eq!(out.status.code(), Some(0), "after {signal}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
