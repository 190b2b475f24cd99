# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# A cmake -P script: proves the library's layers point one way.
#   cmake -DNM=nm -DORDER="crypto|noise|p2p" -DOBJS_<layer>="a.o|b.o"
#         -DSRC=engine/ -P layers.cmake
# ORDER lists the layers lowest first. It fails ("layer violation: ...") if an
# object of a layer references a symbol defined by a higher layer, or if a
# source file of a layer includes a project header that lives in a higher
# layer's folder (engine/<layer>/).
string(REPLACE "|" ";" order "${ORDER}")
list(LENGTH order nlayers)

# Symbols each layer defines.
foreach(layer ${order})
  string(REPLACE "|" ";" objs "${OBJS_${layer}}")
  if(NOT objs)
    message(FATAL_ERROR "no objects given for layer ${layer}")
  endif()
  set(OBJS_${layer} "${objs}")
  execute_process(COMMAND ${NM} -g --defined-only ${objs} OUTPUT_VARIABLE out
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm failed on layer ${layer}")
  endif()
  string(REGEX MATCHALL "[ \t][TDBRC][ \t]+[A-Za-z0-9_]+" defs "${out}")
  set(DEF_${layer} "")
  foreach(d ${defs})
    string(REGEX REPLACE ".*[ \t]" "" d "${d}")
    list(APPEND DEF_${layer} ${d})
  endforeach()
  file(GLOB HDR_${layer} RELATIVE ${SRC}/${layer} ${SRC}/${layer}/*.h)
endforeach()

# Adds "<before><layer><after>" to |bad| for each layer of |above| whose
# list <prefix><layer> (DEF_<layer>: the symbols it defines, HDR_<layer>: its
# headers) holds <name>.
function(flag_up prefix name before after)
  foreach(high ${above})
    list(FIND ${prefix}${high} "${name}" k)
    if(NOT k EQUAL -1)
      list(APPEND bad "${before}${high}${after}")
    endif()
  endforeach()
  set(bad "${bad}" PARENT_SCOPE)
endfunction()

set(bad "")
math(EXPR last "${nlayers} - 1")
foreach(i RANGE ${last})
  list(GET order ${i} low)
  # Everything above |low|.
  set(above "")
  math(EXPR next "${i} + 1")
  if(next LESS nlayers)
    foreach(j RANGE ${next} ${last})
      list(GET order ${j} high)
      list(APPEND above ${high})
    endforeach()
  endif()
  foreach(obj ${OBJS_${low}})
    get_filename_component(o ${obj} NAME)
    execute_process(COMMAND ${NM} -u ${obj} OUTPUT_VARIABLE out)
    string(REGEX MATCHALL "U[ \t]+[A-Za-z0-9_]+" uses "${out}")
    foreach(u ${uses})
      string(REGEX REPLACE "U[ \t]+" "" u "${u}")
      flag_up(DEF_ "${u}" "${low} (${o}) uses ${u} from " "")
    endforeach()
  endforeach()
  file(GLOB srcs ${SRC}/${low}/*.c ${SRC}/${low}/*.h)
  foreach(f ${srcs})
    get_filename_component(n ${f} NAME)
    file(STRINGS ${f} incs REGEX "^#include \"")
    foreach(inc ${incs})
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" h "${inc}")
      get_filename_component(h ${h} NAME)
      flag_up(HDR_ "${h}" "${low} (${n}) includes " "/${h}")
    endforeach()
  endforeach()
endforeach()

if(bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "layer violation: ${text}")
endif()
message(STATUS "layers ${ORDER}: no reference points up")
