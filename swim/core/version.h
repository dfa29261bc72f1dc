#ifndef SWIM_CORE_VERSION_H_
#define SWIM_CORE_VERSION_H_

// The version of this swim release: the one place it is written. The Bazel
// and CMake builds, the installed package (swimConfigVersion.cmake, swim.pc)
// and the programs' --version all read it from here.
//
// Semantic versioning: while SWIM_VERSION_MAJOR is 0, a minor release may
// change the C++ API and ABI (the shared libraries' SOVERSION is then
// MAJOR.MINOR); from 1.0 on, only a major release does (SOVERSION MAJOR).
// The wire format is versioned on its own (SWIM_WIRE_VERSION; docs/wire.md,
// "Versions and compatibility").
#define SWIM_VERSION_MAJOR 0
#define SWIM_VERSION_MINOR 1
#define SWIM_VERSION_PATCH 0
#define SWIM_VERSION_STRING "0.1.0"

// The newest wire version this build speaks (docs/wire.md): 2, compressed
// state exchanges. It reads versions 1 and 2, and sends version 1 except
// for compressed packets (Config::wire_version).
#define SWIM_WIRE_VERSION 2

// SWIM_VERSION_MAJOR * 10000 + MINOR * 100 + PATCH, for #if comparisons.
#define SWIM_VERSION_NUMBER \
  (SWIM_VERSION_MAJOR * 10000 + SWIM_VERSION_MINOR * 100 + SWIM_VERSION_PATCH)

#endif  // SWIM_CORE_VERSION_H_
