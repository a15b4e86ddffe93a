# How the external libraries that libwisp.a needs are named for its
# consumers: the CMake package that defines each imported target (for
# find_dependency in wispConfig.cmake) and the pkg-config module or linker
# flag that provides it (for wisp.pc's Requires.private / Libs.private).

# wisp_external_names(<out_packages> <out_pc_requires> <out_pc_libs> <item>...)
#   out_packages:    CMake packages to find, deduplicated
#   out_pc_requires: pkg-config modules, comma-separated
#   out_pc_libs:     linker flags, space-separated
function(wisp_external_names out_packages out_pc_requires out_pc_libs)
  set(packages "")
  set(requires "")
  set(libs "")
  foreach(item IN LISTS ARGN)
    if(item MATCHES "^absl::(.+)$")
      list(APPEND packages absl)
      list(APPEND requires "absl_${CMAKE_MATCH_1}")
    elseif(item STREQUAL "hwy::hwy")
      list(APPEND packages hwy)
      list(APPEND requires libhwy)
    elseif(item STREQUAL "hwy::hwy_contrib")
      list(APPEND packages hwy)
      list(APPEND requires libhwy-contrib)
    elseif(item STREQUAL "flatbuffers::flatbuffers")
      list(APPEND packages FlatBuffers)
      list(APPEND requires flatbuffers)
    elseif(item STREQUAL "Threads::Threads")
      list(APPEND packages Threads)
      list(APPEND libs -pthread)
    elseif(item MATCHES "^[a-z0-9_+]+$")
      # A plain library name such as stdc++ or m.
      list(APPEND libs "-l${item}")
    else()
      message(FATAL_ERROR "libwisp.a links ${item}, which cmake/"
              "WispExternalNames.cmake cannot name for consumers: add it there")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES packages)
  list(REMOVE_DUPLICATES requires)
  list(REMOVE_DUPLICATES libs)
  list(JOIN requires ", " requires)
  list(JOIN libs " " libs)
  set(${out_packages} ${packages} PARENT_SCOPE)
  set(${out_pc_requires} "${requires}" PARENT_SCOPE)
  set(${out_pc_libs} "${libs}" PARENT_SCOPE)
endfunction()
