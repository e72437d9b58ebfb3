/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault guard (core/fault.h): a binding that faults fails its request
 * with "aborted" and the daemon goes on; a fault of the daemon's own code,
 * or any fault with --no-sigcatch, ends the process with SIGSEGV.
 * Driven by the test binding bindings/tests/fault.c.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <json-c/json.h>

#include "afbtest.h"

static struct afbt_daemon *D;

#define GET(...) afbt_get(D, NULL, __VA_ARGS__)

/* the daemon still serves: a verb of another binding and one of the faulty one */
static void check_alive(void)
{
	CHECK(afbt_daemon_alive(D));
	CHECK_REPLY(GET("/api/hello/ping"), 200, "success");
	CHECK_REPLY(GET("/api/fault/ping"), 200, "success");
}

/* verb V fails with aborted / signal SIG caught, logged with a backtrace */
static void check_verb(const char *verb, const char *sig)
{
	struct afbt_resp *r = GET("/api/fault/%s", verb);
	const char *line;

	CHECK_REPLY(r, 500, "aborted");
	CHECK_STR(afbt_info(r), afbt_fmt("signal %s caught", sig));
	line = afbt_daemon_wait_log(D, 5000, afbt_fmt("api fault: verb %s: signal %s caught", verb, sig), NULL);
	CHECK(line != NULL);
	CHECK(strstr(line, "<3> ERROR") == line);
	CHECK_CONTAINS(line, "fault.so");
	CHECK_CONTAINS(strstr(afbt_daemon_log(D), line), "\n    #0 ");
	check_alive();
}

static void t_segv(void) { check_verb("segv", "SIGSEGV"); }
static void t_fpe(void) { check_verb("fpe", "SIGFPE"); }
static void t_bus(void) { check_verb("bus", "SIGBUS"); }
static void t_ill(void) { check_verb("ill", "SIGILL"); }
static void t_overflow(void) { check_verb("overflow", "SIGSEGV"); }

/* the DemoContext sample of 2016: action after close dereferences NULL */
static void t_demo_context(void)
{
	struct afbt_client *c = afbt_client_new();
	struct afbt_resp *r;

	CHECK_REPLY(afbt_get(D, c, "/api/fault/open"), 200, "success");
	r = afbt_get(D, c, "/api/fault/action");
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response")), 1);
	CHECK_REPLY(afbt_get(D, c, "/api/fault/close"), 200, "success");
	r = afbt_get(D, c, "/api/fault/action");
	CHECK_REPLY(r, 500, "aborted");
	CHECK_STR(afbt_info(r), "signal SIGSEGV caught");
	/* the session is still usable */
	CHECK_REPLY(afbt_get(D, c, "/api/fault/open"), 200, "success");
	CHECK_REPLY(afbt_get(D, c, "/api/fault/action"), 200, "success");
	check_alive();
}

/* a queued job that faults is called again with the signal, as v1 documents */
static void t_job(void)
{
	double end;
	int signum = -1;

	CHECK_REPLY(GET("/api/fault/job"), 200, "success");
	for (end = afbt_now() + 5; afbt_now() < end && signum < 0; afbt_msleep(20))
		signum = json_object_get_int(afbt_json(GET("/api/fault/jobsig"), "response.signum"));
	CHECK_EQ(signum, SIGSEGV);
	CHECK(afbt_daemon_wait_log(D, 5000, "api fault: job: signal SIGSEGV caught", NULL) != NULL);
	check_alive();
}

/* the callback of a subcall faults: the calling request fails */
static void t_subcall(void)
{
	struct afbt_resp *r = GET("/api/fault/subcall");

	CHECK_REPLY(r, 500, "aborted");
	CHECK_STR(afbt_info(r), "signal SIGSEGV caught");
	CHECK(afbt_daemon_wait_log(D, 5000, "subcall callback of verb subcall: signal SIGSEGV", NULL) != NULL);
	check_alive();
}

/* the binding's event handler faults: the event is lost for it, nothing else */
static void t_event_handler(void)
{
	int before = json_object_get_int(afbt_json(GET("/api/fault/events"), "response"));

	CHECK_REPLY(GET("/api/fault/broadcast?name=crash"), 200, "success");
	CHECK(afbt_daemon_wait_log(D, 5000, "event handler fault/crash: signal SIGSEGV caught", NULL) != NULL);
	check_alive();
	/* it still receives the next ones */
	CHECK_REPLY(GET("/api/fault/broadcast?name=other"), 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(GET("/api/fault/events"), "response")), before + 2);
}

static void t_stop(void)
{
	afbt_daemon_stop(D);
}

/* appends 'option' to ASAN_OPTIONS for the daemons started next */
static void asan_option(const char *option)
{
	const char *asan = getenv("ASAN_OPTIONS");

	setenv("ASAN_OPTIONS", afbt_fmt("%s%s%s", asan ? asan : "", asan && *asan ? ":" : "", option), 1);
}

/*
 * A timer callback on the binding's event loop faults. That loop stops
 * for good and the memory sd-event held in its dispatch leaks, as
 * documented: this daemon is stopped without the leak check.
 */
static void t_timer(void)
{
	char *saved = getenv("ASAN_OPTIONS") ? afbt_strdup(getenv("ASAN_OPTIONS")) : NULL;

	asan_option("detect_leaks=0");
	D = afbt_daemon_start("--binding", afbt_test_binding("fault"), "--binding", afbt_binding("hello"), NULL);
	if (saved)
		setenv("ASAN_OPTIONS", saved, 1);
	else
		unsetenv("ASAN_OPTIONS");
	CHECK_REPLY(GET("/api/fault/timer?ms=20"), 200, "success");
	CHECK(afbt_daemon_wait_log(D, 5000, "api fault: event loop callback: signal SIGSEGV caught", NULL) != NULL);
	CHECK(afbt_daemon_wait_log(D, 5000, "event loop sources are stopped", NULL) != NULL);
	check_alive();
	afbt_daemon_stop(D);
}

/* a fault in afbBindingV1ServiceInit: that api fails its calls, the others serve */
static void t_init(void)
{
	struct afbt_daemon *d;
	struct afbt_resp *r;

	setenv("FAULT_IN_INIT", "1", 1);
	d = afbt_daemon_start("--binding", afbt_test_binding("fault"), "--binding", afbt_binding("hello"), NULL);
	unsetenv("FAULT_IN_INIT");
	CHECK(afbt_find_line(afbt_daemon_log(d), "init afbBindingV1ServiceInit: signal SIGSEGV caught", NULL));
	r = afbt_get(d, NULL, "/api/fault/ping");
	CHECK_REPLY(r, 500, "bad-api-state");
	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	afbt_daemon_stop(d);
}

/* waits until 'd' ends; checks that SIGSEGV ended it */
static void check_died_of_segv(struct afbt_daemon *d)
{
	double end = afbt_now() + 10;

	while (afbt_daemon_alive(d) && afbt_now() < end)
		afbt_msleep(20);
	CHECK(!afbt_daemon_alive(d));
	if (!WIFSIGNALED(d->status) || WTERMSIG(d->status) != SIGSEGV) {
		afbt_daemon_dump_log(d);
		afbt_fail("afb-daemon ended with wait status 0x%x, not by SIGSEGV", d->status);
	}
}


/* the daemon's own code faults (a bad pointer given by the binding): it dies with a core */
static void t_daemon_fault(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_test_binding("fault"), NULL);
	struct afbt_req req = { .path = "/api/fault/daemon", .timeout_ms = 5000 };

	afbt_http(d, &req);
	check_died_of_segv(d);
	CHECK(!afbt_find_line(afbt_daemon_log(d), "signal SIGSEGV caught", NULL));
}

/* --no-sigcatch: a fault of a binding ends the daemon */
static void t_no_sigcatch(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--no-sigcatch", "--binding", afbt_test_binding("fault"), NULL);
	struct afbt_req req = { .path = "/api/fault/segv", .timeout_ms = 5000 };

	afbt_http(d, &req);
	check_died_of_segv(d);
}

/* --help shows the switch */
static void t_help(void)
{
	const char *log;
	int status = afbt_daemon_run(10, 0, &log, "--help", NULL);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(afbt_find_line(log, "--no-sigcatch", "core dump"));
}

int main(int argc, char **argv)
{
	struct rlimit nocore = { 0, 0 };

	afbt_init(argc, argv);
	/* the daemons that die of SIGSEGV need not leave cores behind */
	setrlimit(RLIMIT_CORE, &nocore);
	D = afbt_daemon_start("--binding", afbt_test_binding("fault"), "--binding", afbt_binding("hello"), NULL);
	afbt_run("segv", t_segv);
	afbt_run("fpe", t_fpe);
	afbt_run("bus", t_bus);
	afbt_run("ill", t_ill);
	afbt_run("overflow", t_overflow);
	afbt_run("demo-context", t_demo_context);
	afbt_run("job", t_job);
	afbt_run("subcall", t_subcall);
	afbt_run("event-handler", t_event_handler);
	afbt_run("stop", t_stop);
	afbt_run("timer", t_timer);
	afbt_run("init", t_init);
	afbt_run("help", t_help);
	/* the sanitizers' own SIGSEGV handlers would report and exit: not for the daemons that must die of it */
	asan_option("handle_segv=0");
	setenv("TSAN_OPTIONS", afbt_fmt("%s%shandle_segv=0", getenv("TSAN_OPTIONS") ? getenv("TSAN_OPTIONS") : "",
					getenv("TSAN_OPTIONS") ? ":" : ""), 1);
	afbt_run("daemon-fault", t_daemon_fault);
	afbt_run("no-sigcatch", t_no_sigcatch);
	return afbt_done();
}
