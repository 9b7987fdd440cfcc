#!/usr/bin/env bash
# Fallback when `rustup target add wasm32-unknown-unknown` fails: Debian's rustc-web 1.96 with a
# wasm32 sysroot built once from rust-web-src (../shared/toolchain/README.md, sections 2-3).
# Idempotent: the sysroot is rebuilt only when /usr/bin/rustc changed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null
fi
D=/usr/lib/rustlib/wasm32-unknown-unknown/lib
STAMP="$D/.rustc-version"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$(/usr/bin/rustc -vV)" ]; then
  W=$(mktemp -d)
  mkdir -p "$W/src"
  printf '#![no_std]\n' > "$W/src/lib.rs"
  printf '[package]\nname = "sysroot-dummy"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["rlib"]\n[profile.release]\nlto = "off"\n' > "$W/Cargo.toml"
  (cd "$W" && RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Cembed-bitcode=yes" \
    /usr/bin/cargo build --release -Zbuild-std=std,panic_abort,test --target wasm32-unknown-unknown)
  mkdir -p "$D"
  install -m644 "$W"/target/wasm32-unknown-unknown/release/deps/lib*.rlib "$D/"
  rm -f "$D"/libsysroot_dummy-*.rlib
  /usr/bin/rustc -vV > "$STAMP"
  rm -rf "$W"
fi
if command -v rustup >/dev/null 2>&1; then
  rustup toolchain link debian-web /usr
fi
echo "[setup] Debian toolchain ready: export RUSTUP_TOOLCHAIN=debian-web"
