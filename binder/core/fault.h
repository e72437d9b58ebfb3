/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault guard: binding code that faults fails its request, not the
 * daemon.
 *
 * Every place where the daemon calls binding code (verbs, init, event
 * handlers, jobs and timers a binding queued, callbacks of subcalls and
 * service calls, context create/free callbacks) calls it through
 * fault_guard(). When SIGSEGV, SIGBUS, SIGFPE or SIGILL is raised by that
 * code (or by a library it called, libc and json-c included), the signal
 * handler, running on the thread's alternate signal stack, jumps back
 * into fault_guard (siglongjmp), which:
 *  - logs one ERROR naming the binding, its api and what ran ("verb V",
 *    "init", "event handler"...), the signal, and a short backtrace;
 *  - fails the request given (status "aborted", info "signal SIGSEGV
 *    caught") unless it was already replied;
 *  - returns the signal number to its caller, which goes on as after an
 *    error of that code.
 *
 * Binding code vs daemon code. When binding code calls the daemon (the
 * afb_req/afb_daemon/afb_service/afb_event interfaces), the daemon's
 * function marks itself with FAULT_DAEMON_SCOPE: a fault there is a fault
 * of the daemon (it may hold its locks), which ends the process with a
 * core dump, as any fault outside binding code does (the handler restores
 * the default action and the fault is raised again). Binding code called
 * back by such a daemon function (a context's create callback...) runs
 * under a new fault_guard, nested.
 *
 * What is sane after a caught fault: the daemon holds no lock of its own
 * while binding code runs, and the job accounting, the loop lending of
 * jobs.c and the request's references are handled by the callers of
 * fault_guard after it returns, as for a normal return. What is not: the
 * state of the binding itself (its data may be half-updated, its own locks
 * held), the memory it allocated before the fault (leaked), the references
 * it took (a request it addref'ed stays alive), and a fault inside libc
 * while libc held a lock of its own (malloc's arena...) may leave that
 * lock held. docs/writing-bindings.md says so to binding writers.
 *
 * --no-sigcatch (fault_init(0)): no handler is installed; a fault ends the
 * process with its default action (core dump), for debugging.
 *
 * Threading: the frames and the daemon scope are per thread; every thread
 * that runs binding code under a guard must have called
 * fault_thread_init() (the worker threads of jobs.c and the main thread
 * do): it gives the thread an alternate signal stack, so that a stack
 * overflow is caught too.
 */
#pragma once

struct xreq;

/* Whose code runs: names for the log. Lives as long as the binding. */
struct fault_site {
	const char *binding;	/* the binding's file (NULL: unknown) */
	const char *api;	/* its api (NULL: none yet) */
};

/*
 * Once, in the main thread, before any other thread starts. 'enable' 0 is
 * --no-sigcatch. Also calls fault_thread_init for the main thread.
 * Returns 0 or -errno.
 */
int fault_init(int enable);

/* 1 when faults are caught (fault_init(1) was called). */
int fault_enabled(void);

/* Gives the calling thread its alternate signal stack. 0 or -errno. */
int fault_thread_init(void);
/* Frees it (the thread ends). */
void fault_thread_exit(void);

/*
 * Runs fn(arg), code of the binding 'site', doing 'what' ("verb", "init",
 * "event handler", "job"...) on 'name' (NULL: none), both for the log
 * only ("verb crash", "event handler hello/tick"). On a
 * fault, fails 'xreq' (may be NULL) with "aborted" as said above. Returns
 * 0 when fn returned, or the number of the signal caught.
 */
int fault_guard(const struct fault_site *site, const char *what, const char *name, struct xreq *xreq,
		void (*fn)(void *arg), void *arg);

/* "SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", or "signal N" for others (static storage for the four). */
const char *fault_signal_name(int signum, char buf[16]);

/* ---- daemon code called by binding code ---- */

extern __thread int fault_daemon_depth;

static inline int fault_daemon_enter_(void)
{
	return fault_daemon_depth++;
}

static inline void fault_daemon_leave_(int *depth)
{
	fault_daemon_depth = *depth;
}

/*
 * First statement of a daemon function that binding code calls: a fault
 * until the function returns is the daemon's (core dump), not the
 * binding's.
 */
#define FAULT_DAEMON_SCOPE \
	int fault_scope_ __attribute__((cleanup(fault_daemon_leave_), unused)) = fault_daemon_enter_()
