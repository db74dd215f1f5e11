# SPDX-License-Identifier: GPL-2.0-only
# cmake -DBPFTOOL=... -DOBJECT=x.bpf.o -DNAME=x_bpf -DOUTPUT=x.skel.h -P gen-skeleton.cmake
# `bpftool gen skeleton` writes to stdout; this keeps a failed run from leaving a partial header.

execute_process(
    COMMAND ${BPFTOOL} gen skeleton ${OBJECT} name ${NAME}
    OUTPUT_FILE ${OUTPUT}.tmp
    RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    file(REMOVE ${OUTPUT}.tmp)
    message(FATAL_ERROR "bpftool gen skeleton ${OBJECT} failed (${_rc})")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
