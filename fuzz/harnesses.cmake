# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Reads fuzz/harnesses.txt into a list of "name:max_len:builds" entries.
function(pn_fuzz_harnesses out)
  set(file ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/harnesses.txt)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  file(STRINGS ${file} lines REGEX "^[a-z0-9_]+[ \t]")
  set(list "")
  foreach(line ${lines})
    string(REGEX REPLACE "[ \t]+" ";" cols "${line}")
    list(GET cols 0 name)
    list(GET cols 1 maxlen)
    list(GET cols 2 builds)
    list(APPEND list "${name}:${maxlen}:${builds}")
  endforeach()
  set(${out} ${list} PARENT_SCOPE)
endfunction()

# The simulator every engine harness drives (tests/support), compiled into
# each harness with the harness's own flags.
set(PN_FUZZ_SIM_SOURCES ${CMAKE_CURRENT_LIST_DIR}/../tests/support/check.c
    ${CMAKE_CURRENT_LIST_DIR}/../tests/support/sim.c
    ${CMAKE_CURRENT_LIST_DIR}/../tests/support/sim_check.c
    ${CMAKE_CURRENT_LIST_DIR}/../tests/support/sim_manual.c)
