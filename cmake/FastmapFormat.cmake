# SPDX-License-Identifier: GPL-2.0-only
# clang-format for the C++ directories and libfastmap's C (kmod/ and bpf/ use kernel style
# instead).
#   format        rewrite the files in place
#   format-check  fail if any file is not formatted (also a CTest test labelled "lint")
# The file list is globbed when the target runs, so new files need no re-configure.

find_program(CLANG_FORMAT_EXE NAMES clang-format-14 clang-format)

set(FASTMAP_FORMAT_DIRS daemon cli lib libfastmap tests/unit tests/host tests/vm/telemetry bench)
# Directories whose *.c files are checked too (the others' C is kernel or test-program style).
set(FASTMAP_FORMAT_C_DIRS libfastmap)
# A ";"-list would be split into separate arguments on the command line.
string(REPLACE ";" "," _fastmap_format_dirs "${FASTMAP_FORMAT_DIRS}")
string(REPLACE ";" "," _fastmap_format_c_dirs "${FASTMAP_FORMAT_C_DIRS}")

if(CLANG_FORMAT_EXE)
    set(_args -DCLANG_FORMAT=${CLANG_FORMAT_EXE} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
        "-DDIRS=${_fastmap_format_dirs}" "-DC_DIRS=${_fastmap_format_c_dirs}")
    add_custom_target(format
        COMMAND ${CMAKE_COMMAND} ${_args} -DMODE=fix -P ${CMAKE_SOURCE_DIR}/cmake/RunClangFormat.cmake
        VERBATIM)
    add_custom_target(format-check
        COMMAND ${CMAKE_COMMAND} ${_args} -DMODE=check -P ${CMAKE_SOURCE_DIR}/cmake/RunClangFormat.cmake
        VERBATIM)
    add_test(NAME format-check
        COMMAND ${CMAKE_COMMAND} ${_args} -DMODE=check -P ${CMAKE_SOURCE_DIR}/cmake/RunClangFormat.cmake)
    set_tests_properties(format-check PROPERTIES LABELS lint)
else()
    message(STATUS "fastmap: clang-format not found; format targets disabled")
endif()
