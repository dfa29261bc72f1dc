# Finds swim's dependencies, the Debian 12 packages the Bazel build uses too,
# and stops with the package to install when one is missing.
#
# Sets SWIM_CRYPTO_TARGET (the imported target of the selected crypto
# library), SWIM_TLS_TARGET (its TLS library, for the drivers) and SWIM_HAVE_BORINGSSL / SWIM_HAVE_OPENSSL (whether each backend
# was found, for the cross-backend interop test).

include_guard(GLOBAL)

# Stops configuring: `what` was not found; `apt` is the Debian package.
function(swim_missing what apt)
  message(FATAL_ERROR
    "${what} not found: install it with `sudo apt-get install ${apt}` "
    "(or run tools/setup.sh).")
endfunction()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

# --- Abseil (libabsl-dev) ----------------------------------------------------
find_package(absl CONFIG QUIET)
if(NOT absl_FOUND)
  swim_missing("Abseil (CMake package absl)" "libabsl-dev")
endif()

# The Abseil targets swim's libraries and programs use.
set(SWIM_ABSL_TARGETS
  absl::algorithm_container absl::any_invocable absl::btree absl::config
  absl::core_headers absl::flat_hash_map absl::flat_hash_set
  absl::function_ref absl::hash absl::span absl::status absl::statusor
  absl::str_format absl::strings absl::synchronization absl::time)
set(SWIM_ABSL_PROGRAM_TARGETS
  absl::flags absl::flags_parse absl::flags_usage absl::flags_reflection
  absl::random_random absl::random_distributions)
foreach(target IN LISTS SWIM_ABSL_TARGETS SWIM_ABSL_PROGRAM_TARGETS)
  if(NOT TARGET ${target})
    message(FATAL_ERROR
      "Abseil was found (${absl_DIR}) but lacks ${target}; swim needs "
      "Abseil 20220623 or later: `sudo apt-get install libabsl-dev`.")
  endif()
endforeach()

# --- Crypto: BoringSSL (android-libboringssl-dev) or OpenSSL 3 (libssl-dev) --
set(SWIM_CRYPTO "boringssl" CACHE STRING
    "Crypto library of swim::core: boringssl or openssl (OpenSSL 3)")
set_property(CACHE SWIM_CRYPTO PROPERTY STRINGS boringssl openssl)
if(NOT SWIM_CRYPTO MATCHES "^(boringssl|openssl)$")
  message(FATAL_ERROR
    "SWIM_CRYPTO is '${SWIM_CRYPTO}'; it must be 'boringssl' (the default, "
    "Debian package android-libboringssl-dev) or 'openssl' (OpenSSL 3, "
    "Debian package libssl-dev).")
endif()

# Both are looked for: the interop test needs both. Only the selected one
# is required, and no binary ever links both (their symbols clash).
find_package(SwimBoringSSL QUIET)
find_package(OpenSSL 3 QUIET COMPONENTS Crypto SSL)
set(SWIM_HAVE_BORINGSSL ${SwimBoringSSL_FOUND})
set(SWIM_HAVE_OPENSSL FALSE)
if(OpenSSL_FOUND AND TARGET OpenSSL::Crypto AND TARGET OpenSSL::SSL)
  set(SWIM_HAVE_OPENSSL TRUE)
endif()

if(SWIM_CRYPTO STREQUAL "boringssl")
  if(NOT SWIM_HAVE_BORINGSSL)
    swim_missing("BoringSSL (android/openssl/*.h, android/libcrypto.so, "
                 "android/libssl.so)" "android-libboringssl-dev")
  endif()
  set(SWIM_CRYPTO_TARGET SwimBoringSSL::Crypto)
  set(SWIM_TLS_TARGET SwimBoringSSL::SSL)
else()
  if(NOT SWIM_HAVE_OPENSSL)
    swim_missing("OpenSSL 3 (libcrypto, libssl)" "libssl-dev")
  endif()
  set(SWIM_CRYPTO_TARGET OpenSSL::Crypto)
  set(SWIM_TLS_TARGET OpenSSL::SSL)
endif()

# --- zlib (zlib1g-dev): compressed state exchanges ---------------------------
find_package(ZLIB QUIET)
if(NOT ZLIB_FOUND)
  swim_missing("zlib" "zlib1g-dev")
endif()

# --- Standalone Asio (libasio-dev) -------------------------------------------
find_package(SwimAsio 1.22 QUIET)
if(NOT SwimAsio_FOUND)
  swim_missing("Standalone Asio 1.22 or later (asio.hpp)" "libasio-dev")
endif()

# --- prometheus-cpp (prometheus-cpp-dev): the programs' --metrics -----------
if(SWIM_BUILD_PROGRAMS OR SWIM_BUILD_TESTS OR SWIM_BUILD_BENCHMARKS)
  find_package(prometheus-cpp CONFIG QUIET)
  if(NOT prometheus-cpp_FOUND OR NOT TARGET prometheus-cpp::pull)
    swim_missing("prometheus-cpp (CMake package prometheus-cpp)"
                 "prometheus-cpp-dev")
  endif()
endif()

# --- Test and benchmark frameworks, only when needed -------------------------
if(SWIM_BUILD_TESTS OR SWIM_BUILD_TESTKIT)
  find_package(GTest 1.10 CONFIG QUIET)
  if(NOT GTest_FOUND OR NOT TARGET GTest::gmock_main)
    swim_missing("GoogleTest and GoogleMock (CMake package GTest)"
                 "libgtest-dev libgmock-dev")
  endif()
endif()

if(SWIM_BUILD_BENCHMARKS)
  find_package(benchmark CONFIG QUIET)
  if(NOT benchmark_FOUND)
    swim_missing("Google Benchmark (CMake package benchmark)"
                 "libbenchmark-dev")
  endif()
endif()
