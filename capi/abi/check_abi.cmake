# Compares the C ABI of the built libraries and the public headers with the
# committed description, capi/abi/wisp_abi.txt (see capi/abi/README.md).
#   cmake -DWISP_LIB=libwisp.so -DCONVERT_LIB=libwisp_convert.so
#         -DC_COMPILER=cc -DWORK_DIR=dir -P check_abi.cmake
# With the environment variable WISP_ABI_UPDATE=1 (scripts/update_abi.sh) it
# rewrites the committed description instead, but only once
# WISP_API_VERSION in wisp.h has been bumped as the change requires.
cmake_minimum_required(VERSION 3.22)
include(${CMAKE_CURRENT_LIST_DIR}/describe_abi.cmake)

set(committed_file ${CMAKE_CURRENT_LIST_DIR}/wisp_abi.txt)
set(current_file ${WORK_DIR}/wisp_abi.txt)
get_filename_component(include_dir ${CMAKE_CURRENT_LIST_DIR}/../../include
                       ABSOLUTE)
wisp_describe_abi(OUTPUT ${current_file} INCLUDE_DIR ${include_dir}
  HEADERS wisp/wisp.h wisp/convert.h LIBRARIES ${WISP_LIB} ${CONVERT_LIB}
  C_COMPILER ${C_COMPILER} WORK_DIR ${WORK_DIR})

# The description as a list of lines, without comments and blank lines.
function(read_lines file out)
  file(STRINGS ${file} lines REGEX "^[^#]")
  set(${out} ${lines} PARENT_SCOPE)
endfunction()

read_lines(${current_file} current)

# Every function the headers declare is exported, and nothing else is.
set(declared "")
set(exported "")
foreach(line IN LISTS current)
  if(line MATCHES "^WISP_API .*[ *]([a-z0-9_]+)\\(")
    list(APPEND declared ${CMAKE_MATCH_1})
  elseif(line MATCHES "^([A-Za-z0-9_]+) [A-Za-z]$")
    list(APPEND exported ${CMAKE_MATCH_1})
  endif()
endforeach()
set(unexported ${declared})
set(undeclared ${exported})
if(exported AND declared)
  list(REMOVE_ITEM unexported ${exported})
  list(REMOVE_ITEM undeclared ${declared})
endif()
if(unexported OR undeclared)
  message(FATAL_ERROR "The headers and the libraries disagree.\n"
          "Declared but not exported: ${unexported}\n"
          "Exported but not declared: ${undeclared}")
endif()

if(NOT EXISTS ${committed_file})
  set(committed "")
else()
  read_lines(${committed_file} committed)
endif()

function(api_version lines out_major out_minor)
  set(${out_major} -1 PARENT_SCOPE)
  set(${out_minor} -1 PARENT_SCOPE)
  foreach(line IN LISTS lines)
    if(line MATCHES "^api_version ([0-9]+)\\.([0-9]+)$")
      set(${out_major} ${CMAKE_MATCH_1} PARENT_SCOPE)
      set(${out_minor} ${CMAKE_MATCH_2} PARENT_SCOPE)
    endif()
  endforeach()
endfunction()
api_version("${committed}" old_major old_minor)
api_version("${current}" new_major new_minor)

# Types that cross the boundary by value in either description: the return
# type of a function or callback, and parameters without a '*'. The caller's
# copy of such a struct has the size and layout it was built with (and on
# x86-64 a 16-byte struct comes back in registers, a 24-byte one through a
# hidden pointer), so any change to it is incompatible: a params struct
# returned by value never changes size, and new options get functions.
set(by_value "")
foreach(line IN LISTS committed current)
  # (Two ifs: an OR evaluates both matches, and the failing one clears
  # CMAKE_MATCH_1.)
  if(line MATCHES "^WISP_API ([A-Za-z0-9_]+) [A-Za-z0-9_]+\\(")
    list(APPEND by_value ${CMAKE_MATCH_1})
  endif()
  if(line MATCHES "^typedef ([A-Za-z0-9_]+) ?\\(\\*")
    list(APPEND by_value ${CMAKE_MATCH_1})
  endif()
  if(line MATCHES "^(WISP_API|typedef) .*\\(([^()]*)\\)$")
    string(REPLACE ", " ";" params "${CMAKE_MATCH_2}")
    foreach(param IN LISTS params)
      if(param MATCHES "^(const )?([A-Za-z0-9_]+) [A-Za-z0-9_]+$")
        list(APPEND by_value ${CMAKE_MATCH_2})
      endif()
    endforeach()
  endif()
endforeach()
list(REMOVE_DUPLICATES by_value)

# Lines that went away make the change incompatible, except the size line of
# a struct passed by pointer that grew: fields are only appended and the
# library reads struct_size bytes, so a bigger struct is compatible (its old
# fields' lines are all still there, or they count as removed). A struct
# that crosses by value may not change at all, not even by fields added in
# its tail padding.
set(removed ${committed})
set(added ${current})
if(committed)
  list(REMOVE_ITEM removed ${current})
  list(REMOVE_ITEM added ${committed})
endif()
list(FILTER removed EXCLUDE REGEX "^api_version ")
list(FILTER added EXCLUDE REGEX "^api_version ")
set(incompatible "")
set(by_value_changed "")
foreach(line IN LISTS removed)
  if(line MATCHES "^struct ([a-z0-9_]+) size ([0-9]+) ")
    set(struct ${CMAKE_MATCH_1})
    set(old_size ${CMAKE_MATCH_2})
    if(struct IN_LIST by_value)
      list(APPEND by_value_changed ${struct})
    else()
      set(grown ${added})
      list(FILTER grown INCLUDE REGEX "^struct ${struct} size ")
      if(grown MATCHES " size ([0-9]+) " AND CMAKE_MATCH_1 GREATER old_size)
        continue()
      endif()
    endif()
  endif()
  list(APPEND incompatible "${line}")
endforeach()
foreach(line IN LISTS added)
  if(line MATCHES "^ *([a-z0-9_]+)\\.[a-z0-9_]+ offset ")
    set(struct ${CMAKE_MATCH_1})
    set(existed ${committed})
    list(FILTER existed INCLUDE REGEX "^struct ${struct} size ")
    if(struct IN_LIST by_value AND existed)
      list(APPEND incompatible "${line}")
      list(APPEND by_value_changed ${struct})
    endif()
  endif()
endforeach()
if(by_value_changed)
  list(REMOVE_DUPLICATES by_value_changed)
  list(JOIN by_value_changed ", " names)
  string(CONCAT by_value_note "\nChanged, though a function returns or "
         "takes it by value (its callers' copy keeps the old layout): "
         "${names}. Leave it as it was and give new options functions of "
         "their own.")
else()
  set(by_value_note "")
endif()

if(incompatible)
  set(kind "an incompatible change (lines removed or changed)")
  set(bump "WISP_API_VERSION_MAJOR in include/wisp/wisp.h (and WISP_SOVERSION in CMakeLists.txt)")
  if(new_major GREATER old_major)
    set(bumped TRUE)
  endif()
elseif(added)
  set(kind "a compatible addition")
  set(bump "WISP_API_VERSION_MINOR in include/wisp/wisp.h")
  if(new_major GREATER old_major OR
     (new_major EQUAL old_major AND new_minor GREATER old_minor))
    set(bumped TRUE)
  endif()
elseif(NOT new_major EQUAL old_major OR NOT new_minor EQUAL old_minor)
  set(kind "a new WISP_API_VERSION")
  set(bump "")
  set(bumped TRUE)
else()
  message(STATUS "The C ABI matches ${committed_file}")
  return()
endif()

if("$ENV{WISP_ABI_UPDATE}" STREQUAL "1")
  if(NOT bumped AND EXISTS ${committed_file})
    message(FATAL_ERROR "The C ABI shows ${kind}: bump ${bump} first "
            "(now ${new_major}.${new_minor}), rebuild, and run this again.")
  endif()
  file(COPY_FILE ${current_file} ${committed_file})
  message(STATUS "Updated ${committed_file} (${kind}): commit it.")
  return()
endif()

execute_process(COMMAND diff -u ${committed_file} ${current_file}
                OUTPUT_VARIABLE diff)
if(bump)
  set(bump_advice "bump ${bump}, ")
else()
  set(bump_advice "")
endif()
message(FATAL_ERROR "${diff}\n"
  "The C ABI differs from capi/abi/wisp_abi.txt: ${kind}.${by_value_note}\n"
  "If the change is deliberate, ${bump_advice}rebuild and run "
  "scripts/update_abi.sh BUILD_DIR, then commit capi/abi/wisp_abi.txt. "
  "If it is not, the change above broke programs built against wisp.")
