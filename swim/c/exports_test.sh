#!/bin/bash
# The shared C library exports exactly the functions swim.h declares, each
# at version SWIM_C_1, and no other symbol (the C++ core, Abseil and the
# C++ runtime stay inside); its SONAME is CMake's, libswim_c.so.MAJOR.MINOR
# while the major version is 0, from version.h. Usage: exports_test.sh
# LIBRARY HEADER VERSION_H
set -euo pipefail

library="$1"
header="$2"
version_h="$3"

# Defined dynamic symbols: "name@@VERSION" for versioned ones.
exported="$(nm -D --defined-only --with-symbol-versions "$library" |
  awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort)"
declared="$(grep -oE 'SWIM_C_EXPORT [^(]*\(' "$header" |
  grep -oE 'swim_[a-z0-9_]+ *\($' | tr -d ' (' | sort -u)"

# gold (Bazel's linker) keeps a symbol dynamic when a shared library the
# output links also defines it, whatever the version script says: weak
# copies of libstdc++'s own std::string members. Those are libstdc++'s
# symbols, not swim's; anything else is a leak.
runtime=""
libstdcxx="$(ldd "$library" | awk '/libstdc\+\+/ { print $3 }')"
if [[ -n "$libstdcxx" ]]; then
  runtime="$(nm -D --defined-only "$libstdcxx" | awk '{ print $3 }' |
    sed 's/@.*//' | sort -u)"
fi

fail=0
while read -r symbol; do
  [[ -z "$symbol" ]] && continue
  case "$symbol" in
    SWIM_C_1@@SWIM_C_1) ;;  # the version definition itself
    swim_*@@SWIM_C_1) ;;
    *)
      if [[ "$symbol" != *@* ]] && grep -qxF "$symbol" <<<"$runtime"; then
        continue
      fi
      echo "exported but not part of the C ABI: $symbol"
      fail=1
      ;;
  esac
done <<<"$exported"

names="$(sed -n 's/@@SWIM_C_1$//p' <<<"$exported" | grep -v '^SWIM_C_1$' | sort)"
if [[ "$names" != "$declared" ]]; then
  echo "exported and declared functions differ (< exported, > declared):"
  diff <(echo "$names") <(echo "$declared") || true
  fail=1
fi
count="$(wc -l <<<"$declared")"
if [[ "$count" -lt 30 ]]; then
  echo "only $count functions found in $header"
  fail=1
fi
major="$(awk '$1 == "#define" && $2 == "SWIM_VERSION_MAJOR" { print $3 }' "$version_h")"
minor="$(awk '$1 == "#define" && $2 == "SWIM_VERSION_MINOR" { print $3 }' "$version_h")"
want="libswim_c.so.$major"
[[ "$major" == 0 ]] && want="$want.$minor"
soname="$(readelf -d "$library" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')"
if [[ ! "$major" =~ ^[0-9]+$ || ! "$minor" =~ ^[0-9]+$ || "$soname" != "$want" ]]; then
  echo "SONAME '$soname', want '$want' (version.h: '$major'.'$minor')"
  fail=1
fi
[[ "$fail" == 0 ]] &&
  echo "exports_test: $count functions, all at SWIM_C_1; SONAME $soname"
exit "$fail"
