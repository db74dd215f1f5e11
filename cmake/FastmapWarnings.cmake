# SPDX-License-Identifier: GPL-2.0-only
# fastmap_target_warnings(<target>): the warning set every fastmap C/C++ target uses.

function(fastmap_target_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra)
    if(FASTMAP_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
