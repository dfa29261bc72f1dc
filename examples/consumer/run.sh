#!/bin/bash
# Builds the consumer against swim installed in PREFIX twice, with CMake's
# find_package and with a plain compiler command using pkg-config, and runs
# both. Exits non-zero if anything fails.
#
# Usage: run.sh PREFIX
set -euo pipefail

prefix="$(cd "${1:?usage: $0 PREFIX}" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

echo "--- CMake: find_package(swim)"
cmake -S "${here}" -B "${work}/cmake" -DCMAKE_PREFIX_PATH="${prefix}" \
  >"${work}/configure.log" || { cat "${work}/configure.log"; exit 1; }
cmake --build "${work}/cmake"
"${work}/cmake/consumer"

echo "--- pkg-config: c++ consumer.cc \$(pkg-config --cflags --libs swim)"
PKG_CONFIG_PATH="$(find "${prefix}" -type d -name pkgconfig | paste -sd:)"
export PKG_CONFIG_PATH
libdir="$(pkg-config --variable=libdir swim)"
# shellcheck disable=SC2046  # pkg-config's flags are meant to be split
"${CXX:-c++}" -std=c++20 "${here}/consumer.cc" -o "${work}/consumer" \
  $(pkg-config --cflags --libs swim) -Wl,-rpath,"${libdir}"
"${work}/consumer"

echo "--- consumer: both builds ran"
