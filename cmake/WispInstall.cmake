# What `cmake --install` puts where (GNUInstallDirs), by component:
#   runtime      libwisp.so.0 and its versioned file
#   development  wisp.h, the libwisp.so link, libwisp.a, the CMake package
#                (lib/cmake/wisp) and wisp.pc (lib/pkgconfig)
#   cli          the wisp tool
#   convert      libwisp_convert.so and wisp/convert.h (ONNX conversion)
# Everything installed is relocatable: the CMake files and wisp.pc locate the
# prefix from their own path, and binaries find libwisp through $ORIGIN.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
include(${PROJECT_SOURCE_DIR}/cmake/WispExternalNames.cmake)

set(WISP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/wisp)

install(TARGETS wisp EXPORT wisp-shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
          NAMELINK_COMPONENT development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS wisp_static EXPORT wisp-static
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/wisp/wisp.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wisp COMPONENT development)

set_target_properties(wisp_cli PROPERTIES
  INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
install(TARGETS wisp_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  COMPONENT cli)

set_target_properties(wisp_convert_shared PROPERTIES EXPORT_NAME convert)
install(TARGETS wisp_convert_shared EXPORT wisp-convert
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT convert
          NAMELINK_COMPONENT convert
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/wisp/convert.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wisp COMPONENT convert)

# The CMake package: one targets file per component (wispConfig.cmake.in).
foreach(component shared static convert)
  if(component STREQUAL "convert")
    set(install_component convert)
  else()
    set(install_component development)
  endif()
  install(EXPORT wisp-${component} NAMESPACE wisp::
    FILE wisp-${component}-targets.cmake
    DESTINATION ${WISP_INSTALL_CMAKEDIR} COMPONENT ${install_component})
endforeach()

get_target_property(wisp_static_links wisp_static INTERFACE_LINK_LIBRARIES)
wisp_external_names(WISP_STATIC_PACKAGES WISP_PC_REQUIRES_PRIVATE
                    WISP_PC_LIBS_PRIVATE ${wisp_static_links})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wispConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/wispConfig.cmake
  INSTALL_DESTINATION ${WISP_INSTALL_CMAKEDIR})
# 0.x releases share SOVERSION 0, so any 0.y satisfies a request for 0.x.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/wispConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/wispConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/wispConfigVersion.cmake
  DESTINATION ${WISP_INSTALL_CMAKEDIR} COMPONENT development)

# wisp.pc finds the prefix relative to itself (${pcfiledir}).
file(RELATIVE_PATH WISP_PC_PREFIX_FROM_PCDIR
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" WISP_PC_PREFIX_FROM_PCDIR
  "${WISP_PC_PREFIX_FROM_PCDIR}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/wisp.pc.in
  ${PROJECT_BINARY_DIR}/cmake/wisp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/wisp.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
