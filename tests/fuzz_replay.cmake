# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Fuzzing (issue 5): every harness is also built with the standalone replayer
# (fuzz/standalone_main.c), and ctest replays its checked-in seed corpus and
# every crash input ever kept, under whatever compiler and sanitizers this
# build uses. The harness list is fuzz/harnesses.txt.

include(${PROJECT_SOURCE_DIR}/fuzz/harnesses.cmake)
pn_fuzz_harnesses(pn_fuzz_replay_list)

foreach(entry ${pn_fuzz_replay_list})
  string(REPLACE ":" ";" f "${entry}")
  list(GET f 0 name)
  # A listed harness whose source is not written yet is skipped, not an error.
  if(NOT EXISTS ${PROJECT_SOURCE_DIR}/fuzz/fuzz_${name}.c)
    continue()
  endif()
  set(t fuzz_${name}_replay)
  add_executable(${t} ${PROJECT_SOURCE_DIR}/fuzz/fuzz_${name}.c
                      ${PROJECT_SOURCE_DIR}/fuzz/standalone_main.c
                      ${PN_FUZZ_SIM_SOURCES})
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz
                             ${PROJECT_SOURCE_DIR}/tests/support
                             ${PN_ENGINE_INTERNAL_DIRS})
  target_link_libraries(${t} PRIVATE p2pnoise_testhooks p2pnoise)
  foreach(kind corpus regressions)
    set(dir ${PROJECT_SOURCE_DIR}/fuzz/${kind}/${name})
    if(IS_DIRECTORY ${dir})
      add_test(NAME fuzz_${name}_${kind} COMMAND ${t} ${dir})
      set_tests_properties(fuzz_${name}_${kind} PROPERTIES LABELS "fuzz;quick"
                           TIMEOUT 300)
    endif()
  endforeach()
endforeach()

# The transparent AEAD itself (engine/crypto/crypto_fuzz.c), compiled on its own
# with PN_FUZZING_AEAD: round trip, tamper and nonce detection, rekey.
add_executable(fuzz_aead_selftest ${PROJECT_SOURCE_DIR}/fuzz/aead_selftest.c
                                  ${PROJECT_SOURCE_DIR}/engine/crypto/crypto_fuzz.c)
target_compile_definitions(fuzz_aead_selftest PRIVATE PN_FUZZING_AEAD=1)
target_include_directories(fuzz_aead_selftest PRIVATE
                           ${PROJECT_SOURCE_DIR}/engine/crypto
                           ${PROJECT_SOURCE_DIR}/engine/include)
add_test(NAME fuzz_aead_selftest COMMAND fuzz_aead_selftest)
set_tests_properties(fuzz_aead_selftest PROPERTIES LABELS "fuzz;quick")
