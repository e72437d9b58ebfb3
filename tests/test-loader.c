/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading bindings and parsing the command line: every faulty binding
 * stops the daemon with an error naming the file and the reason;
 * --ldpaths; --help, --version and bad options.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "afbtest.h"

#define RUN_TIMEOUT 20	/* seconds: the daemon must exit by itself */

static const char *describe(int status)
{
	if (status == -1)
		return "did not exit";
	if (WIFEXITED(status))
		return afbt_fmt("exit status %d", WEXITSTATUS(status));
	return afbt_fmt("killed by signal %d", WTERMSIG(status));
}

static void check_clean_log(const char *log)
{
	if (strstr(log, "Sanitizer") || strstr(log, "runtime error:"))
		afbt_fail("sanitizer report:\n%s", log);
}

/* the daemon with 'args' must exit with status 1 and an ERROR line naming 'file' and 'reason' */
static void check_refused(const char *file, const char *reason, const char *const *args)
{
	const char *log;
	int status = afbt_daemon_runv(RUN_TIMEOUT, 1, &log, args);
	const char *line;

	afbt_note("%s: %s", file, describe(status));
	if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
		afbt_fail("the daemon did not fail (%s); log:\n%s", describe(status), log);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		afbt_fail("expected exit status 1, got %s; log:\n%s", describe(status), log);
	line = afbt_find_line(log, "ERROR", file);
	if (!line || !strcasestr(line, reason))
		afbt_fail("no ERROR line naming %s and \"%s\"; log:\n%s", file, reason, log);
	afbt_note("%s", line);
	check_clean_log(log);
}

static void refused_alone(const char *name, const char *reason)
{
	const char *path = afbt_test_binding(name);

	check_refused(path, reason, (const char *[]){ "--binding", path, NULL });
}

static void t_nosym(void)      { refused_alone("nosym", "afbBindingV1Register"); }
static void t_badversion(void) { refused_alone("badversion", "version"); }
static void t_badname(void)    { refused_alone("badname", "invalid api name 'bad/name'"); }
static void t_nullreg(void)    { refused_alone("nullreg", "NULL"); }
static void t_initfail(void)   { refused_alone("initfail", "ServiceInit"); }
static void t_noverbs(void)    { refused_alone("noverbs", "verb"); }

static void t_dup(void)
{
	const char *path = afbt_test_binding("dup");

	check_refused(path, "exists", (const char *[]){ "--binding", afbt_binding("hello"), "--binding", path, NULL });
}

static void t_missing_file(void)
{
	const char *path = afbt_fmt("%s/no-such-binding.so", afbt_tempdir());

	check_refused(path, "no such file", (const char *[]){ "--binding", path, NULL });
}

static void t_not_a_library(void)
{
	const char *path = afbt_fmt("%s/text.so", afbt_tempdir());

	afbt_write_file(path, "not an ELF file\n", 16);
	check_refused(path, "load", (const char *[]){ "--binding", path, NULL });
}

static void copy_file(const char *from, const char *to)
{
	size_t size;
	char *data = afbt_read_file(from, &size);

	if (!data)
		afbt_fail("can't read %s", from);
	afbt_write_file(to, data, size);
}

static void t_ldpaths(void)
{
	const char *d1 = afbt_tempdir(), *d2 = afbt_tempdir();
	struct afbt_daemon *d;

	copy_file(afbt_binding("hello"), afbt_fmt("%s/hello.so", d1));
	copy_file(afbt_binding("tictactoe"), afbt_fmt("%s/sub/dir/tictactoe.so", d1));
	copy_file(afbt_binding("auth"), afbt_fmt("%s/auth.so", d2));
	afbt_write_file(afbt_fmt("%s/README.txt", d1), "not a binding", 13);

	d = afbt_daemon_start("--ldpaths", afbt_fmt("%s:%s", d1, d2), NULL);
	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	CHECK_REPLY(afbt_get(d, NULL, "/api/tictactoe/board"), 200, "success");
	CHECK_REPLY(afbt_get(d, NULL, "/api/auth/check"), 401, "denied");
	afbt_daemon_stop(d);

	/* repeated option */
	d = afbt_daemon_start("--ldpaths", d1, "--ldpaths", d2, NULL);
	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	CHECK_REPLY(afbt_get(d, NULL, "/api/auth/check"), 401, "denied");
	afbt_daemon_stop(d);
}

static void t_ldpaths_faulty(void)
{
	const char *dir = afbt_tempdir();
	const char *path = afbt_fmt("%s/nullreg.so", dir);

	copy_file(afbt_binding("hello"), afbt_fmt("%s/hello.so", dir));
	copy_file(afbt_test_binding("nullreg"), path);
	check_refused(path, "NULL", (const char *[]){ "--ldpaths", dir, NULL });
}

static void check_bad_args(const char *const *args, const char *expect)
{
	const char *log;
	int status = afbt_daemon_runv(RUN_TIMEOUT, 0, &log, args);

	afbt_note("%s %s: %s", args[0], args[1] ? args[1] : "", describe(status));
	/* docs/running.md: a bad option gives exit status 2 */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2)
		afbt_fail("expected exit status 2, got %s; log:\n%s", describe(status), log);
	if (expect && !strcasestr(log, expect))
		afbt_fail("the message does not mention \"%s\"; log:\n%s", expect, log);
	check_clean_log(log);
}

static void t_bad_options(void)
{
	check_bad_args((const char *[]){ "--no-such-option", NULL }, "no-such-option");
	check_bad_args((const char *[]){ "--port", "99999999", NULL }, "port");
	check_bad_args((const char *[]){ "--port", "abc", NULL }, "port");
	check_bad_args((const char *[]){ "--jobs", "0", NULL }, "jobs");
	check_bad_args((const char *[]){ "--token", "0123456789012345678901234567890123456789", NULL }, "token");
	check_bad_args((const char *[]){ "--alias", "nocolon", NULL }, "alias");
	check_bad_args((const char *[]){ "--call", "noslash", NULL }, "call");
	check_bad_args((const char *[]){ "stray-argument", NULL }, "stray-argument");
	check_bad_args((const char *[]){ "--port", NULL }, "port");
}

static void t_help(void)
{
	static const char *const names[] = {
		"--port", "--interface", "--rootapi", "--roothttp", "--alias", "--rootdir", "--workdir",
		"--uploaddir", "--cache-eol", "--max-body", "--max-upload", "--http-timeout", "--cntxtimeout",
		"--session-max", "--token", "--apitimeout", "--jobs", "--binding", "--ldpaths", "--call",
		"--no-httpd", "--verbose", "--quiet", "--help", "--version", NULL
	};
	const char *log;
	int status = afbt_daemon_run(RUN_TIMEOUT, 0, &log, "--help", NULL);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; names[i]; i++)
		if (!strstr(log, names[i]))
			afbt_fail("--help does not list %s:\n%s", names[i], log);
	/* defaults are shown */
	CHECK_CONTAINS(log, "1234");
	check_clean_log(log);
}

static void t_version(void)
{
	const char *log;
	int status = afbt_daemon_run(RUN_TIMEOUT, 0, &log, "--version", NULL);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_CONTAINS(log, "afb-daemon");
	CHECK(strpbrk(log, "0123456789") != NULL);
}

static void t_startup_call(void)
{
	struct afbt_daemon *d;
	const char *log;
	int status;

	d = afbt_daemon_start("--binding", afbt_binding("hello"), "--call", "hello/ping:{\"a\":1}", NULL);
	CHECK(afbt_daemon_wait_log(d, 5000, "hello/ping", "done") != NULL);
	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	afbt_daemon_stop(d);

	/* a failing startup call stops the daemon */
	status = afbt_daemon_run(RUN_TIMEOUT, 1, &log, "--binding", afbt_binding("hello"),
				 "--call", "hello/pingfail", NULL);
	afbt_note("failing --call: %s", describe(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	CHECK(afbt_find_line(log, "ERROR", "hello/pingfail") != NULL);
	check_clean_log(log);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);

	afbt_run("nosym", t_nosym);
	afbt_run("badversion", t_badversion);
	afbt_run("badname", t_badname);
	afbt_run("nullreg", t_nullreg);
	afbt_run("initfail", t_initfail);
	afbt_run("noverbs", t_noverbs);
	afbt_run("dup", t_dup);
	afbt_run("missing-file", t_missing_file);
	afbt_run("not-a-library", t_not_a_library);
	afbt_run("ldpaths", t_ldpaths);
	afbt_run("ldpaths-faulty", t_ldpaths_faulty);
	afbt_run("bad-options", t_bad_options);
	afbt_run("help", t_help);
	afbt_run("version", t_version);
	afbt_run("startup-call", t_startup_call);
	return afbt_done();
}
