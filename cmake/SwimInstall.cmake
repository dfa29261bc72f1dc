# Install rules: libraries, headers, the CMake package (swimConfig.cmake)
# and pkg-config files (swim-core.pc, swim.pc).
#
# Layout under the prefix:
#   include/swim/...                    public headers and every swim header
#                                       they include, at their source paths
#   lib/libswim_{core,drivers,epoll,asio,sim}.so.*   (and .a twins)
#   lib/libswim_testing.a               the test kit, when built
#   lib/cmake/swim/                     swimConfig.cmake, targets, modules
#   lib/pkgconfig/swim-core.pc, swim.pc
#   bin/swim-demo, swim-sync, swim-sim, swim-keygen (SWIM_BUILD_PROGRAMS)

include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(SWIM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/swim"
    CACHE STRING "Where swimConfig.cmake is installed, under the prefix")
mark_as_advanced(SWIM_INSTALL_CMAKEDIR)

# Headers given, and every swim header they include, transitively; paths
# from the project root.
function(swim_header_closure out)
  set(pending ${ARGN})
  set(seen "")
  while(pending)
    list(POP_FRONT pending header)
    if(header IN_LIST seen)
      continue()
    endif()
    if(NOT EXISTS "${PROJECT_SOURCE_DIR}/${header}")
      message(FATAL_ERROR "swim: installed headers include missing ${header}")
    endif()
    list(APPEND seen "${header}")
    file(STRINGS "${PROJECT_SOURCE_DIR}/${header}" includes
         REGEX "^#include \"swim/[^\"]+\"")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
      list(APPEND pending "${included}")
    endforeach()
  endwhile()
  list(SORT seen)
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

# --- Libraries ------------------------------------------------------------------
get_property(swim_libraries GLOBAL PROPERTY SWIM_INSTALL_TARGETS)
install(TARGETS ${swim_libraries}
  EXPORT swimTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    COMPONENT swim_runtime
    NAMELINK_COMPONENT swim_development
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT swim_development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT swim_runtime)
install(EXPORT swimTargets
  NAMESPACE swim::
  DESTINATION "${SWIM_INSTALL_CMAKEDIR}"
  COMPONENT swim_development)

get_property(swim_headers GLOBAL PROPERTY SWIM_PUBLIC_HEADERS)
if(TARGET swim_testing)
  install(TARGETS swim_testing swim_scenario
    EXPORT swimTestingTargets
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT swim_development)
  install(EXPORT swimTestingTargets
    NAMESPACE swim::
    DESTINATION "${SWIM_INSTALL_CMAKEDIR}"
    COMPONENT swim_development)
  get_property(testing_headers GLOBAL PROPERTY SWIM_TESTING_HEADERS)
  list(APPEND swim_headers ${testing_headers})
endif()

# --- Headers ----------------------------------------------------------------------
swim_header_closure(swim_installed_headers ${swim_headers})
foreach(header IN LISTS swim_installed_headers)
  get_filename_component(dir "${header}" DIRECTORY)
  install(FILES "${PROJECT_SOURCE_DIR}/${header}"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/${dir}"
    COMPONENT swim_development)
endforeach()

# --- Programs -----------------------------------------------------------------------
get_property(swim_programs GLOBAL PROPERTY SWIM_INSTALL_PROGRAMS)
if(swim_programs)
  install(TARGETS ${swim_programs}
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT swim_programs)
endif()

# --- CMake package ----------------------------------------------------------------------
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/swimConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/swimConfig.cmake"
  INSTALL_DESTINATION "${SWIM_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/swimConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY ${SWIM_VERSION_COMPATIBILITY})
install(FILES
  "${PROJECT_BINARY_DIR}/swimConfig.cmake"
  "${PROJECT_BINARY_DIR}/swimConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/FindSwimAsio.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/FindSwimBoringSSL.cmake"
  DESTINATION "${SWIM_INSTALL_CMAKEDIR}"
  COMPONENT swim_development)

# --- pkg-config ---------------------------------------------------------------------------
# Relocatable: the prefix is found from the .pc file's own directory.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}"
   OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SWIM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SWIM_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(SWIM_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" up "${up}")
  set(SWIM_PC_PREFIX "\${pcfiledir}/${up}")
  set(SWIM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(SWIM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

# The crypto library (and for the drivers, its TLS library): no public
# header includes them, so only a static link needs them.
set(crypto_libs "")
set(crypto_requires "")
set(tls_libs "")
set(tls_requires "")
if(SWIM_CRYPTO STREQUAL "boringssl")
  set(crypto_libs
      "${SwimBoringSSL_LIBRARY} -Wl,-rpath,${SwimBoringSSL_LIBRARY_DIR}")
  set(tls_libs "${SwimBoringSSL_SSL_LIBRARY} ${crypto_libs}")
else()
  set(crypto_requires "libcrypto >= 3")
  set(tls_requires "libssl >= 3, libcrypto >= 3")
endif()

string(REPLACE "absl::" "absl_" absl_modules "${SWIM_ABSL_TARGETS}")
string(REPLACE ";" ", " absl_modules "${absl_modules}")

set(SWIM_PC_NAME "swim-core")
set(SWIM_PC_DESCRIPTION
    "SWIM gossip membership: the sans-IO core (C++20)")
set(SWIM_PC_REQUIRES "${absl_modules}")
set(SWIM_PC_CFLAGS "-I\${includedir}")
set(SWIM_PC_LIBS "-L\${libdir} -lswim_core")
if(crypto_requires STREQUAL "")
  set(SWIM_PC_REQUIRES_PRIVATE "zlib")
else()
  set(SWIM_PC_REQUIRES_PRIVATE "${crypto_requires}, zlib")
endif()
set(SWIM_PC_LIBS_PRIVATE "${crypto_libs}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/swim.pc.in"
               "${PROJECT_BINARY_DIR}/pkgconfig/swim-core.pc" @ONLY)

set(SWIM_PC_NAME "swim")
set(SWIM_PC_DESCRIPTION
    "SWIM gossip membership: the core, the epoll and Asio drivers and the simulator (C++20)")
set(SWIM_PC_REQUIRES "swim-core = ${PROJECT_VERSION}, ${absl_modules}")
set(SWIM_PC_REQUIRES_PRIVATE "${tls_requires}")
set(SWIM_PC_CFLAGS
    "-I\${includedir} -DASIO_STANDALONE -DASIO_NO_DEPRECATED -pthread")
set(SWIM_PC_LIBS
    "-L\${libdir} -lswim_epoll -lswim_asio -lswim_sim -lswim_drivers -pthread")
set(SWIM_PC_LIBS_PRIVATE "${tls_libs}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/swim.pc.in"
               "${PROJECT_BINARY_DIR}/pkgconfig/swim.pc" @ONLY)

install(FILES
  "${PROJECT_BINARY_DIR}/pkgconfig/swim-core.pc"
  "${PROJECT_BINARY_DIR}/pkgconfig/swim.pc"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
  COMPONENT swim_development)

# --- Check: install into a scratch prefix, build the consumer example against
# it (CMake and pkg-config), compile every installed header on its own.
if(SWIM_BUILD_TESTS)
  add_test(NAME install/consumer_test
    COMMAND bash "${PROJECT_SOURCE_DIR}/cmake/check_install.sh"
            "${PROJECT_BINARY_DIR}" "${PROJECT_BINARY_DIR}/install_test"
            "$<CONFIG>")
  # It builds and runs programs of its own: alone, so that it neither slows
  # nor is slowed by the timing-sensitive tests.
  set_tests_properties(install/consumer_test PROPERTIES
    TIMEOUT 900 RUN_SERIAL TRUE LABELS install)
endif()
