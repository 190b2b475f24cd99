# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Reference documentation: `cmake --build build --target docs` runs Doxygen
# over the public headers into build/docs/html/index.html and fails on any
# flaw (docs/check_docs.py: a Doxygen warning, or any public function, type,
# field, enumerator or macro without a description). Needs doxygen and
# python3 (scripts/install-deps.sh installs both). Included from the top level.
include_guard(GLOBAL)

find_program(PN_DOXYGEN doxygen)
find_package(Python3 COMPONENTS Interpreter)
if(NOT PN_DOXYGEN OR NOT Python3_FOUND)
  message(STATUS "p2pnoise: doxygen or python3 not found: no docs target")
  return()
endif()

set(PN_DOCS_OUT ${PROJECT_BINARY_DIR}/docs)
file(GLOB pn_docs_headers ${PROJECT_SOURCE_DIR}/engine/include/p2pnoise/*.h)
# The io layer's headers (io.h, sio.h), when it is part of the build.
file(GLOB pn_io_headers ${PROJECT_SOURCE_DIR}/io/include/p2pnoise/*.h)
list(APPEND pn_docs_headers ${pn_io_headers})
list(JOIN pn_docs_headers " " PN_DOCS_INPUT)
configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PN_DOCS_OUT}/Doxyfile @ONLY)
set(pn_docs_check ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/docs/check_docs.py
    --doxygen ${PN_DOXYGEN})
add_custom_target(docs
  COMMAND ${pn_docs_check} --doxyfile ${PN_DOCS_OUT}/Doxyfile --out ${PN_DOCS_OUT}
  DEPENDS ${pn_docs_headers} ${PROJECT_SOURCE_DIR}/docs/mainpage.md
  COMMENT "Reference documentation into ${PN_DOCS_OUT}/html"
  VERBATIM)

if(PN_BUILD_TESTS)
  # The check itself must be able to fail: a header with one flaw of each
  # kind, through the same configuration.
  set(PN_DOCS_INPUT "${PROJECT_SOURCE_DIR}/tests/docs/canary.h ${PROJECT_SOURCE_DIR}/tests/docs/canary_nofile.h")
  set(PN_DOCS_OUT ${PROJECT_BINARY_DIR}/docs-canary)
  configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PN_DOCS_OUT}/Doxyfile @ONLY)
  add_test(NAME docs_canary
           COMMAND ${pn_docs_check} --doxyfile ${PN_DOCS_OUT}/Doxyfile --out ${PN_DOCS_OUT}
                   --expect "pn_canary_function,pn_canary_field,pn_canary_type,PN_CANARY_ENUMERATOR,PN_CANARY_MACRO,pn_canary_undocumented_file,nope")
  add_test(NAME docs COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target docs)
  set_tests_properties(docs docs_canary PROPERTIES LABELS "docs;quick" TIMEOUT 120)
endif()
