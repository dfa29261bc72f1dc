# Functions that define swim's targets the same way everywhere.

include_guard(GLOBAL)

# Sanitizer builds (CMAKE_CXX_FLAGS=-fsanitize=...), as Bazel's --config=asan
# and --config=ubsan: some tests spend less time there.
set(SWIM_SANITIZER_DEFINES "")
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=[^ ]*address")
  list(APPEND SWIM_SANITIZER_DEFINES SWIM_ASAN_BUILD)
endif()
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=[^ ]*undefined")
  list(APPEND SWIM_SANITIZER_DEFINES SWIM_UBSAN_BUILD)
endif()

# Warnings in swim's own sources; private, so never in an exported interface.
function(swim_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra>
    $<$<AND:$<BOOL:${SWIM_WERROR}>,$<CXX_COMPILER_ID:GNU,Clang>>:-Werror>)
endfunction()

# Sources that replace the global operator new with malloc to count
# allocations: optimizing g++ 12 inlines the replacement and then reports
# the matching free() as a mismatched deallocation, a false positive.
function(swim_count_allocations)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set_source_files_properties(${ARGN} PROPERTIES
      COMPILE_OPTIONS -Wno-mismatched-new-delete)
  endif()
endfunction()

# The path of the current source directory relative to the project root.
function(swim_relative_dir out)
  file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}")
  set(${out} "${rel}" PARENT_SCOPE)
endfunction()

# The sources of the current directory's library: *.cc, less tests, mains
# and the crypto backends, crypto_boringssl.cc and crypto_openssl.cc
# (swim/core adds the selected one itself).
function(swim_glob_library_sources out)
  set(sources "")
  foreach(dir IN LISTS ARGN)
    file(GLOB found CONFIGURE_DEPENDS "${dir}/*.cc")
    list(APPEND sources ${found})
  endforeach()
  list(FILTER sources EXCLUDE REGEX "/(crypto_(boringssl|openssl)|[^/]*_test|[^/]*_main)\\.cc$")
  list(SORT sources)
  set(${out} ${sources} PARENT_SCOPE)
endfunction()

# swim_library(NAME SOURCES ... [PUBLIC_HEADERS ...] [SWIM_DEPS ...]
#              [PUBLIC ...] [PRIVATE ...])
#
# Compiles SOURCES once (position-independent objects) into
#   swim_NAME         SHARED, VERSION/SOVERSION, exported as swim::NAME
#   swim_NAME_static  STATIC, exported as swim::NAME_static
# both named libswim_NAME. SWIM_DEPS are other swim libraries by NAME: the
# shared library links their shared variants, the static one their static
# ones. PUBLIC_HEADERS (paths from the project root) are installed with
# every swim header they include.
function(swim_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg ""
    "" "SOURCES;PUBLIC_HEADERS;SWIM_DEPS;PUBLIC;PRIVATE")
  set(objects swim_${name}_objects)
  add_library(${objects} OBJECT ${arg_SOURCES})
  set_target_properties(${objects} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${objects} PUBLIC
    "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>")
  target_compile_features(${objects} PUBLIC cxx_std_20)
  swim_warnings(${objects})

  set(shared_deps "")
  set(static_deps "")
  foreach(dep IN LISTS arg_SWIM_DEPS)
    list(APPEND shared_deps swim_${dep})
    list(APPEND static_deps swim_${dep}_static)
  endforeach()
  # Object libraries only take usage requirements (include directories,
  # definitions) from what they "link".
  target_link_libraries(${objects}
    PUBLIC ${static_deps} ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})

  foreach(kind SHARED STATIC)
    if(kind STREQUAL "SHARED")
      set(target swim_${name})
      set(export_name ${name})
      set(deps ${shared_deps})
    else()
      set(target swim_${name}_static)
      set(export_name ${name}_static)
      set(deps ${static_deps})
    endif()
    add_library(${target} ${kind} $<TARGET_OBJECTS:${objects}>)
    add_library(swim::${export_name} ALIAS ${target})
    target_include_directories(${target} PUBLIC
      "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>"
      "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
    target_compile_features(${target} PUBLIC cxx_std_20)
    target_link_libraries(${target}
      PUBLIC ${deps} ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
    set_target_properties(${target} PROPERTIES
      OUTPUT_NAME swim_${name}
      EXPORT_NAME ${export_name})
  endforeach()

  set_target_properties(swim_${name} PROPERTIES
    VERSION "${PROJECT_VERSION}"
    SOVERSION "${SWIM_SOVERSION}"
    # Installed: find the other swim libraries beside this one, and
    # BoringSSL in its directory off ld.so's path.
    INSTALL_RPATH "$ORIGIN"
    INSTALL_RPATH_USE_LINK_PATH ON)
  # Every symbol a shared library needs comes from a library it links
  # (sanitizer runtimes are the exception).
  if(NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
    target_link_options(swim_${name} PRIVATE "LINKER:--no-undefined")
  endif()

  set_property(GLOBAL APPEND PROPERTY SWIM_INSTALL_TARGETS
               swim_${name} swim_${name}_static)
  set_property(GLOBAL APPEND PROPERTY SWIM_PUBLIC_HEADERS
               ${arg_PUBLIC_HEADERS})
endfunction()

# An internal static library (tools, fuzz and benchmark helpers): never
# installed.
function(swim_internal_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;PUBLIC;PRIVATE")
  add_library(${name} STATIC ${arg_SOURCES})
  target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}")
  target_compile_features(${name} PUBLIC cxx_std_20)
  target_link_libraries(${name} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
  swim_warnings(${name})
endfunction()

# A program of this repository (tools, examples, fuzzers, benchmarks).
function(swim_executable name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBS;DEFINES")
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS})
  target_compile_definitions(${name} PRIVATE ${arg_DEFINES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  set_target_properties(${name} PROPERTIES
    INSTALL_RPATH_USE_LINK_PATH ON)
  swim_warnings(${name})
endfunction()

# swim_gtest(SOURCE [LIBS ...] [TIMEOUT s] [WORKING_DIRECTORY dir]
#            [ENVIRONMENT VAR=value] [DEFINES ...])
#
# A GoogleTest binary named after SOURCE, linked with the test kit (hence
# every swim library) and gmock_main; each test in it is a CTest test named
# DIR/BINARY.Suite.Test (DIR relative to the project root), listed when
# CTest runs (a build never runs test binaries). TIMEOUT is per test case
# (default 60 s, Bazel's "small").
function(swim_gtest source)
  cmake_parse_arguments(PARSE_ARGV 1 arg ""
    "TIMEOUT;WORKING_DIRECTORY;ENVIRONMENT" "LIBS;DEFINES")
  get_filename_component(base "${source}" NAME_WE)
  swim_relative_dir(rel)
  string(REPLACE "/" "_" prefix "${rel}")
  set(target ${prefix}_${base})
  add_executable(${target} "${source}")
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${base})
  target_link_libraries(${target} PRIVATE
    ${arg_LIBS} swim_testing GTest::gmock GTest::gmock_main)
  target_compile_definitions(${target} PRIVATE ${arg_DEFINES})
  target_compile_features(${target} PRIVATE cxx_std_20)
  swim_warnings(${target})

  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 60)
  endif()
  if(NOT arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(properties TIMEOUT ${arg_TIMEOUT} LABELS "${rel}")
  if(arg_ENVIRONMENT)
    list(APPEND properties ENVIRONMENT "${arg_ENVIRONMENT}")
  endif()
  gtest_discover_tests(${target}
    TEST_PREFIX "${rel}/${base}."
    WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}"
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 120
    PROPERTIES ${properties})
endfunction()

# swim_sh_test(NAME SCRIPT [TIMEOUT s] [ARGS ...])
#
# A shell test as Bazel's sh_test runs it: `bash SCRIPT ARGS...` with
# TEST_TMPDIR a fresh directory of its own under the build tree.
function(swim_sh_test name script)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "TIMEOUT" "ARGS")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 60)
  endif()
  swim_relative_dir(rel)
  add_test(NAME "${rel}/${name}"
    COMMAND bash "${PROJECT_SOURCE_DIR}/cmake/run_in_tmpdir.sh"
            "${CMAKE_CURRENT_BINARY_DIR}/${name}.tmp"
            bash "${CMAKE_CURRENT_SOURCE_DIR}/${script}" ${arg_ARGS})
  set_tests_properties("${rel}/${name}" PROPERTIES
    TIMEOUT ${arg_TIMEOUT} LABELS "${rel}")
endfunction()

# swim_gtest_directory([LIBS ...])
#
# swim_gtest for every *_test.cc of the current directory. Per test, the
# caller may set swim_test_timeout_<name>, swim_test_environment_<name>,
# swim_test_defines_<name> and swim_test_working_directory_<name>.
function(swim_gtest_directory)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "LIBS")
  file(GLOB tests CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc")
  list(SORT tests)
  foreach(test IN LISTS tests)
    get_filename_component(name "${test}" NAME_WE)
    set(args LIBS ${arg_LIBS})
    foreach(setting IN ITEMS timeout environment defines working_directory)
      if(DEFINED swim_test_${setting}_${name})
        string(TOUPPER "${setting}" keyword)
        list(APPEND args ${keyword} "${swim_test_${setting}_${name}}")
      endif()
    endforeach()
    swim_gtest("${test}" ${args})
  endforeach()
endfunction()
