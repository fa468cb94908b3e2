# libpedma as a provider of an rdma-core source tree, built exactly as the
# tree builds its own (rdma_provider(), the tree's driver.h, config.h and
# provider.map).  providers/pedma/build-in-rdma-core.sh makes the tree's
# providers/pedma/CMakeLists.txt include this file; nothing of ours is
# copied into the tree and nothing of the tree into this repository.
#
# Result: ${BUILD_LIB}/libpedma-rdmav${IBVERBS_PABI_VERSION}.so, linked
# against the tree's libibverbs at IBVERBS_PRIVATE_${IBVERBS_PABI_VERSION}.
# Release differences are handled in pedma_verbs_abi.h; the only probe of
# the tree needed here is for symbols added inside a PABI.

set(PEDMA_SRC_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(PEDMA_REPO_DIR ${PEDMA_SRC_DIR}/../.. ABSOLUTE)

rdma_provider(pedma
  ${PEDMA_SRC_DIR}/pedma.c
  ${PEDMA_SRC_DIR}/pedma_mr.c
  ${PEDMA_SRC_DIR}/pedma_cq.c
  ${PEDMA_SRC_DIR}/pedma_qp.c
  ${PEDMA_SRC_DIR}/pedma_srq.c
  ${PEDMA_SRC_DIR}/pedma_ah.c
  ${PEDMA_SRC_DIR}/pedma_fastpath.c)

set(pedma_target pedma-rdmav${IBVERBS_PABI_VERSION})
# After the tree's include directories: only rdma/pedma-abi.h lives there.
target_include_directories(${pedma_target} PRIVATE
  ${PEDMA_SRC_DIR} ${PEDMA_REPO_DIR}/include/uapi)
target_compile_definitions(${pedma_target} PRIVATE PEDMA_IN_RDMA_CORE)
# On top of the tree's own warnings (which are not errors by default).
target_compile_options(${pedma_target} PRIVATE -Wall -Wextra -Werror)

# __verbs_log() came in v37 without a PABI bump: is it exported here?
file(STRINGS ${CMAKE_SOURCE_DIR}/libibverbs/libibverbs.map.in
  pedma_verbs_log REGEX "^[ \t]*__verbs_log;")
if(pedma_verbs_log)
  target_compile_definitions(${pedma_target} PRIVATE PEDMA_HAVE_VERBS_LOG=1)
  set(pedma_log_state "yes")
else()
  set(pedma_log_state "no (log silent)")
endif()
message(STATUS "pedma: provider ${pedma_target} (rdma-core ${PACKAGE_VERSION}, "
  "IBVERBS_PRIVATE_${IBVERBS_PABI_VERSION}, __verbs_log ${pedma_log_state})")
