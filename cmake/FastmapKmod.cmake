# SPDX-License-Identifier: GPL-2.0-only
# Out-of-tree build of kmod/ against installed kernel headers (/lib/modules/<release>/build).
#
#   FASTMAP_KERNEL_RELEASE  cache variable; default: newest release with headers (sort -V)
#   kmod                    builds ${CMAKE_BINARY_DIR}/kmod/<release>/fastmap.ko for that release;
#                           part of ALL when its headers exist and FASTMAP_BUILD_KMOD is ON
#   kmod-all                builds fastmap.ko for every release that has headers
#   kmod-<release>          one release (characters outside [A-Za-z0-9_.-] become '_')
#
# The sources are copied (copy_if_different, so kbuild only rebuilds what changed) into
# ${CMAKE_BINARY_DIR}/kmod/<release>/, and kbuild runs there: the source tree stays clean.

set(FASTMAP_KMOD_SOURCE_DIR "${CMAKE_SOURCE_DIR}/kmod")

# Releases under /lib/modules whose build/ directory has a Makefile, oldest first.
file(GLOB _fastmap_kbuild_makefiles LIST_DIRECTORIES false "/lib/modules/*/build/Makefile")
set(_fastmap_releases "")
foreach(_mk IN LISTS _fastmap_kbuild_makefiles)
    string(REGEX REPLACE "^/lib/modules/([^/]+)/build/Makefile$" "\\1" _rel "${_mk}")
    list(APPEND _fastmap_releases "${_rel}")
endforeach()
if(_fastmap_releases)
    list(JOIN _fastmap_releases "\n" _joined)
    # Same order as `ls /lib/modules | sort -V`; CMake's natural sort is the fallback.
    set(_tmp "${CMAKE_BINARY_DIR}/CMakeFiles/fastmap-kernel-releases.txt")
    file(WRITE "${_tmp}" "${_joined}\n")
    execute_process(COMMAND sort -V "${_tmp}"
        OUTPUT_VARIABLE _sorted RESULT_VARIABLE _rc ERROR_QUIET)
    if(_rc EQUAL 0 AND _sorted)
        string(STRIP "${_sorted}" _sorted)
        string(REPLACE "\n" ";" _fastmap_releases "${_sorted}")
    else()
        list(SORT _fastmap_releases COMPARE NATURAL)
    endif()
    list(GET _fastmap_releases -1 _fastmap_newest)
else()
    set(_fastmap_newest "")
endif()
set(FASTMAP_KERNEL_RELEASES "${_fastmap_releases}" CACHE INTERNAL "Releases with kernel headers")

set(FASTMAP_KERNEL_RELEASE "${_fastmap_newest}" CACHE STRING
    "Kernel release the kmod target builds for (default: newest under /lib/modules with headers)")

file(GLOB FASTMAP_KMOD_TOP_SOURCES CONFIGURE_DEPENDS
    "${FASTMAP_KMOD_SOURCE_DIR}/*.c"
    "${FASTMAP_KMOD_SOURCE_DIR}/*.h"
    "${FASTMAP_KMOD_SOURCE_DIR}/Kbuild"
    "${FASTMAP_KMOD_SOURCE_DIR}/Makefile")
file(GLOB FASTMAP_KMOD_UAPI_SOURCES CONFIGURE_DEPENDS "${FASTMAP_KMOD_SOURCE_DIR}/uapi/*.h")

# With a Makefile generator, $(MAKE) makes kbuild a recursive make that shares the jobserver.
if(CMAKE_GENERATOR MATCHES "Makefiles")
    set(FASTMAP_KMOD_MAKE "$(MAKE)")
else()
    set(FASTMAP_KMOD_MAKE make)
endif()

function(_fastmap_kmod_target_name release out)
    string(REGEX REPLACE "[^A-Za-z0-9_.-]" "_" _safe "${release}")
    set(${out} "kmod-${_safe}" PARENT_SCOPE)
endfunction()

# fastmap_add_kmod_release(<release>): custom target kmod-<release> producing
# ${CMAKE_BINARY_DIR}/kmod/<release>/fastmap.ko.
function(fastmap_add_kmod_release release)
    _fastmap_kmod_target_name("${release}" _target)
    if(TARGET ${_target})
        return()
    endif()
    set(_kdir "/lib/modules/${release}/build")
    set(_out "${CMAKE_BINARY_DIR}/kmod/${release}")
    file(MAKE_DIRECTORY "${_out}/uapi")
    set(_copy_top "")
    if(FASTMAP_KMOD_TOP_SOURCES)
        set(_copy_top COMMAND ${CMAKE_COMMAND} -E copy_if_different
            ${FASTMAP_KMOD_TOP_SOURCES} "${_out}/")
    endif()
    set(_copy_uapi "")
    if(FASTMAP_KMOD_UAPI_SOURCES)
        set(_copy_uapi COMMAND ${CMAKE_COMMAND} -E copy_if_different
            ${FASTMAP_KMOD_UAPI_SOURCES} "${_out}/uapi/")
    endif()
    add_custom_command(
        OUTPUT "${_out}/fastmap.ko"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${_out}/uapi"
        ${_copy_top}
        ${_copy_uapi}
        COMMAND ${FASTMAP_KMOD_MAKE} -C "${_kdir}" "M=${_out}" modules
        DEPENDS ${FASTMAP_KMOD_TOP_SOURCES} ${FASTMAP_KMOD_UAPI_SOURCES}
        COMMENT "Building fastmap.ko for ${release}"
        VERBATIM)
    add_custom_target(${_target} DEPENDS "${_out}/fastmap.ko")
endfunction()

set(_fastmap_kmod_all_targets "")
foreach(_rel IN LISTS FASTMAP_KERNEL_RELEASES)
    fastmap_add_kmod_release("${_rel}")
    _fastmap_kmod_target_name("${_rel}" _t)
    list(APPEND _fastmap_kmod_all_targets ${_t})
endforeach()

add_custom_target(kmod-all)
if(_fastmap_kmod_all_targets)
    add_dependencies(kmod-all ${_fastmap_kmod_all_targets})
else()
    add_custom_command(TARGET kmod-all POST_BUILD
        COMMAND ${CMAKE_COMMAND} -E echo "kmod-all: no kernel headers under /lib/modules/*/build"
        COMMAND ${CMAKE_COMMAND} -E false
        VERBATIM)
endif()

if(FASTMAP_KERNEL_RELEASE AND EXISTS "/lib/modules/${FASTMAP_KERNEL_RELEASE}/build/Makefile")
    fastmap_add_kmod_release("${FASTMAP_KERNEL_RELEASE}")
    _fastmap_kmod_target_name("${FASTMAP_KERNEL_RELEASE}" _t)
    if(FASTMAP_BUILD_KMOD)
        add_custom_target(kmod ALL)
    else()
        add_custom_target(kmod)
    endif()
    add_dependencies(kmod ${_t})
    set(FASTMAP_KMOD_FILE "${CMAKE_BINARY_DIR}/kmod/${FASTMAP_KERNEL_RELEASE}/fastmap.ko"
        CACHE INTERNAL "fastmap.ko built by the kmod target")
    message(STATUS "fastmap: kmod for ${FASTMAP_KERNEL_RELEASE} "
        "(in ALL: ${FASTMAP_BUILD_KMOD}); kmod-all: ${FASTMAP_KERNEL_RELEASES}")
else()
    if(FASTMAP_KERNEL_RELEASE)
        set(_why "no /lib/modules/${FASTMAP_KERNEL_RELEASE}/build/Makefile")
    else()
        set(_why "no kernel headers under /lib/modules/*/build")
    endif()
    message(STATUS "fastmap: kmod target disabled: ${_why}")
    add_custom_target(kmod
        COMMAND ${CMAKE_COMMAND} -E echo "kmod: ${_why} (install linux-headers or set FASTMAP_KERNEL_RELEASE)"
        COMMAND ${CMAKE_COMMAND} -E false
        VERBATIM)
    set(FASTMAP_KMOD_FILE "" CACHE INTERNAL "fastmap.ko built by the kmod target")
endif()
