# Every dependency is a Debian package (scripts/setup installs them).
# CAF 0.17 ships neither a CMake config nor a .pc file, so it gets imported targets here.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

find_path(CAF_INCLUDE_DIR NAMES caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY NAMES caf_core REQUIRED)
add_library(CAF::core SHARED IMPORTED)
set_target_properties(CAF::core PROPERTIES
  IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)

pkg_check_modules(PISTACHE REQUIRED IMPORTED_TARGET libpistache)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# commerce-mock's regexes (Java-like syntax, with match and depth limits).
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
find_package(PostgreSQL REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(spdlog REQUIRED)

find_package(RapidJSON REQUIRED CONFIG)
add_library(RapidJSON INTERFACE)
target_include_directories(RapidJSON INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
target_compile_definitions(RapidJSON INTERFACE RAPIDJSON_HAS_STDSTRING=1)

# What every layer links: logging and threads.
add_library(commerce_deps_common INTERFACE)
target_link_libraries(commerce_deps_common INTERFACE spdlog::spdlog Threads::Threads)
