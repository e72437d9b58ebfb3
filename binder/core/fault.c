/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault guard: see fault.h.
 */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "fault.h"
#include "verbose.h"
#include "xreq.h"

/* frames of the backtrace kept (the handler's own included) */
#define BT_MAX 24
/* frames printed, from the faulting one */
#define BT_PRINT 10
/* room of the alternate signal stack: backtrace() unwinds on it */
#define ALTSTACK_SIZE (64 * 1024)

struct frame {
	struct frame *up;
	sigjmp_buf jmp;
	int depth;		/* fault_daemon_depth of the caller */
	int nbt;
	void *bt[BT_MAX];
};

static const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };

__thread int fault_daemon_depth;
static __thread struct frame *top;
static __thread void *altstack;
static int enabled;

const char *fault_signal_name(int signum, char buf[16])
{
	switch (signum) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	}
	snprintf(buf, 16, "signal %d", signum);
	return buf;
}

/*
 * The handler. Async-signal-safe: backtrace() was warmed up by fault_init
 * (its first call loads libgcc), the rest is plain memory and syscalls.
 */
static void on_fault(int sig, siginfo_t *si, void *ucontext)
{
	struct frame *f = top;
	struct sigaction dfl;
	/* raised by this thread's code (a fault, raise(), abort-like), not sent by another process */
	int own = si->si_code > 0 || (si->si_code == SI_TKILL && si->si_pid == getpid());

	if (f && fault_daemon_depth == 0 && own) {
		f->nbt = backtrace(f->bt, BT_MAX);
		siglongjmp(f->jmp, sig);
	}
	/* not binding code: die as without a handler, with a core */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	/* a fault happens again when the handler returns; a sent signal must be sent again */
	if (si->si_code <= 0)
		raise(sig);
}

int fault_thread_init(void)
{
	stack_t ss;

	if (!enabled || altstack)
		return 0;
	altstack = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (altstack == MAP_FAILED) {
		altstack = NULL;
		return -errno;
	}
	ss.ss_sp = altstack;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) < 0) {
		munmap(altstack, ALTSTACK_SIZE);
		altstack = NULL;
		return -errno;
	}
	return 0;
}

void fault_thread_exit(void)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (!altstack)
		return;
	sigaltstack(&ss, NULL);
	munmap(altstack, ALTSTACK_SIZE);
	altstack = NULL;
}

int fault_init(int enable)
{
	struct sigaction sa;
	void *warm[2];
	size_t i;

	if (!enable) {
		enabled = 0;
		return 0;
	}
	/* the first backtrace() loads the unwinder: never in the handler */
	backtrace(warm, 2);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof signals / sizeof *signals; i++)
		sigaddset(&sa.sa_mask, signals[i]);
	for (i = 0; i < sizeof signals / sizeof *signals; i++)
		if (sigaction(signals[i], &sa, NULL) < 0)
			return -errno;
	enabled = 1;
	return fault_thread_init();
}

int fault_enabled(void)
{
	return enabled;
}

/* Logs the fault: one message, the backtrace on its continuation lines. */
static void report(const struct fault_site *site, const char *what, const char *what_name, struct frame *f,
		   int sig)
{
	char name[16], text[2048], **symbols;
	size_t n = 0;
	int i, first;

	/* frame 0 is the handler, frame 1 the kernel's return trampoline */
	first = f->nbt > 2 ? 2 : f->nbt;
	symbols = f->nbt > first ? backtrace_symbols(f->bt + first, f->nbt - first) : NULL;
	text[0] = 0;
	for (i = 0; symbols && i < f->nbt - first && i < BT_PRINT && n < sizeof text; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "\n    #%d %s", i, symbols[i]);
	free(symbols);
	LOGE("binding %s: api %s: %s%s%s: signal %s caught, %s%s",
	     site && site->binding ? site->binding : "?", site && site->api ? site->api : "?",
	     what ? what : "?", what_name ? " " : "", what_name ? what_name : "", fault_signal_name(sig, name),
	     "the binding may now be in an inconsistent state; backtrace:", text[0] ? text : " none");
}

int fault_guard(const struct fault_site *site, const char *what, const char *what_name, struct xreq *xreq,
		void (*fn)(void *arg), void *arg)
{
	struct frame f;
	sigset_t set;
	char name[16];
	size_t i;
	int sig;

	if (!enabled) {
		fn(arg);
		return 0;
	}
	f.up = top;
	f.depth = fault_daemon_depth;
	f.nbt = 0;
	/* no mask saved: that costs a syscall per call; the handler's mask is undone below */
	sig = sigsetjmp(f.jmp, 0);
	if (sig == 0) {
		fault_daemon_depth = 0;
		top = &f;
		atomic_signal_fence(memory_order_seq_cst);
		fn(arg);
		atomic_signal_fence(memory_order_seq_cst);
		top = f.up;
		fault_daemon_depth = f.depth;
		return 0;
	}
	/* jumped out of the handler: the signals it blocked are still blocked */
	top = f.up;
	fault_daemon_depth = f.depth;
	sigemptyset(&set);
	for (i = 0; i < sizeof signals / sizeof *signals; i++)
		sigaddset(&set, signals[i]);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	report(site, what, what_name, &f, sig);
	if (xreq && !atomic_load(&xreq->replied))
		xreq_fail_f(xreq, "aborted", "signal %s caught", fault_signal_name(sig, name));
	return sig;
}
