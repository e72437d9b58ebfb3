/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afbtest: the harness of the integration tests.
 *
 * A test program is a sequence of named checks:
 *
 *	int main(int argc, char **argv)
 *	{
 *		afbt_init(argc, argv);
 *		d = afbt_daemon_start("--binding", afbt_binding("hello"), NULL);
 *		afbt_run("ping", check_ping);
 *		afbt_run("stop", check_stop);
 *		return afbt_done();
 *	}
 *
 * A failed assertion (CHECK*, afbt_fail) prints file:line and the values,
 * then ends the current check, which is counted as failed; the next check
 * runs. Outside of a check, a failure ends the program (exit 1). In another
 * thread started by a check, a failure ends that thread (pthread_exit) and
 * the check fails when it returns: join such threads before returning.
 * afbt_done() returns 0 only when at least one check ran and all passed.
 *
 * Memory: every string, response or client the harness returns belongs to
 * the harness and is freed at exit; tests never free them.
 *
 * Processes: every daemon started is killed at exit, on SIGTERM/SIGINT and
 * when the test process dies (PR_SET_PDEATHSIG).
 */
#pragma once

#include <stddef.h>
#include <stdarg.h>
#include <sys/types.h>

struct json_object;

/* ---------------------------------------------------------------- checks */

void afbt_init(int argc, char **argv);
void afbt_run(const char *name, void (*check)(void));
int afbt_done(void);

/* Log line prefixed by "# " (not a failure). */
void afbt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fails the current check (or the program outside of a check). */
void afbt_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
#define afbt_fail(...) afbt_fail_at(__FILE__, __LINE__, __VA_ARGS__)

int afbt_streq(const char *a, const char *b);	/* NULL-safe */

#define CHECK(cond) \
	do { if (!(cond)) afbt_fail_at(__FILE__, __LINE__, "failed: %s", #cond); } while (0)

#define CHECK_INT(a, op, b) \
	do { long long a_ = (long long)(a), b_ = (long long)(b); \
	     if (!(a_ op b_)) afbt_fail_at(__FILE__, __LINE__, "failed: %s %s %s (%lld %s %lld)", \
					   #a, #op, #b, a_, #op, b_); } while (0)
#define CHECK_EQ(a, b) CHECK_INT(a, ==, b)

#define CHECK_STR(a, b) \
	do { const char *a_ = (a), *b_ = (b); \
	     if (!afbt_streq(a_, b_)) afbt_fail_at(__FILE__, __LINE__, "failed: %s == %s (\"%s\" vs \"%s\")", \
						  #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)

#define CHECK_STR_NE(a, b) \
	do { const char *a_ = (a), *b_ = (b); \
	     if (afbt_streq(a_, b_)) afbt_fail_at(__FILE__, __LINE__, "failed: %s != %s (both \"%s\")", \
						 #a, #b, a_ ? a_ : "(null)"); } while (0)

#define CHECK_CONTAINS(hay, needle) \
	do { const char *h_ = (hay), *n_ = (needle); \
	     if (!h_ || !strstr(h_, n_)) afbt_fail_at(__FILE__, __LINE__, "failed: %s contains \"%s\" (it is \"%s\")", \
						     #hay, n_, h_ ? h_ : "(null)"); } while (0)

#define CHECK_NOT_CONTAINS(hay, needle) \
	do { const char *h_ = (hay), *n_ = (needle); \
	     if (h_ && strstr(h_, n_)) afbt_fail_at(__FILE__, __LINE__, "failed: %s does not contain \"%s\" (it is \"%s\")", \
						   #hay, n_, h_); } while (0)

/* An API reply: HTTP 'code', JSON envelope, request.status == 'status'. */
#define CHECK_REPLY(resp, code, status) afbt_check_reply(__FILE__, __LINE__, (resp), (code), (status))

/* ------------------------------------------------------------ utilities */

/* Strings kept until exit. */
char *afbt_strdup(const char *s);
char *afbt_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *afbt_keep(void *ptr, void (*freefn)(void *));

/* Monotonic time in seconds. */
double afbt_now(void);

/*
 * How much slower than a plain build this one runs ($AFB_SANITIZE): 1, 3
 * under ASan/UBSan, 8 under TSan. Time limits that a loaded CI machine
 * could exceed are multiplied by it; what they prove (no 30 s timeout, no
 * starvation) stays far beyond.
 */
double afbt_slowness(void);

/* Raises the open file limit (soft and, as root, hard) to 'need' at least, for this process and the daemons it starts; fails the test if it can't. */
void afbt_raise_nofile(int need);

/* Sleeps 'ms' milliseconds: only for polling loops. */
void afbt_msleep(long ms);

/* A new empty directory under $TMPDIR, removed (recursively) at exit. */
const char *afbt_tempdir(void);
/* Writes a file (creating parent directories); fails the check on error. */
void afbt_write_file(const char *path, const void *data, size_t size);
/* The content of a file (NUL-terminated) or NULL; *size may be NULL. */
char *afbt_read_file(const char *path, size_t *size);
int afbt_file_exists(const char *path);
/* Count of the entries of a directory (without . and ..), -1 on error. */
int afbt_dir_count(const char *path);
/* Recursive removal. */
void afbt_rmtree(const char *path);

/* FNV-1a 64 bits. */
unsigned long long afbt_fnv1a64(const void *data, size_t size);

/* ---------------------------------------------------------------- daemon */

struct afbt_daemon {
	pid_t pid;		/* 0 when stopped */
	int port;
	int status;		/* wait status once exited */
	int stopped;		/* afbt_daemon_stop was called */
	char *dir;		/* temp root */
	char *workdir;		/* dir/work: --workdir and --uploaddir */
	char *logpath;		/* dir/daemon.log: stderr and stdout */
	char *url;		/* http://127.0.0.1:port */
};

/* "$AFB_BINDINGS_DIR/<name>.so" and "$AFB_TEST_BINDINGS_DIR/<name>.so" */
const char *afbt_binding(const char *name);
const char *afbt_test_binding(const char *name);
const char *afbt_daemon_path(void);

/*
 * Starts afb-daemon with --interface 127.0.0.1 --port N --workdir W
 * --uploaddir W and the given NULL-terminated arguments, and waits until it
 * accepts connections. Fails (the check, or the program) when it cannot.
 */
struct afbt_daemon *afbt_daemon_start(const char *arg, ...) __attribute__((sentinel));
struct afbt_daemon *afbt_daemon_startv(const char *const *args);

/*
 * Stops it with SIGTERM; fails unless it exits with status 0 within 5 s
 * and its log has no sanitizer report. Prints the log on failure.
 */
void afbt_daemon_stop(struct afbt_daemon *d);
/* The same with another signal (SIGINT...). */
void afbt_daemon_stop_sig(struct afbt_daemon *d, int sig);

/* True while the process runs. */
int afbt_daemon_alive(struct afbt_daemon *d);

/* The current content of its stderr. */
const char *afbt_daemon_log(struct afbt_daemon *d);

/*
 * The first line of 'text' that contains 'a' and (when not NULL) 'b',
 * ignoring case, or NULL.
 */
const char *afbt_find_line(const char *text, const char *a, const char *b);

/* Polls the log until a line has 'a' and 'b' (see above); NULL on timeout. */
const char *afbt_daemon_wait_log(struct afbt_daemon *d, long timeout_ms, const char *a, const char *b);

/* Prints its log (used on failures). */
void afbt_daemon_dump_log(struct afbt_daemon *d);

/*
 * Runs the daemon expecting it to exit by itself within 'timeout' seconds
 * (the same leading arguments as afbt_daemon_start when 'with_http' is set,
 * none otherwise). Returns the wait status, or -1 if it had to be killed;
 * *log (may be NULL) gets its output.
 */
int afbt_daemon_run(int timeout, int with_http, const char **log, const char *arg, ...)
	__attribute__((sentinel));
int afbt_daemon_runv(int timeout, int with_http, const char **log, const char *const *args);

/* ------------------------------------------------------------------ http */

/* A cookie jar; requests made with the same client share their cookies. */
struct afbt_client;
struct afbt_client *afbt_client_new(void);

struct afbt_part {
	const char *name;
	const char *value;	/* a plain field when 'data' and 'filename' are NULL */
	const char *filename;	/* a file field */
	const void *data;	/* file content */
	size_t size;
	const char *type;	/* optional content type of the part */
};

struct afbt_req {
	const char *method;		/* default: GET, or POST with a body or parts */
	const char *path;		/* sent as is (no dot-segment removal) */
	const char *const *headers;	/* NULL-terminated "Name: value" */
	const void *body;
	size_t size;			/* 0: strlen(body) */
	const char *content_type;
	const struct afbt_part *parts;	/* multipart/form-data */
	int nparts;
	long timeout_ms;		/* default 30000 */
	struct afbt_client *client;	/* cookies; NULL: none */
	int head;			/* HEAD request */
};

struct afbt_resp {
	long code;			/* 0 on transport failure */
	int curl_code;
	const char *error;		/* transport error */
	char *headers;			/* raw header block */
	char *body;			/* NUL-terminated */
	size_t size;
	struct json_object *json;	/* when Content-Type is application/json */
	double seconds;			/* total time */
};

struct afbt_resp *afbt_http(struct afbt_daemon *d, const struct afbt_req *req);

/* GET of the formatted path. */
struct afbt_resp *afbt_get(struct afbt_daemon *d, struct afbt_client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* GET with extra headers (NULL-terminated list). */
struct afbt_resp *afbt_get_h(struct afbt_daemon *d, struct afbt_client *c, const char *const *headers,
			     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* POST of a JSON text. */
struct afbt_resp *afbt_post_json(struct afbt_daemon *d, struct afbt_client *c, const char *json,
				 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The value of the first header 'name' (case-insensitive), or NULL. */
const char *afbt_header(const struct afbt_resp *resp, const char *name);

/* Value of a dotted path in the JSON body ("request.status", "response.0.x"). */
struct json_object *afbt_json(const struct afbt_resp *resp, const char *path);
struct json_object *afbt_jget(struct json_object *obj, const char *path);
/* String (or JSON text for non-strings) at path, or NULL when absent. */
const char *afbt_jstr(const struct afbt_resp *resp, const char *path);
/* request.status, request.info, request.token, request.uuid */
const char *afbt_status(const struct afbt_resp *resp);
const char *afbt_info(const struct afbt_resp *resp);

/* A printable summary of a response, for failure messages. */
const char *afbt_describe(const struct afbt_resp *resp);

void afbt_check_reply(const char *file, int line, const struct afbt_resp *resp, long code,
		      const char *status);

/* URL-encodes 's'. */
const char *afbt_urlencode(const char *s);

/*
 * Sends raw bytes on a new connection to the daemon, then reads until the
 * peer closes or 'timeout_ms' passes. 'shut' half-closes after sending.
 * Returns what was received (maybe empty), never NULL.
 */
const char *afbt_raw(struct afbt_daemon *d, const void *data, size_t size, int shut, long timeout_ms);
/* The status code of a raw response ("HTTP/1.1 404 ..."), or 0. */
int afbt_raw_code(const char *reply);
