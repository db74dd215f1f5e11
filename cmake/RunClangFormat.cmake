# SPDX-License-Identifier: GPL-2.0-only
# cmake -DCLANG_FORMAT=... -DSOURCE_DIR=... -DDIRS="a,b" [-DC_DIRS="c"] -DMODE=check|fix
#       -P RunClangFormat.cmake
# DIRS: *.cpp, *.hpp, *.cc, *.h; C_DIRS: also *.c.

string(REPLACE "," ";" DIRS "${DIRS}")
set(_files "")
foreach(_dir IN LISTS DIRS)
    file(GLOB_RECURSE _found LIST_DIRECTORIES false
        "${SOURCE_DIR}/${_dir}/*.cpp" "${SOURCE_DIR}/${_dir}/*.hpp"
        "${SOURCE_DIR}/${_dir}/*.cc" "${SOURCE_DIR}/${_dir}/*.h")
    list(APPEND _files ${_found})
endforeach()
string(REPLACE "," ";" C_DIRS "${C_DIRS}")
foreach(_dir IN LISTS C_DIRS)
    file(GLOB_RECURSE _found LIST_DIRECTORIES false "${SOURCE_DIR}/${_dir}/*.c")
    list(APPEND _files ${_found})
endforeach()
list(REMOVE_DUPLICATES _files)
list(SORT _files)
if(NOT _files)
    message(STATUS "clang-format: no files")
    return()
endif()

if(MODE STREQUAL "fix")
    execute_process(COMMAND ${CLANG_FORMAT} -i --style=file ${_files} RESULT_VARIABLE _rc)
else()
    execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror --style=file ${_files}
        RESULT_VARIABLE _rc)
endif()
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "clang-format ${MODE} failed (run: cmake --build <dir> --target format)")
endif()
list(LENGTH _files _n)
message(STATUS "clang-format ${MODE}: ${_n} files ok")
