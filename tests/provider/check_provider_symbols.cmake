# ctest -P script: the provider exports nothing and imports libibverbs'
# private symbols only at version IBVERBS_PRIVATE_<PABI>.
#   cmake -DLIB=<libpedma-rdmav34.so> -DPABI=34 -DREADELF=<readelf> -P this
execute_process(COMMAND ${READELF} --dyn-syms -W ${LIB}
  OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf failed on ${LIB}")
endif()
string(REPLACE "\n" ";" lines "${syms}")
set(bad "")
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
    endif()
  endif()
endforeach()
if(bad)
  list(JOIN bad "\n  " msg)
  message(FATAL_ERROR "${LIB}:\n  ${msg}")
endif()
message(STATUS "${LIB}: exports nothing; private imports all at IBVERBS_PRIVATE_${PABI}")
