# Crypto layer: HMAC/HKDF, the backends against each other, and Wycheproof.

find_package(Threads REQUIRED)

pn_add_test(test_crypto test_crypto.c)
target_link_libraries(test_crypto PRIVATE Threads::Threads)
add_test(NAME crypto COMMAND test_crypto)
set_tests_properties(crypto PROPERTIES TIMEOUT 300)

# Wycheproof lives in PN_VECTORS_DIR/wycheproof (a relative PN_VECTORS_DIR
# counts from the repo root). Without it the runner exits 77: skipped.
pn_add_test(test_wycheproof test_wycheproof.c)
set(pn_wycheproof_dir "")
if(PN_VECTORS_DIR)
  get_filename_component(pn_wycheproof_dir "${PN_VECTORS_DIR}" ABSOLUTE
                         BASE_DIR "${PROJECT_SOURCE_DIR}")
endif()
add_test(NAME wycheproof COMMAND test_wycheproof ${pn_wycheproof_dir})
set_tests_properties(wycheproof PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
pn_add_valgrind_test(crypto $<TARGET_FILE:test_crypto>)
pn_add_valgrind_test(wycheproof $<TARGET_FILE:test_wycheproof> ${pn_wycheproof_dir})
if(TEST valgrind_wycheproof)
  set_tests_properties(valgrind_wycheproof PROPERTIES SKIP_RETURN_CODE 77)
endif()
