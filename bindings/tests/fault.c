/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fault: test binding that faults on purpose (tests/test-fault.c).
 *
 * Verbs (api "fault"):
 *  - ping: success;
 *  - open, action, close: the DemoContext sample of 2016: open makes the
 *    session's context, close drops it, action increments a counter in
 *    it, dereferencing NULL when there is none (action after close);
 *  - segv, fpe, bus, ill: raise that fault for real (NULL write, integer
 *    division by zero, access to a page of a truncated file, trap);
 *  - overflow: unbounded recursion (stack overflow: SIGSEGV on the
 *    alternate signal stack);
 *  - daemon: hands the daemon a bad pointer, so that the daemon faults in
 *    its own code (the process must die with a core);
 *  - job: queues a job that faults; the daemon calls it again with the
 *    signal number, recorded; replies at once;
 *  - jobsig: {"signum": the number the job got on its second call};
 *  - subcall: subcalls fault/ping with a callback that faults;
 *  - broadcast (arg name): broadcasts fault/NAME; the binding's own event
 *    handler faults on events named "fault/crash";
 *  - timer (arg ms): has the binding's event loop arm a timer whose
 *    callback faults (the verb writes to an eventfd watched by the loop
 *    since init: sources are added from the loop's callbacks only);
 *    replies at once;
 *  - events: how many events the handler received.
 * With FAULT_IN_INIT=1 in the environment, afbBindingV1ServiceInit faults.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include <json-c/json.h>
#include <systemd/sd-event.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;
static atomic_int job_signum = -1;
static atomic_int events_received;

struct demo_context {
	int count;
};

/*
 * The functions that fault on purpose: the undefined-behaviour sanitizer
 * would stop the process before the fault happens.
 */
#define FAULTY __attribute__((no_sanitize("undefined"), noinline))

/* the compiler must not see through these */
static int *volatile null_pointer;
static volatile int zero;

static void ping(struct afb_req req)
{
	afb_req_success(req, NULL, "pong");
}

static void open_ctx(struct afb_req req)
{
	struct demo_context *ctx = calloc(1, sizeof *ctx);

	afb_req_context_set(req, ctx, free);
	afb_req_success(req, NULL, NULL);
}

static void close_ctx(struct afb_req req)
{
	afb_req_context_set(req, NULL, NULL);
	afb_req_success(req, NULL, NULL);
}

/* the bug of the 2016 sample: no check that the context exists */
FAULTY
static void action(struct afb_req req)
{
	struct demo_context *ctx = afb_req_context_get(req);

	ctx->count++;
	afb_req_success(req, json_object_new_int(ctx->count), NULL);
}

FAULTY
static void segv(struct afb_req req)
{
	*null_pointer = 1;
	afb_req_success(req, NULL, "not reached");
}

/* a real division fault, out of reach of the undefined-behaviour sanitizer */
FAULTY
static int divide(int a, int b)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile ("cltd; idivl %2" : "+a"(a) : "a"(a), "r"(b) : "edx", "cc");
	return a;
#else
	if (!b)
		raise(SIGFPE);
	return a / b;
#endif
}

static void fpe(struct afb_req req)
{
	afb_req_success(req, json_object_new_int(divide(1, zero)), "not reached");
}

/* reading a mapped page past the end of its file (here empty) raises SIGBUS */
static void bus(struct afb_req req)
{
	char path[] = "/tmp/afb-fault-XXXXXX";
	volatile char *map;
	int fd = mkstemp(path);

	if (fd < 0) {
		afb_req_fail(req, "failed", "no temporary file");
		return;
	}
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	unlink(path);
	if (map == MAP_FAILED) {
		afb_req_fail(req, "failed", "no mapping");
		return;
	}
	afb_req_success(req, json_object_new_int(map[0]), "not reached");
}

static void ill(struct afb_req req)
{
	__builtin_trap();
}

/* recursion without end, as the compiler cannot prove */
static volatile int depth_limit = -1;

FAULTY
static int recurse(volatile char *up, int depth)
{
	volatile char pad[1024];

	pad[0] = up ? up[0] : 1;
	if (depth == depth_limit)
		return 0;
	return recurse(pad, depth + 1) + pad[1];
}

static void overflow(struct afb_req req)
{
	afb_req_success(req, json_object_new_int(recurse(NULL, 0)), "not reached");
}

/* the daemon gets a pointer that is not a json object: it faults in its own code */
FAULTY
static void daemon_fault(struct afb_req req)
{
	afb_req_success(req, (struct json_object *)(uintptr_t)16, NULL);
}

FAULTY
static void job_cb(int signum, void *arg)
{
	if (!signum)
		*null_pointer = 2;
	atomic_store(&job_signum, signum);
}

static void job(struct afb_req req)
{
	atomic_store(&job_signum, -1);
	if (afb_daemon_queue_job(afbitf->daemon, job_cb, NULL, NULL, 0) < 0)
		afb_req_fail(req, "failed", "queue_job failed");
	else
		afb_req_success(req, NULL, NULL);
}

static void jobsig(struct afb_req req)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "signum", json_object_new_int(atomic_load(&job_signum)));
	afb_req_success(req, o, NULL);
}

FAULTY
static void subcall_cb(void *closure, int status, struct json_object *result)
{
	*null_pointer = 3;
}

static void subcall(struct afb_req req)
{
	afb_req_subcall(req, "fault", "ping", NULL, subcall_cb, NULL);
}

static void broadcast(struct afb_req req)
{
	const char *name = afb_req_value(req, "name");

	afb_daemon_broadcast_event(afbitf->daemon, name ? name : "crash", NULL);
	afb_req_success(req, NULL, NULL);
}

static int kick_fd = -1;

FAULTY
static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	*null_pointer = 4;
	return 0;
}

/* in the loop: arms a timer of the milliseconds written */
static int on_kick(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	uint64_t ms, now;
	sd_event *loop = sd_event_source_get_event(s);

	if (read(fd, &ms, sizeof ms) != sizeof ms)
		return 0;
	sd_event_now(loop, CLOCK_MONOTONIC, &now);
	sd_event_add_time(loop, NULL, CLOCK_MONOTONIC, now + ms * 1000, 0, on_timer, NULL);
	return 0;
}

static void timer(struct afb_req req)
{
	const char *arg = afb_req_value(req, "ms");
	uint64_t ms = arg ? (uint64_t)atoi(arg) : 10;

	if (kick_fd < 0 || write(kick_fd, &ms, sizeof ms) != sizeof ms)
		afb_req_fail(req, "failed", "no loop");
	else
		afb_req_success(req, NULL, NULL);
}

static void events(struct afb_req req)
{
	afb_req_success(req, json_object_new_int(atomic_load(&events_received)), NULL);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "ping",      .session = AFB_SESSION_NONE, .callback = ping,         .info = "success" },
	{ .name = "open",      .session = AFB_SESSION_NONE, .callback = open_ctx,     .info = "makes the context" },
	{ .name = "close",     .session = AFB_SESSION_NONE, .callback = close_ctx,    .info = "drops the context" },
	{ .name = "action",    .session = AFB_SESSION_NONE, .callback = action,       .info = "uses the context (NULL after close)" },
	{ .name = "segv",      .session = AFB_SESSION_NONE, .callback = segv,         .info = "SIGSEGV" },
	{ .name = "fpe",       .session = AFB_SESSION_NONE, .callback = fpe,          .info = "SIGFPE" },
	{ .name = "bus",       .session = AFB_SESSION_NONE, .callback = bus,          .info = "SIGBUS" },
	{ .name = "ill",       .session = AFB_SESSION_NONE, .callback = ill,          .info = "SIGILL" },
	{ .name = "overflow",  .session = AFB_SESSION_NONE, .callback = overflow,     .info = "stack overflow" },
	{ .name = "daemon",    .session = AFB_SESSION_NONE, .callback = daemon_fault, .info = "the daemon faults" },
	{ .name = "job",       .session = AFB_SESSION_NONE, .callback = job,          .info = "a job that faults" },
	{ .name = "jobsig",    .session = AFB_SESSION_NONE, .callback = jobsig,       .info = "signal given to the job" },
	{ .name = "subcall",   .session = AFB_SESSION_NONE, .callback = subcall,      .info = "a subcall callback that faults" },
	{ .name = "broadcast", .session = AFB_SESSION_NONE, .callback = broadcast,    .info = "broadcasts fault/NAME" },
	{ .name = "timer",     .session = AFB_SESSION_NONE, .callback = timer,        .info = "a timer that faults" },
	{ .name = "events",    .session = AFB_SESSION_NONE, .callback = events,       .info = "events received" },
	{ .name = NULL }
};

static const struct afb_binding binding = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = { .info = "faults on purpose", .prefix = "fault", .verbs = verbs }
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding;
}

FAULTY
int afbBindingV1ServiceInit(struct afb_service service)
{
	const char *in_init = getenv("FAULT_IN_INIT");

	if (in_init && !strcmp(in_init, "1"))
		*null_pointer = 5;
	kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (kick_fd < 0 || sd_event_add_io(afb_daemon_get_event_loop(afbitf->daemon), NULL, kick_fd, EPOLLIN,
					   on_kick, NULL) < 0)
		return -1;
	return 0;
}

FAULTY
void afbBindingV1ServiceEvent(const char *event, struct json_object *object)
{
	atomic_fetch_add(&events_received, 1);
	if (!strcmp(event, "fault/crash"))
		*null_pointer = 6;
}
