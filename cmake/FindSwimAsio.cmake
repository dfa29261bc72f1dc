# FindSwimAsio
# ------------
#
# Finds standalone (non-Boost) Asio, header-only: asio.hpp, as Debian's
# libasio-dev installs it in /usr/include.
#
# Imported target:
#   SwimAsio::Asio  (defines ASIO_STANDALONE and ASIO_NO_DEPRECATED, links
#                    Threads::Threads; the same settings as the Bazel build)
#
# Result variables:
#   SwimAsio_FOUND, SwimAsio_INCLUDE_DIR, SwimAsio_VERSION
#
# Hints: SwimAsio_ROOT, or the cache variable SwimAsio_INCLUDE_DIR.

include(FindPackageHandleStandardArgs)

find_path(SwimAsio_INCLUDE_DIR
  NAMES asio.hpp
  HINTS ${SwimAsio_ROOT} ENV SwimAsio_ROOT
  PATH_SUFFIXES include
  DOC "Directory containing standalone Asio's asio.hpp")

set(SwimAsio_VERSION "")
if(SwimAsio_INCLUDE_DIR AND EXISTS "${SwimAsio_INCLUDE_DIR}/asio/version.hpp")
  file(STRINGS "${SwimAsio_INCLUDE_DIR}/asio/version.hpp" _swim_asio_version
       REGEX "^#define ASIO_VERSION [0-9]+")
  string(REGEX REPLACE "^#define ASIO_VERSION ([0-9]+).*" "\\1"
         _swim_asio_version "${_swim_asio_version}")
  # ASIO_VERSION is MAJOR * 100000 + MINOR * 100 + PATCH.
  math(EXPR _swim_asio_major "${_swim_asio_version} / 100000")
  math(EXPR _swim_asio_minor "${_swim_asio_version} / 100 % 1000")
  math(EXPR _swim_asio_patch "${_swim_asio_version} % 100")
  set(SwimAsio_VERSION
      "${_swim_asio_major}.${_swim_asio_minor}.${_swim_asio_patch}")
  unset(_swim_asio_version)
  unset(_swim_asio_major)
  unset(_swim_asio_minor)
  unset(_swim_asio_patch)
endif()

find_package_handle_standard_args(SwimAsio NAME_MISMATCHED
  REQUIRED_VARS SwimAsio_INCLUDE_DIR
  VERSION_VAR SwimAsio_VERSION)

if(SwimAsio_FOUND AND NOT TARGET SwimAsio::Asio)
  find_package(Threads QUIET)
  add_library(SwimAsio::Asio INTERFACE IMPORTED)
  set_target_properties(SwimAsio::Asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${SwimAsio_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED")
  if(TARGET Threads::Threads)
    set_property(TARGET SwimAsio::Asio APPEND PROPERTY
                 INTERFACE_LINK_LIBRARIES Threads::Threads)
  endif()
endif()

mark_as_advanced(SwimAsio_INCLUDE_DIR)
