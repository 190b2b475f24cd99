# The sans-IO engine: module unit tests, simulator scenarios, and the proof
# that the library references no socket, clock, thread or exit function.

pn_add_test(test_engine_units test_engine_units.c)
pn_add_test(test_engine test_engine.c sim.c)
target_include_directories(test_engine PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})

# 10,000 idle peers in one engine: memory per peer (not under valgrind).
add_executable(test_engine_scale test_engine_scale.c)
target_include_directories(test_engine_scale PRIVATE
                           ${PROJECT_SOURCE_DIR}/engine/src)
target_link_libraries(test_engine_scale PRIVATE p2pnoise)

add_test(NAME engine_units COMMAND test_engine_units)
add_test(NAME engine_scale COMMAND test_engine_scale 10000)
add_test(NAME engine_scenarios COMMAND test_engine)
set_tests_properties(engine_units engine_scenarios PROPERTIES TIMEOUT 900)

find_program(PN_NM NAMES nm llvm-nm)
if(PN_NM)
  add_test(NAME engine_sans_io_symbols
           COMMAND ${CMAKE_COMMAND} -DNM=${PN_NM} -DLIB=$<TARGET_FILE:p2pnoise>
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/engine_symbols.cmake.in)
  # The check itself must be able to fail: an archive whose engine.c.o calls
  # clock_gettime and printf.
  add_library(pn_sans_io_canary STATIC sans_io_canary/engine.c)
  add_test(NAME engine_sans_io_symbols_canary
           COMMAND ${CMAKE_COMMAND} -DNM=${PN_NM}
                   -DLIB=$<TARGET_FILE:pn_sans_io_canary>
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/engine_symbols.cmake.in)
  set_tests_properties(engine_sans_io_symbols_canary PROPERTIES
                       PASS_REGULAR_EXPRESSION "sans-IO violation.*clock_gettime")
endif()

if(COMMAND pn_add_valgrind_test)
  pn_add_valgrind_test(engine_units $<TARGET_FILE:test_engine_units>)
  pn_add_valgrind_test(engine_scenarios $<TARGET_FILE:test_engine>)
endif()
