#!/bin/bash
# Checks the installed package: installs the build tree into a scratch
# prefix, builds and runs examples/consumer against it (CMake's
# find_package and pkg-config) and a C program against libswim_c, and
# compiles every installed header on its own with pkg-config's flags.
#
# Usage: check_install.sh BUILD_DIR SCRATCH_DIR [CONFIG]
set -euo pipefail

build="${1:?usage: $0 BUILD_DIR SCRATCH_DIR [CONFIG]}"
scratch="${2:?usage: $0 BUILD_DIR SCRATCH_DIR [CONFIG]}"
config="${3:-}"
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${scratch}/prefix"

rm -rf "${scratch}"
mkdir -p "${scratch}"
cmake --install "${build}" --prefix "${prefix}" ${config:+--config "${config}"} \
  >"${scratch}/install.log"

# Every installed shared library finds its dependencies (BoringSSL is off
# ld.so's path: the RPATH must name its directory).
for lib in "${prefix}"/lib*/libswim_*.so; do
  if ldd "${lib}" | grep -q "not found"; then
    echo "FAIL: ${lib} has unresolved dependencies:" >&2
    ldd "${lib}" >&2
    exit 1
  fi
done

bash "${source_dir}/examples/consumer/run.sh" "${prefix}"

# The C ABI from C: the installed swim/c/swim.h compiles as C11 and a C
# program links the installed libswim_c alone (LDFLAGS: a sanitizer's
# runtime, when the library was built with one).
c_program="${scratch}/c_consumer"
printf '%s\n' '#include <stdio.h>' '#include "swim/c/swim.h"' \
  'int main(void) {' \
  '  swim_config config;' \
  '  if (swim_config_init(&config, sizeof config, SWIM_PRESET_LAN)) return 1;' \
  '  printf("libswim_c %s\n", swim_version());' \
  '  return swim_c_api_version() == SWIM_C_API_VERSION ? 0 : 1;' \
  '}' |
  ${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic-errors \
    -I"${prefix}/include" -x c - ${LDFLAGS:-} -L"${prefix}/lib" -lswim_c \
    -Wl,-rpath,"${prefix}/lib" -o "${c_program}"
"${c_program}"

# Each installed header compiles alone (it includes what it uses).
export PKG_CONFIG_PATH="${prefix}/lib/pkgconfig${PKG_CONFIG_PATH:+:${PKG_CONFIG_PATH}}"
export SWIM_CHECK_CXX="${CXX:-c++}"
SWIM_CHECK_CFLAGS="$(pkg-config --cflags swim)"
export SWIM_CHECK_CFLAGS
cd "${prefix}/include"
count="$(find swim -name '*.h' | wc -l)"
# shellcheck disable=SC2016  # expanded by the inner shell
find swim -name '*.h' | sort | xargs -P 2 -n 1 bash -c '
  echo "#include \"$0\"" |
    ${SWIM_CHECK_CXX} -std=c++20 -fsyntax-only -Wall -Wextra -Werror \
      ${SWIM_CHECK_CFLAGS} -x c++ - ||
    { echo "FAIL: $0 does not compile on its own" >&2; exit 1; }'
echo "PASS: installed; the consumer built and ran both ways, a C program on libswim_c; ${count} headers compile on their own"
