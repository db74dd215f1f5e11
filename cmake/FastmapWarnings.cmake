# SPDX-License-Identifier: GPL-2.0-only
# fastmap_target_warnings(<target>): the warning set every fastmap C/C++ target uses.

function(fastmap_target_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra)
    if(FASTMAP_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
        # GCC 12 at -O3 (Release) reports false -Wrestrict hits inside
        # std::string (GCC bug 105329): keep the warning, not the error.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
            target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-error=restrict>)
        endif()
    endif()
endfunction()
