/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tracing to the log: --tracereq, --traceditf, --traceevt, --tracesvc
 * and --traceses install hooks (hook.h) for every api whose records are
 * written as "HOOK: ..." lines (docs/web.md, "Tracing to the log").
 */
#pragma once

/*
 * Each argument is NULL or a level of its kind ("no", "common", "extra",
 * "all": the flag groups of the monitor api). Returns 0, or -EINVAL for
 * an unknown level, -ENOMEM.
 */
int tracelog_start(const char *req, const char *ditf, const char *evt, const char *svc, const char *ses);

/* Removes the hooks (at exit). */
void tracelog_stop(void);
