# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Install rules: the engine library (static and shared), the reference
# driver (static, unless PN_LIB_ONLY), the headers, the p2pnoise command and
# its manual page (MANDIR/man1), a pkg-config file and a CMake package config
# exporting p2pnoise::p2pnoise (static), p2pnoise::p2pnoise_shared and
# p2pnoise::io. Included from the top level.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/p2pnoise)

set(pn_install_targets p2pnoise p2pnoise_shared)
set(pn_install_headers ${PROJECT_SOURCE_DIR}/engine/include/p2pnoise)
if(TARGET p2pnoise_io)
  list(APPEND pn_install_targets p2pnoise_io)
  list(APPEND pn_install_headers ${PROJECT_SOURCE_DIR}/io/include/p2pnoise)
  set_target_properties(p2pnoise_io PROPERTIES EXPORT_NAME io)
endif()
install(TARGETS ${pn_install_targets} EXPORT p2pnoiseTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET p2pnoise_cli)
  install(TARGETS p2pnoise_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/docs/p2pnoise.1
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
install(DIRECTORY ${pn_install_headers}
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

install(EXPORT p2pnoiseTargets NAMESPACE p2pnoise:: DESTINATION ${PN_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/p2pnoiseConfig.cmake.in
  ${PROJECT_BINARY_DIR}/p2pnoiseConfig.cmake INSTALL_DESTINATION ${PN_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/p2pnoiseConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/p2pnoiseConfig.cmake
              ${PROJECT_BINARY_DIR}/p2pnoiseConfigVersion.cmake
        DESTINATION ${PN_CMAKE_DIR})

# pkg-config: relocatable (prefix found from the .pc file's own place), so
# `cmake --install --prefix DIR` needs no reconfigure.
set(PN_PC_PREFIX "\${pcfiledir}")
string(REPLACE "/" ";" _pn_parts "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
foreach(_p IN LISTS _pn_parts)
  string(APPEND PN_PC_PREFIX "/..")
endforeach()
set(PN_PC_REQUIRES "libsodium")
if(PN_WITH_OPENSSL)
  string(APPEND PN_PC_REQUIRES " libcrypto")
endif()
if(PN_WITH_GCRYPT)
  string(APPEND PN_PC_REQUIRES " libgcrypt")
endif()
set(PN_PC_LIBS_PRIVATE "")
if(PN_WITH_DECAF)
  set(PN_PC_LIBS_PRIVATE "-ldecaf") # libdecaf ships no .pc file
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/p2pnoise.pc.in ${PROJECT_BINARY_DIR}/p2pnoise.pc
               @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/p2pnoise.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(TARGET p2pnoise_io)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/p2pnoise-io.pc.in
                 ${PROJECT_BINARY_DIR}/p2pnoise-io.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/p2pnoise-io.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# A test: install into a temporary prefix, build a consumer both ways.
if(PN_BUILD_TESTS AND TARGET p2pnoise_io)
  add_test(NAME install_consumer
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/install_test.sh ${PROJECT_BINARY_DIR}
                   ${CMAKE_C_COMPILER} "${PN_SANITIZE}")
  set_tests_properties(install_consumer PROPERTIES LABELS install TIMEOUT 300)
endif()
