/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A limit on the CPU time of binding code that runs while the daemon
 * starts: the loading of a binding (its constructors, then its pre-init:
 * afbBindingV1Register, the v2 preinit, afbBindingV3entry or the v3
 * preinit), as the AGL binder limits the v3 pre-init to 60 s of CPU time
 * of its thread.
 *
 * While armed, a watchdog thread reads the CPU clock of the thread that
 * armed it; when that thread has used more than the limit, the watchdog
 * logs one ERROR naming the binding and what ran, and ends the process
 * with status 1 (_exit: the thread is still in the binding's code, nothing
 * can be freed safely), the same outcome as a pre-init that fails: the
 * daemon does not start. Only CPU time counts: a pre-init waiting (for a
 * device, a bus...) is not stopped (the service manager's start timeout
 * is there for that), as in the AGL binder.
 *
 * Not for run-time code: an api made while serving (afb_api_new_api) has
 * its pre-init called without a limit, as in the AGL binder.
 */
#pragma once

/* Sets the limit, in seconds of CPU time (0: none). Default 60. */
void cpulimit_set(int seconds);

/*
 * Arms the limit for the calling thread; 'binding' and 'what' name the
 * code for the log, and must stay valid until cpulimit_end. Not nested.
 * Returns 0, or -errno when the watchdog could not start (then nothing is
 * armed and the caller goes on without a limit).
 */
int cpulimit_begin(const char *binding, const char *what);

/* Disarms the limit armed by cpulimit_begin (if any). */
void cpulimit_end(void);
