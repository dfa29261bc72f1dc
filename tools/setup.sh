#!/usr/bin/env bash
# Installs the Debian 12 packages swim builds with. Idempotent: when everything
# is already installed it only checks (no apt-get update, no output).
set -euo pipefail

packages=(
  bazel-bootstrap          # Bazel 4.2.3, works offline with the WORKSPACE here
  g++                      # default toolchain (g++ 12)
  clang-14                 # --config=clang and --config=fuzz
  libclang-rt-14-dev       # libFuzzer and the sanitizer runtimes for clang
  lld-14                   # quiet linker for clang sanitizer builds
  pkg-config               # absl's .pc files; swim.pc for consumers
  cmake make ninja-build   # the CMake build (CMake 3.25)
  libabsl-dev              # Abseil 20220623
  android-libboringssl-dev # BoringSSL, the default crypto library
  libssl-dev               # OpenSSL 3: CMake's SWIM_CRYPTO=openssl, interop test
  openssl                  # the certificate commands of docs/drivers.md, "TLS"
  googletest libgtest-dev libgmock-dev
  libbenchmark-dev         # Google Benchmark 1.7.1
  libasio-dev              # standalone Asio 1.22.1 (header-only)
  zlib1g-dev               # zlib: compressed state exchanges
  prometheus-cpp-dev       # prometheus-cpp 1.0.1: the programs' --metrics
  python3-prometheus-client # the reference parser the metrics test checks with
  python3-cffi             # swimcore, the Python package, loads libswim_c with it
  python3-pytest python3-pytest-asyncio # swimcore's tests
  mypy                     # swimcore's type check
  clang-format             # style check
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
