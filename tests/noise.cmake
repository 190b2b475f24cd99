# Noise layer: the vector runner (acceptance test) and the failure-path tests.

pn_add_test(test_vectors ${PROJECT_SOURCE_DIR}/vectors/test_vectors.c)
pn_add_test(test_noise_failures test_noise_failures.c)

# The vector sources: the JSON folder (a relative path counts from the repo
# root, as CI gives ../shared/vectors) and flynn's file when it is installed.
set(pn_vector_paths "")
if(PN_VECTORS_DIR)
  get_filename_component(pn_vdir "${PN_VECTORS_DIR}" ABSOLUTE
                         BASE_DIR "${PROJECT_SOURCE_DIR}")
  if(IS_DIRECTORY "${pn_vdir}")
    list(APPEND pn_vector_paths "${pn_vdir}")
  else()
    message(WARNING "PN_VECTORS_DIR ${PN_VECTORS_DIR} is not a folder")
  endif()
endif()
if(PN_FLYNN_VECTORS AND EXISTS "${PN_FLYNN_VECTORS}")
  list(APPEND pn_vector_paths "${PN_FLYNN_VECTORS}")
endif()

# With no path at all the runner exits 77, which ctest reports as skipped.
add_test(NAME vectors COMMAND test_vectors ${pn_vector_paths})
# The libsodium-alone subset: the rest is skipped as unsupported.
add_test(NAME vectors_sodium COMMAND test_vectors --backend sodium
         ${pn_vector_paths})
set_tests_properties(vectors vectors_sodium PROPERTIES SKIP_RETURN_CODE 77
                     TIMEOUT 900)

add_test(NAME noise_failures COMMAND test_noise_failures)
set_tests_properties(noise_failures PROPERTIES TIMEOUT 300)

pn_add_valgrind_test(vectors $<TARGET_FILE:test_vectors> ${pn_vector_paths})
pn_add_valgrind_test(noise_failures $<TARGET_FILE:test_noise_failures>)
if(TEST valgrind_vectors)
  set_tests_properties(valgrind_vectors PROPERTIES SKIP_RETURN_CODE 77)
endif()
