# Finds what a self-contained libwisp.a is made of by walking the link
# dependencies of the C API's objects: wisp's own static libraries (whose
# objects go into the archive) and everything else they link (abseil,
# Highway, FlatBuffers, Threads), which consumers of the archive must link
# themselves. Walking the graph instead of listing libraries keeps the archive
# complete when a layer gains a dependency.

# wisp_static_parts(<out_internal> <out_external> <target>...)
#   out_internal: wisp's own static library targets reachable from <target>s
#   out_external: the other link items they use, deduplicated, in link order
function(wisp_static_parts out_internal out_external)
  set(internal "")
  set(external "")
  set(pending ${ARGN})
  while(pending)
    list(POP_FRONT pending item)
    # A static library's private dependencies appear as $<LINK_ONLY:x>.
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
    if(TARGET ${item})
      get_target_property(imported ${item} IMPORTED)
      get_target_property(type ${item} TYPE)
    else()
      set(imported TRUE)
      set(type "")
    endif()
    if(NOT imported AND type MATCHES "^(STATIC|OBJECT)_LIBRARY$")
      if(NOT item IN_LIST internal)
        list(APPEND internal ${item})
        get_target_property(deps ${item} LINK_LIBRARIES)
        if(deps)
          list(APPEND pending ${deps})
        endif()
      endif()
    elseif(NOT imported)
      message(FATAL_ERROR "libwisp.a cannot bundle ${item} (${type})")
    elseif(NOT item IN_LIST external)
      list(APPEND external ${item})
    endif()
  endwhile()
  set(${out_internal} ${internal} PARENT_SCOPE)
  set(${out_external} ${external} PARENT_SCOPE)
endfunction()
