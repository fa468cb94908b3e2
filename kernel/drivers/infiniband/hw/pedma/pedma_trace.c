// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pedma tracepoints: the one place they are defined (pedma_trace.h). */
#define CREATE_TRACE_POINTS
#include "pedma_trace.h"
