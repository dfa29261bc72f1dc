# FindSwimBoringSSL
# -----------------
#
# Finds BoringSSL's libcrypto and libssl as Debian packages them
# (android-libboringssl-dev):
# headers in /usr/include/android/openssl, the library in
# /usr/lib/<multiarch>/android. Debian ships no CMake or pkg-config file for
# it, and its headers and library names clash with OpenSSL's, so:
#
# - the include directory is the one *containing* openssl/ (…/android), a
#   SYSTEM include of the imported target, which the compiler searches before
#   /usr/include: OpenSSL's headers (libssl-dev) are never picked up;
# - the library is linked by its full path; it is not on ld.so's search path,
#   so targets linking it need an RPATH to SwimBoringSSL_LIBRARY_DIR (CMake
#   adds it to build-tree binaries; installed ones use
#   INSTALL_RPATH_USE_LINK_PATH).
#
# Imported targets:
#   SwimBoringSSL::Crypto
#   SwimBoringSSL::SSL (TLS; links SwimBoringSSL::Crypto)
#
# Result variables:
#   SwimBoringSSL_FOUND, SwimBoringSSL_INCLUDE_DIR, SwimBoringSSL_LIBRARY,
#   SwimBoringSSL_SSL_LIBRARY, SwimBoringSSL_LIBRARY_DIR
#
# Hints: SwimBoringSSL_ROOT (a prefix with include/android and
# lib/<multiarch>/android, or include and lib), or the cache variables
# SwimBoringSSL_INCLUDE_DIR and SwimBoringSSL_LIBRARY.

include(FindPackageHandleStandardArgs)

set(_swim_boringssl_arch_lib "lib")
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(_swim_boringssl_arch_lib "lib/${CMAKE_LIBRARY_ARCHITECTURE}")
endif()

find_path(SwimBoringSSL_INCLUDE_DIR
  NAMES openssl/base.h openssl/aead.h
  HINTS ${SwimBoringSSL_ROOT} ENV SwimBoringSSL_ROOT
  PATHS /usr
  PATH_SUFFIXES include/android include
  NO_CMAKE_SYSTEM_PATH NO_SYSTEM_ENVIRONMENT_PATH
  DOC "Directory containing BoringSSL's openssl/ headers")

find_library(SwimBoringSSL_LIBRARY
  NAMES crypto
  HINTS ${SwimBoringSSL_ROOT} ENV SwimBoringSSL_ROOT
  PATHS /usr
  PATH_SUFFIXES ${_swim_boringssl_arch_lib}/android lib/android lib
  NO_CMAKE_SYSTEM_PATH NO_SYSTEM_ENVIRONMENT_PATH
  DOC "BoringSSL's libcrypto")

find_library(SwimBoringSSL_SSL_LIBRARY
  NAMES ssl
  HINTS ${SwimBoringSSL_ROOT} ENV SwimBoringSSL_ROOT
  PATHS /usr
  PATH_SUFFIXES ${_swim_boringssl_arch_lib}/android lib/android lib
  NO_CMAKE_SYSTEM_PATH NO_SYSTEM_ENVIRONMENT_PATH
  DOC "BoringSSL's libssl")

# The headers found must really be BoringSSL's (OpenSSL has neither
# openssl/base.h nor OPENSSL_IS_BORINGSSL).
set(SwimBoringSSL_IS_BORINGSSL FALSE)
if(EXISTS "${SwimBoringSSL_INCLUDE_DIR}/openssl/base.h")
  file(STRINGS "${SwimBoringSSL_INCLUDE_DIR}/openssl/base.h" _swim_marker
       REGEX "^#define OPENSSL_IS_BORINGSSL")
  if(_swim_marker)
    set(SwimBoringSSL_IS_BORINGSSL TRUE)
  endif()
  unset(_swim_marker)
endif()

find_package_handle_standard_args(SwimBoringSSL NAME_MISMATCHED
  REQUIRED_VARS SwimBoringSSL_LIBRARY SwimBoringSSL_SSL_LIBRARY
                SwimBoringSSL_INCLUDE_DIR
                SwimBoringSSL_IS_BORINGSSL)

if(SwimBoringSSL_FOUND)
  get_filename_component(SwimBoringSSL_LIBRARY_DIR "${SwimBoringSSL_LIBRARY}"
                         DIRECTORY)
  if(NOT TARGET SwimBoringSSL::Crypto)
    add_library(SwimBoringSSL::Crypto UNKNOWN IMPORTED)
    set_target_properties(SwimBoringSSL::Crypto PROPERTIES
      IMPORTED_LOCATION "${SwimBoringSSL_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${SwimBoringSSL_INCLUDE_DIR}")
  endif()
  if(NOT TARGET SwimBoringSSL::SSL)
    add_library(SwimBoringSSL::SSL UNKNOWN IMPORTED)
    set_target_properties(SwimBoringSSL::SSL PROPERTIES
      IMPORTED_LOCATION "${SwimBoringSSL_SSL_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${SwimBoringSSL_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES SwimBoringSSL::Crypto)
  endif()
endif()

mark_as_advanced(SwimBoringSSL_INCLUDE_DIR SwimBoringSSL_LIBRARY
                 SwimBoringSSL_SSL_LIBRARY)
unset(_swim_boringssl_arch_lib)
