/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afbtest: what the parts of the harness share.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

void *afbt_xmalloc(size_t size);
char *afbt_vfmt(const char *fmt, va_list ap);
char *afbt_mkdtemp(void);
void afbt_tempdirs_remove(void);

/* Kills (SIGKILL) every daemon still running and reaps it. */
void afbt_daemons_kill(void);
/* Installs the SIGTERM/SIGINT/SIGHUP handlers that kill the daemons. */
void afbt_signals_init(void);

/*
 * After a failed check: prints the whole log of the daemons that died (once)
 * and the last lines of the log of the others.
 */
void afbt_daemons_report(void);
