/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afbtest: starting, watching and stopping afb-daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "afbtest.h"
#include "afbt-internal.h"

#define MAX_ARGS 128
#define READY_TIMEOUT 10	/* seconds */
#define STOP_TIMEOUT 5		/* seconds */
#define START_ATTEMPTS 3
#define POLL_MS 10

/* ------------------------------------------------- registry of processes */

#define MAX_PIDS 64
static volatile pid_t running[MAX_PIDS];

static void running_add(pid_t pid)
{
	for (int i = 0; i < MAX_PIDS; i++)
		if (!running[i]) {
			running[i] = pid;
			return;
		}
}

static void running_del(pid_t pid)
{
	for (int i = 0; i < MAX_PIDS; i++)
		if (running[i] == pid)
			running[i] = 0;
}

void afbt_daemons_kill(void)
{
	for (int i = 0; i < MAX_PIDS; i++) {
		pid_t pid = running[i];
		if (pid) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			running[i] = 0;
		}
	}
}

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_PIDS; i++)
		if (running[i])
			kill(running[i], SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

void afbt_signals_init(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };

	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		signal(sigs[i], on_signal);
	signal(SIGPIPE, SIG_IGN);
}

/* ---------------------------------------------- registry of the daemons */

static struct afbt_daemon *daemons[MAX_PIDS];

static void daemons_add(struct afbt_daemon *d)
{
	for (int i = 0; i < MAX_PIDS; i++)
		if (!daemons[i]) {
			daemons[i] = d;
			return;
		}
}

static int dead_reported[MAX_PIDS];
static size_t log_printed[MAX_PIDS];

static const char *describe_status(int status);

/* Prints the last 'count' lines of the log of 'd' not printed yet. */
static void dump_log_tail(struct afbt_daemon *d, int count, size_t *printed)
{
	const char *log = afbt_daemon_log(d);
	size_t len = strlen(log);
	const char *p = log + len, *start = log + (*printed < len ? *printed : len);

	if (*printed >= len)
		return;
	*printed = len;
	while (p > start && count >= 0)
		if (*--p == '\n')
			count--;
	if (*p == '\n')
		p++;
	fflush(stdout);
	fprintf(stderr, "----- last lines of the afb-daemon log (%s) -----\n%s----- end -----\n", d->logpath, p);
	fflush(stderr);
}

void afbt_daemons_report(void)
{
	for (int i = 0; i < MAX_PIDS; i++) {
		struct afbt_daemon *d = daemons[i];

		if (!d || d->stopped || dead_reported[i])
			continue;
		if (afbt_daemon_alive(d)) {
			dump_log_tail(d, 20, &log_printed[i]);
		} else {
			dead_reported[i] = 1;
			fprintf(stderr, "afb-daemon of port %d died: %s\n", d->port, describe_status(d->status));
			afbt_daemon_dump_log(d);
		}
	}
}

/* ------------------------------------------------------------------ paths */

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v)
		afbt_fail("the environment variable %s is not set (run the tests with meson test)", name);
	return v;
}

const char *afbt_daemon_path(void)
{
	return env_or_fail("AFB_DAEMON");
}

const char *afbt_binding(const char *name)
{
	return afbt_fmt("%s/%s.so", env_or_fail("AFB_BINDINGS_DIR"), name);
}

const char *afbt_test_binding(const char *name)
{
	const char *dir = getenv("AFB_TEST_BINDINGS_DIR");

	return afbt_fmt("%s/%s.so", dir && *dir ? dir : env_or_fail("AFB_BINDINGS_DIR"), name);
}

/* ----------------------------------------------------------------- ports */

static int pick_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd, port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		afbt_fail("socket: %m");
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0
	    && getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	if (port <= 0)
		afbt_fail("can't pick a free port: %m");
	return port;
}

static int port_accepts(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, rc;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	return rc == 0;
}

/* -------------------------------------------------------------- processes */

static pid_t spawn(const char *const *argv, const char *logpath)
{
	pid_t parent = getpid(), pid;
	int fd;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		afbt_fail("fork: %m");
	if (pid > 0) {
		running_add(pid);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	execv(argv[0], (char *const *)argv);
	dprintf(2, "afbtest: can't execute %s: %m\n", argv[0]);
	_exit(127);
}

/* Waits 'timeout_ms' at most for the end of 'pid'; 1 when it ended. */
static int wait_exit(pid_t pid, int *status, long timeout_ms)
{
	double end = afbt_now() + timeout_ms / 1000.0;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid) {
			running_del(pid);
			return 1;
		}
		if (r < 0 && errno != EINTR) {
			running_del(pid);
			*status = -1;
			return 1;
		}
		if (afbt_now() >= end)
			return 0;
		afbt_msleep(POLL_MS);
	}
}

static void kill_wait(pid_t pid, int *status)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	running_del(pid);
}

static const char *describe_status(int status)
{
	if (status == -1)
		return "killed by the harness (no exit)";
	if (WIFEXITED(status))
		return afbt_fmt("exit status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return afbt_fmt("killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	return afbt_fmt("wait status 0x%x", status);
}

/* ---------------------------------------------------------------- daemons */

static int build_argv(const char **argv, const struct afbt_daemon *d, int with_http,
		      const char *const *args)
{
	int n = 0;

	argv[n++] = afbt_daemon_path();
	if (with_http) {
		argv[n++] = "--interface";
		argv[n++] = "127.0.0.1";
		argv[n++] = "--port";
		argv[n++] = afbt_fmt("%d", d->port);
		argv[n++] = "--workdir";
		argv[n++] = d->workdir;
		argv[n++] = "--uploaddir";
		argv[n++] = d->workdir;
	}
	for (; args && *args; args++) {
		if (n >= MAX_ARGS - 1)
			afbt_fail("too many daemon arguments");
		argv[n++] = *args;
	}
	argv[n] = NULL;
	return n;
}

static struct afbt_daemon *daemon_new(void)
{
	struct afbt_daemon *d = afbt_keep(afbt_xmalloc(sizeof *d), free);

	d->dir = afbt_mkdtemp();
	d->workdir = afbt_fmt("%s/work", d->dir);
	d->logpath = afbt_fmt("%s/daemon.log", d->dir);
	if (mkdir(d->workdir, 0755) < 0)
		afbt_fail("mkdir %s: %m", d->workdir);
	d->port = pick_port();
	d->url = afbt_fmt("http://127.0.0.1:%d", d->port);
	return d;
}

static const char *join_args(const char *const *argv)
{
	size_t len = 1;
	char *s, *p;

	for (const char *const *a = argv; *a; a++)
		len += strlen(*a) + 1;
	s = p = afbt_keep(afbt_xmalloc(len), free);
	for (const char *const *a = argv; *a; a++)
		p += sprintf(p, "%s%s", a == argv ? "" : " ", *a);
	return s;
}

/* 1: ready, 0: exited early (d->status set) */
static int wait_ready(struct afbt_daemon *d)
{
	double end = afbt_now() + READY_TIMEOUT;

	for (;;) {
		if (wait_exit(d->pid, &d->status, 0)) {
			d->pid = 0;
			return 0;
		}
		if (port_accepts(d->port))
			return !wait_exit(d->pid, &d->status, 0);
		if (afbt_now() >= end)
			return -1;
		afbt_msleep(POLL_MS);
	}
}

struct afbt_daemon *afbt_daemon_startv(const char *const *args)
{
	const char *argv[MAX_ARGS];
	struct afbt_daemon *d = NULL;
	int rc;

	for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
		d = daemon_new();
		build_argv(argv, d, 1, args);
		if (attempt == 1)
			afbt_note("starting %s", join_args(argv));
		d->pid = spawn(argv, d->logpath);
		rc = wait_ready(d);
		if (rc == 1) {
			daemons_add(d);
			return d;
		}
		if (rc < 0) {
			kill_wait(d->pid, &d->status);
			d->pid = 0;
			afbt_daemon_dump_log(d);
			afbt_fail("afb-daemon did not accept connections on port %d within %d s",
				  d->port, READY_TIMEOUT);
		}
		afbt_note("afb-daemon exited at start (%s), attempt %d", describe_status(d->status), attempt);
	}
	afbt_daemon_dump_log(d);
	afbt_fail("afb-daemon could not start: %s", describe_status(d->status));
}

struct afbt_daemon *afbt_daemon_start(const char *arg, ...)
{
	const char *args[MAX_ARGS];
	va_list ap;
	int n = 0;

	va_start(ap, arg);
	for (const char *a = arg; a; a = va_arg(ap, const char *)) {
		if (n >= MAX_ARGS - 1)
			afbt_fail("too many daemon arguments");
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
	return afbt_daemon_startv(args);
}

int afbt_daemon_alive(struct afbt_daemon *d)
{
	if (!d || !d->pid)
		return 0;
	if (wait_exit(d->pid, &d->status, 0)) {
		d->pid = 0;
		return 0;
	}
	return 1;
}

const char *afbt_daemon_log(struct afbt_daemon *d)
{
	const char *log = d ? afbt_read_file(d->logpath, NULL) : NULL;

	return log ? log : "";
}

void afbt_daemon_dump_log(struct afbt_daemon *d)
{
	fflush(stdout);
	fprintf(stderr, "----- afb-daemon log (%s) -----\n%s----- end of log -----\n",
		d->logpath, afbt_daemon_log(d));
	fflush(stderr);
}

/* Text of a sanitizer report in 'log', or NULL. */
static const char *sanitizer_report(const char *log)
{
	static const char *const marks[] = {
		"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", ": runtime error: ",
		"WARNING: ThreadSanitizer", NULL
	};

	for (int i = 0; marks[i]; i++)
		if (strstr(log, marks[i]))
			return marks[i];
	return NULL;
}

void afbt_daemon_stop(struct afbt_daemon *d)
{
	afbt_daemon_stop_sig(d, SIGTERM);
}

void afbt_daemon_stop_sig(struct afbt_daemon *d, int sig)
{
	const char *report;

	if (!d)
		afbt_fail("no daemon to stop (did its start fail?)");
	d->stopped = 1;
	if (!d->pid) {
		afbt_daemon_dump_log(d);
		afbt_fail("afb-daemon ended before being stopped: %s", describe_status(d->status));
	}
	kill(d->pid, sig);
	if (!wait_exit(d->pid, &d->status, STOP_TIMEOUT * 1000)) {
		kill_wait(d->pid, &d->status);
		d->pid = 0;
		afbt_daemon_dump_log(d);
		afbt_fail("afb-daemon did not exit within %d s after signal %d (%s)", STOP_TIMEOUT, sig, strsignal(sig));
	}
	d->pid = 0;
	if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0) {
		afbt_daemon_dump_log(d);
		afbt_fail("afb-daemon stopped with %s (expected exit status 0)", describe_status(d->status));
	}
	report = sanitizer_report(afbt_daemon_log(d));
	if (report) {
		afbt_daemon_dump_log(d);
		afbt_fail("afb-daemon log has a sanitizer report (%s)", report);
	}
	afbt_rmtree(d->dir);
}

int afbt_daemon_runv(int timeout, int with_http, const char **log, const char *const *args)
{
	const char *argv[MAX_ARGS];
	struct afbt_daemon *d = daemon_new();

	build_argv(argv, d, with_http, args);
	afbt_note("running %s", join_args(argv));
	d->pid = spawn(argv, d->logpath);
	if (!wait_exit(d->pid, &d->status, timeout * 1000L)) {
		kill_wait(d->pid, &d->status);
		d->status = -1;
	}
	d->pid = 0;
	if (log)
		*log = afbt_daemon_log(d);
	return d->status;
}

int afbt_daemon_run(int timeout, int with_http, const char **log, const char *arg, ...)
{
	const char *args[MAX_ARGS];
	va_list ap;
	int n = 0;

	va_start(ap, arg);
	for (const char *a = arg; a; a = va_arg(ap, const char *)) {
		if (n >= MAX_ARGS - 1)
			afbt_fail("too many daemon arguments");
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
	return afbt_daemon_runv(timeout, with_http, log, args);
}

const char *afbt_find_line(const char *text, const char *a, const char *b)
{
	const char *found = NULL;

	while (!found && text && *text) {
		const char *end = strchr(text, '\n');
		size_t n = end ? (size_t)(end - text) : strlen(text);
		char *line = strndup(text, n);

		if (!line)
			abort();
		if (strcasestr(line, a) && (!b || strcasestr(line, b)))
			found = afbt_strdup(line);
		free(line);
		text = end ? end + 1 : NULL;
	}
	return found;
}

const char *afbt_daemon_wait_log(struct afbt_daemon *d, long timeout_ms, const char *a, const char *b)
{
	double end = afbt_now() + timeout_ms / 1000.0;

	for (;;) {
		const char *line = afbt_find_line(afbt_daemon_log(d), a, b);
		if (line || afbt_now() >= end)
			return line;
		afbt_msleep(POLL_MS * 5);
	}
}
