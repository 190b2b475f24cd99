# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Compiler warnings and sanitizers, applied target by target (never with
# directory-wide add_compile_options, which would reach an embedding project).
include_guard(GLOBAL)

set(PN_WARNINGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wpointer-arith -Wvla)

function(pn_target_flags target)
  get_target_property(type ${target} TYPE)
  get_target_property(imported ${target} IMPORTED)
  if(imported OR type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY")
    return()
  endif()
  target_compile_options(${target} PRIVATE ${PN_WARNINGS})
  if(PN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(PN_FUZZING_AEAD)
    target_compile_definitions(${target} PRIVATE PN_FUZZING_AEAD=1)
  endif()
  if(PN_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${PN_SANITIZE}
                           -fno-omit-frame-pointer -fno-sanitize-recover=all)
    if(NOT type STREQUAL "OBJECT_LIBRARY" AND NOT type STREQUAL "STATIC_LIBRARY")
      target_link_options(${target} PRIVATE -fsanitize=${PN_SANITIZE})
    endif()
  endif()
endfunction()

# Every target defined under |dir|, recursively.
function(pn_apply_flags dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    pn_target_flags(${t})
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(d ${subdirs})
    pn_apply_flags(${d})
  endforeach()
endfunction()
