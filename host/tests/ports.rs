//! `mosaic ports` on a sysfs tree laid out as Linux lays out an iCEBreaker
//! (FT2232H: two ttyUSB ports), a ULX3S (FT231X), an unknown USB-UART and
//! an on-board 8250 port (not USB, not listed). A stand-in for plugged-in
//! boards: the tree has the files and links the kernel makes.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

/// A USB device dir with its identity files; returns its path.
fn usb_device(root: &Path, bus_path: &str, vid: &str, pid: &str, product: &str) -> std::path::PathBuf {
    let dev = root.join("sys/devices/pci0000:00/0000:00:14.0/usb1").join(bus_path);
    std::fs::create_dir_all(&dev).unwrap();
    for (f, v) in [("idVendor", vid), ("idProduct", pid), ("product", product), ("manufacturer", "FTDI")] {
        std::fs::write(dev.join(f), format!("{v}\n")).unwrap();
    }
    dev
}

/// A tty on interface `iface` of `dev`, linked from /sys/class/tty and /dev.
fn tty(root: &Path, dev: &Path, iface: u8, name: &str) {
    let intf = dev.join(format!("{}:1.{iface}", dev.file_name().unwrap().to_str().unwrap()));
    std::fs::create_dir_all(intf.join(name)).unwrap();
    std::fs::write(intf.join("bInterfaceNumber"), format!("{iface:02x}\n")).unwrap();
    let class = root.join("sys/class/tty").join(name);
    std::fs::create_dir_all(&class).unwrap();
    symlink(intf.join(name), class.join("device")).unwrap();
    std::fs::create_dir_all(root.join("dev")).unwrap();
    std::fs::write(root.join("dev").join(name), b"").unwrap();
}

#[test]
fn ports_name_the_boards_uart() {
    let root = mosaic_gateware::verilog::target_dir().join("ports-test");
    let _ = std::fs::remove_dir_all(&root);
    let ice = usb_device(&root, "1-2", "0403", "6010", "iCEBreaker V1.0e");
    tty(&root, &ice, 0, "ttyUSB0");
    tty(&root, &ice, 1, "ttyUSB1");
    let ulx = usb_device(&root, "1-3", "0403", "6015", "ULX3S FPGA 85K v3.0.8");
    tty(&root, &ulx, 0, "ttyUSB2");
    let other = usb_device(&root, "1-4", "10c4", "ea60", "CP2102 USB to UART Bridge Controller");
    tty(&root, &other, 0, "ttyUSB3");
    // ttyS0: a platform port, no USB device above it.
    let s0 = root.join("sys/devices/platform/serial8250/tty/ttyS0");
    std::fs::create_dir_all(&s0).unwrap();
    std::fs::create_dir_all(root.join("sys/class/tty/ttyS0")).unwrap();
    symlink(&s0, root.join("sys/class/tty/ttyS0/device")).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_mosaic")).args(["ports", "--root"]).arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let dev = |n: &str| root.join("dev").join(n).display().to_string();
    let row =
        |n: &str| text.lines().find(|l| l.starts_with(&dev(n))).unwrap_or_else(|| panic!("{n}: {text}")).to_string();
    let words = |n: &str| row(n).split_whitespace().skip(1).map(str::to_string).collect::<Vec<_>>().join(" ");
    assert_eq!(words("ttyUSB1"), "0403:6010 1 iCEBreaker V1.0e icebreaker", "{text}");
    assert!(row("ttyUSB0").ends_with("programming channel of icebreaker (not its UART)"), "{text}");
    assert!(row("ttyUSB2").ends_with(" ulx3s"), "{text}");
    assert!(row("ttyUSB3").ends_with(" -"), "{text}");
    assert!(!text.contains("ttyS0"), "{text}");
    assert!(
        text.ends_with(&format!(
            "use: mosaic --port {} info   (or export MOSAIC_PORT={})\n",
            dev("ttyUSB1"),
            dev("ttyUSB1")
        )),
        "{text}"
    );

    let out =
        Command::new(env!("CARGO_BIN_EXE_mosaic")).args(["--json", "ports", "--root"]).arg(&root).output().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 4);
    assert_eq!(j[1]["boards"], serde_json::json!(["icebreaker"]));
    assert_eq!(
        (j[1]["vid"].as_u64(), j[1]["pid"].as_u64(), j[1]["interface"].as_u64()),
        (Some(0x0403), Some(0x6010), Some(1))
    );
    assert_eq!(j[2]["product"], "ULX3S FPGA 85K v3.0.8");
}
