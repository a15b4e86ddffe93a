# Installs a build into a fresh prefix and uses it like an application does:
# checks the installed files (versioned SONAME, links, relocatable package
# files without paths into the build or source tree), builds the C sample
# and a version check against the package with CMake's find_package (shared
# and static targets) and with pkg-config (shared, and --static for
# libwisp.a), and runs every program and the installed `wisp` tool on the
# default model: each must print llama2.c's greedy continuation
# (greedy.json).
#   cmake -DBUILD_DIR= -DSOURCE_DIR= -DWORK_DIR= -DLIBDIR= -DVERSION=
#         -DMODEL= -DGREEDY_JSON= -DC_COMPILER= -P check_install.cmake
cmake_minimum_required(VERSION 3.22)

set(prefix ${WORK_DIR}/prefix)
set(libdir ${prefix}/${LIBDIR})
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# Runs a command; fails the test with its output unless it succeeds.
function(run out_var)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "${command}\nexited with ${rc}:\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

function(expect_equal what actual expected)
  if(NOT actual STREQUAL expected)
    message(FATAL_ERROR "${what}:\n  got      '${actual}'\n"
            "  expected '${expected}'")
  endif()
endfunction()

run(_ ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# The files, the library's name chain and its SONAME.
string(REGEX MATCH "^[0-9]+" soversion "${VERSION}")
foreach(file include/wisp/wisp.h include/wisp/convert.h bin/wisp
        ${LIBDIR}/libwisp.so.${VERSION} ${LIBDIR}/libwisp.a
        ${LIBDIR}/libwisp_convert.so.${VERSION}
        ${LIBDIR}/pkgconfig/wisp.pc ${LIBDIR}/cmake/wisp/wispConfig.cmake
        ${LIBDIR}/cmake/wisp/wispConfigVersion.cmake)
  if(NOT EXISTS ${prefix}/${file} OR IS_SYMLINK ${prefix}/${file})
    message(FATAL_ERROR "not installed as a file: ${file}")
  endif()
endforeach()
foreach(link_target IN ITEMS "libwisp.so.${soversion}:libwisp.so.${VERSION}"
                             "libwisp.so:libwisp.so.${soversion}")
  string(REPLACE ":" ";" link_target "${link_target}")
  list(GET link_target 0 link)
  list(GET link_target 1 target)
  if(NOT IS_SYMLINK ${libdir}/${link})
    message(FATAL_ERROR "${link} is not a symbolic link")
  endif()
  file(READ_SYMLINK ${libdir}/${link} points_to)
  expect_equal("${link} points to" "${points_to}" "${target}")
endforeach()
run(dump objdump -p ${libdir}/libwisp.so.${VERSION})
string(REGEX MATCH "SONAME +([^\n]+)" _ "${dump}")
expect_equal("SONAME" "${CMAKE_MATCH_1}" "libwisp.so.${soversion}")

# Nothing installed may point into the build or source tree: package files
# locate the prefix from where they are, binaries find libwisp via $ORIGIN.
function(expect_no_tree what text)
  foreach(tree ${BUILD_DIR} ${SOURCE_DIR})
    string(FIND "${text}" "${tree}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${what} names the tree ${tree}:\n${text}")
    endif()
  endforeach()
endfunction()
file(GLOB_RECURSE package_files ${libdir}/cmake/* ${libdir}/pkgconfig/*)
foreach(file IN LISTS package_files)
  file(READ ${file} text)
  expect_no_tree(${file} "${text}")
endforeach()
foreach(binary bin/wisp ${LIBDIR}/libwisp.so.${VERSION}
               ${LIBDIR}/libwisp_convert.so.${VERSION})
  run(dynamic readelf -d ${prefix}/${binary})
  string(REGEX MATCHALL "(RPATH|RUNPATH)[^\n]*" paths "${dynamic}")
  expect_no_tree("the search path of ${binary}" "${paths}")
endforeach()

# What every program must print.
file(READ ${GREEDY_JSON} greedy)
string(JSON prompt GET "${greedy}" prompt)
string(JSON greedy_text GET "${greedy}" text)
string(JSON n_generated LENGTH "${greedy}" generated_ids)
set(expected_generation "${greedy_text}\n")

# Runs the built programs of one way of linking; `static` ones must not
# need libwisp.so.
function(check_programs way generate version static)
  run(out ${generate} ${MODEL} "${prompt}" ${n_generated})
  expect_equal("${way}: generated text" "${out}" "${expected_generation}")
  # Exits non-zero if the header's and the library's API versions differ.
  run(out ${version})
  if(NOT out MATCHES "^wisp ${VERSION} api [0-9]+\\.[0-9]+\n$")
    message(FATAL_ERROR "${way}: version printed '${out}'")
  endif()
  run(dynamic readelf -d ${generate})
  string(FIND "${dynamic}" "[libwisp.so" at)
  if(static AND NOT at EQUAL -1)
    message(FATAL_ERROR "${way}: ${generate} needs libwisp.so:\n${dynamic}")
  elseif(NOT static AND at EQUAL -1)
    message(FATAL_ERROR "${way}: ${generate} does not use libwisp.so")
  endif()
  message(STATUS "${way}: ok")
endfunction()

# CMake: find_package(wisp) from the prefix.
set(consumer ${WORK_DIR}/cmake-consumer)
run(configured ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer
    -B ${consumer} -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_C_COMPILER=${C_COMPILER}
    -DWISP_SAMPLE_SOURCE=${SOURCE_DIR}/samples/c_generate/main.c)
string(FIND "${configured}" "wisp_DIR: ${libdir}/cmake/wisp" at)
if(at EQUAL -1)
  message(FATAL_ERROR "find_package did not find the fresh install:\n${configured}")
endif()
run(_ ${CMAKE_COMMAND} --build ${consumer})
foreach(kind shared static)
  set(static FALSE)
  if(kind STREQUAL "static")
    set(static TRUE)
  endif()
  check_programs("find_package ${kind}"
                 ${consumer}/generate_${kind} ${consumer}/version_${kind}
                 ${static})
endforeach()
run(out ${consumer}/convert_params)

# pkg-config: `cc ... $(pkg-config --cflags --libs wisp)`. The linker takes
# libwisp.so over libwisp.a when both are there, so the static link asks for
# the archive by name (-l:libwisp.a) with --static's private libraries.
set(pkg_config ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${libdir}/pkgconfig
    pkg-config)
run(modversion ${pkg_config} --modversion wisp)
expect_equal("pkg-config --modversion" "${modversion}" "${VERSION}\n")
run(cflags ${pkg_config} --cflags wisp)
run(shared_libs ${pkg_config} --libs wisp)
run(static_libs ${pkg_config} --static --libs wisp)
separate_arguments(cflags UNIX_COMMAND "${cflags}")
separate_arguments(shared_libs UNIX_COMMAND "${shared_libs}")
separate_arguments(static_libs UNIX_COMMAND "${static_libs}")
list(TRANSFORM static_libs REPLACE "^-lwisp$" "-l:libwisp.a")
set(pc_dir ${WORK_DIR}/pkg-config-consumer)
file(MAKE_DIRECTORY ${pc_dir})
foreach(kind shared static)
  set(static FALSE)
  set(libs ${shared_libs} -Wl,-rpath,${libdir})
  if(kind STREQUAL "static")
    set(static TRUE)
    set(libs ${static_libs})
  endif()
  foreach(program generate version)
    if(program STREQUAL "generate")
      set(source ${SOURCE_DIR}/samples/c_generate/main.c)
    else()
      set(source ${SOURCE_DIR}/tests/install/consumer/version.c)
    endif()
    run(_ ${C_COMPILER} ${cflags} ${source} -o ${pc_dir}/${program}_${kind}
        ${libs})
  endforeach()
  check_programs("pkg-config ${kind}" ${pc_dir}/generate_${kind}
                 ${pc_dir}/version_${kind} ${static})
endforeach()

# The installed tool, which finds libwisp through its RUNPATH ($ORIGIN).
run(out ${prefix}/bin/wisp generate -m ${MODEL} -p "${prompt}"
    -n ${n_generated} --temperature 0)
expect_equal("installed wisp generate" "${out}" "${expected_generation}")
message(STATUS "installed wisp: ok")
