# ctest -P script: the provider exports nothing and imports libibverbs'
# private symbols only at version IBVERBS_PRIVATE_<PABI>.
#   cmake -DLIB=<libpedma-rdmav34.so> -DPABI=34 -DREADELF=<readelf>
#         [-DEXPECT=sym1,sym2,... -DIBVERBS=<libibverbs.so>] -P this
# With EXPECT, each listed symbol must be among those imports, and (with
# IBVERBS) the installed libibverbs must define it at that version.
cmake_policy(SET CMP0057 NEW)	# if(IN_LIST) in script mode
execute_process(COMMAND ${READELF} --dyn-syms -W ${LIB}
  OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf failed on ${LIB}")
endif()
string(REPLACE "\n" ";" lines "${syms}")
set(bad "")
set(imported "")
foreach(line IN LISTS lines)
  # Num: Value Size Type Bind Vis Ndx Name
  if(line MATCHES "^ *[0-9]+: +[0-9a-f]+ +[0-9]+ +[A-Z]+ +(GLOBAL|WEAK) +[A-Z]+ +([A-Z0-9]+) +([^ ]+)")
    set(ndx "${CMAKE_MATCH_2}")
    set(name "${CMAKE_MATCH_3}")
    if(NOT ndx STREQUAL "UND")
      list(APPEND bad "exported: ${name}")
    elseif(name MATCHES "^(verbs_|_verbs_|ibv_cmd_|execute_ioctl|__ioctl_final|__verbs_log)"
           AND NOT name MATCHES "@IBVERBS_PRIVATE_${PABI}$")
      list(APPEND bad "private symbol not at IBVERBS_PRIVATE_${PABI}: ${name}")
    elseif(name MATCHES "@IBVERBS_PRIVATE_${PABI}$")
      message(STATUS "imports ${name}")
      list(APPEND imported "${name}")
    endif()
  endif()
endforeach()
if(EXPECT)
  string(REPLACE "," ";" expect "${EXPECT}")
  set(defined "")
  if(IBVERBS)
    execute_process(COMMAND ${READELF} --dyn-syms -W ${IBVERBS}
      OUTPUT_VARIABLE libsyms RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "readelf failed on ${IBVERBS}")
    endif()
    string(REPLACE "\n" ";" liblines "${libsyms}")
    foreach(line IN LISTS liblines)
      if(line MATCHES "^ *[0-9]+: +[0-9a-f]+ +[0-9]+ +[A-Z]+ +(GLOBAL|WEAK) +[A-Z]+ +([A-Z0-9]+) +([^ @]+)@@?IBVERBS_PRIVATE_${PABI}$"
         AND NOT CMAKE_MATCH_2 STREQUAL "UND")
        list(APPEND defined "${CMAKE_MATCH_3}")
      endif()
    endforeach()
  endif()
  foreach(sym IN LISTS expect)
    if(NOT "${sym}@IBVERBS_PRIVATE_${PABI}" IN_LIST imported)
      list(APPEND bad "expected import missing: ${sym}@IBVERBS_PRIVATE_${PABI}")
    endif()
    if(IBVERBS AND NOT sym IN_LIST defined)
      list(APPEND bad "${IBVERBS} does not define ${sym}@@IBVERBS_PRIVATE_${PABI}")
    endif()
  endforeach()
  list(LENGTH expect nexpect)
  message(STATUS "all ${nexpect} expected private imports present")
endif()

if(bad)
  list(JOIN bad "\n  " msg)
  message(FATAL_ERROR "${LIB}:\n  ${msg}")
endif()
message(STATUS "${LIB}: exports nothing; private imports all at IBVERBS_PRIVATE_${PABI}")
