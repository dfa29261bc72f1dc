#!/usr/bin/env bash
# Runs the BoringSSL and OpenSSL builds of crypto_interop against each other:
# both must seal every case to the same bytes, and each must open what the
# other sealed. Usage: crypto_interop_test.sh BORINGSSL_TOOL OPENSSL_TOOL
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BORINGSSL_TOOL OPENSSL_TOOL" >&2; exit 2; }
boringssl="$1"
openssl="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

echo "$("${boringssl}" backend) against $("${openssl}" backend)"
"${boringssl}" seal >"${tmp}/boringssl.txt"
"${openssl}" seal >"${tmp}/openssl.txt"
lines="$(wc -l <"${tmp}/boringssl.txt")"
[ "${lines}" -gt 100 ] || { echo "only ${lines} sealed cases" >&2; exit 1; }
if ! cmp -s "${tmp}/boringssl.txt" "${tmp}/openssl.txt"; then
  echo "the backends seal differently:" >&2
  diff "${tmp}/boringssl.txt" "${tmp}/openssl.txt" | head -n 6 | cut -c1-160 >&2
  exit 1
fi
echo "${lines} lines sealed byte-identically"
"${openssl}" open "${tmp}/boringssl.txt"
"${boringssl}" open "${tmp}/openssl.txt"
# A damaged line must not open: the check can fail.
head -n 1 "${tmp}/boringssl.txt" | awk '{ s = $3; c = substr(s, length(s), 1);
  r = (c == "0") ? "1" : "0"; print $1, $2, substr(s, 1, length(s) - 1) r }' \
  >"${tmp}/damaged.txt"
if "${openssl}" open "${tmp}/damaged.txt" 2>/dev/null; then
  echo "a damaged packet opened" >&2
  exit 1
fi
echo "ok"
