/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration: --config FILE (JSON, keys the long option names),
 * --dump-config, the command line over the file, --set, and the messages
 * of bad options and files (docs/running.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <json-c/json.h>

#include "afbtest.h"

#define RUN_TIMEOUT 20

/* Runs the daemon with 'args' (no HTTP arguments added); its exit status must be 'code'. */
static const char *run(int code, const char *const *args)
{
	const char *log;
	int status = afbt_daemon_runv(RUN_TIMEOUT, 0, &log, args);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
		afbt_fail("%s...: expected exit status %d, got %d; output:\n%s", args[0], code,
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
	if (strstr(log, "Sanitizer") || strstr(log, "runtime error:"))
		afbt_fail("sanitizer report:\n%s", log);
	return log;
}

static void put_json(void *json)
{
	json_object_put(json);
}

/* --dump-config with 'args', parsed */
static struct json_object *dump(const char *const *args)
{
	const char *argv[32];
	struct json_object *json;
	const char *out;
	int n = 0;

	while (args && args[n] && n < 30) {
		argv[n] = args[n];
		n++;
	}
	argv[n++] = "--dump-config";
	argv[n] = NULL;
	out = run(0, argv);
	json = json_tokener_parse(out);
	if (!json)
		afbt_fail("--dump-config did not print JSON:\n%s", out);
	return afbt_keep(json, put_json);
}

static const char *jtext(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return "(missing)";
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static const char *config_file(const char *json)
{
	const char *path = afbt_fmt("%s/afb.json", afbt_tempdir());

	afbt_write_file(path, json, strlen(json));
	return path;
}

static void t_dump_defaults(void)
{
	struct json_object *c = dump(NULL);

	CHECK_STR(jtext(c, "port"), "1234");
	CHECK_STR(jtext(c, "rootapi"), "\"\\/api\"");
	CHECK_STR(jtext(c, "binding"), "[]");
	CHECK_STR(jtext(c, "no-httpd"), "false");
	CHECK_STR(jtext(c, "token"), "null");
	/* what is not configuration is not dumped */
	CHECK(!json_object_object_get_ex(c, "help", NULL));
	CHECK(!json_object_object_get_ex(c, "config", NULL));
	CHECK(!json_object_object_get_ex(c, "dump-config", NULL));
}

/* the file sets, the command line overrides scalars and adds to lists */
static void t_file_and_command_line(void)
{
	const char *path = config_file("{ \"port\": 8080, \"rootapi\": \"/rest\", \"binding\": [\"a.so\"],"
				       " \"no-httpd\": true, \"verbose\": 2, \"token\": \"from-file\","
				       " \"set\": { \"hello\": { \"k\": [1, 2] }, \"*\": { \"g\": \"x\" } } }");
	struct json_object *c;

	c = dump((const char *[]){ "--config", path, NULL });
	CHECK_STR(jtext(c, "port"), "8080");
	CHECK_STR(jtext(c, "rootapi"), "\"\\/rest\"");
	CHECK_STR(jtext(c, "binding"), "[\"a.so\"]");
	CHECK_STR(jtext(c, "no-httpd"), "true");
	CHECK_STR(jtext(c, "verbose"), "2");
	CHECK_STR(jtext(c, "set"), "[\"hello\\/k:[1,2]\",\"*\\/g:\\\"x\\\"\"]");

	/* the command line wins, wherever --config is */
	c = dump((const char *[]){ "--port", "9000", "--config", path, "--binding", "b.so", "-q",
				   "--set", "hello/z:text", "--random-token", NULL });
	CHECK_STR(jtext(c, "port"), "9000");
	CHECK_STR(jtext(c, "binding"), "[\"a.so\",\"b.so\"]");
	CHECK_STR(jtext(c, "verbose"), "1");
	CHECK_STR(jtext(c, "token"), "null");
	CHECK_STR(jtext(c, "set"), "[\"hello\\/k:[1,2]\",\"*\\/g:\\\"x\\\"\",\"hello\\/z:text\"]");
}

/* what --dump-config prints is a --config file giving the same configuration */
static void t_round_trip(void)
{
	struct json_object *c1, *c2;
	const char *path;

	c1 = dump((const char *[]){ "--port", "sd:http", "--alias", "/x:/tmp", "--set", "*/a:{\"b\":null}",
				    "--https", "--https-cert", "c.pem", "--https-key", "k.pem", "-v", "-v", NULL });
	CHECK_STR(jtext(c1, "port"), "\"sd:http\"");
	path = config_file(json_object_to_json_string(c1));
	c2 = dump((const char *[]){ "--config", path, NULL });
	CHECK_STR(json_object_to_json_string_ext(c2, JSON_C_TO_STRING_PLAIN),
		  json_object_to_json_string_ext(c1, JSON_C_TO_STRING_PLAIN));
}

/* a daemon configured by a file serves as configured */
static void t_serving_from_file(void)
{
	const char *path = config_file(afbt_fmt("{ \"rootapi\": \"/rest\", \"binding\": [ \"%s\" ],"
						" \"cntxtimeout\": 77 }", afbt_binding("hello")));
	struct afbt_daemon *d = afbt_daemon_start("--config", path, NULL);
	struct afbt_resp *r;

	/* a verb that keeps session state gets a session, told by a cookie of --cntxtimeout's age */
	r = afbt_get(d, NULL, "/rest/hello/contextset?value=1");
	CHECK_REPLY(r, 200, "success");
	CHECK_CONTAINS(afbt_header(r, "Set-Cookie"), "Max-Age=77");
	CHECK_EQ(afbt_get(d, NULL, "/api/hello/ping")->code, 404);
	afbt_daemon_stop(d);
}

/* a bad option or file: status 2 and a message naming the culprit */
static void bad(const char *const *args, const char *expect1, const char *expect2)
{
	const char *log = run(2, args);

	afbt_note("%s", log);
	if (!strcasestr(log, expect1) || (expect2 && !strcasestr(log, expect2)))
		afbt_fail("the message does not mention \"%s\" and \"%s\":\n%s", expect1, expect2 ? expect2 : "", log);
}

static void t_bad(void)
{
	/* an option without its value says which value */
	bad((const char *[]){ "--port", NULL }, "'--port' needs a value", "PORT");
	bad((const char *[]){ "-p", NULL }, "needs a value", "PORT");
	bad((const char *[]){ "--token", NULL }, "'--token' needs a value", "TOKEN");
	bad((const char *[]){ "--no-httpd=1", NULL }, "'--no-httpd' takes no value", NULL);
	bad((const char *[]){ "--port", "sd:", NULL }, "sd:NAME", NULL);
	bad((const char *[]){ "--set", "nokey", NULL }, "--set", "API/KEY:VALUE");
	bad((const char *[]){ "--set", "api/:1", NULL }, "--set", "API/KEY:VALUE");
	bad((const char *[]){ "--https", NULL }, "--https-cert", NULL);
	bad((const char *[]){ "--config", afbt_fmt("%s/none.json", afbt_tempdir()), NULL }, "none.json", NULL);
	bad((const char *[]){ "--config", config_file("{ \"port\": 1,\n \"x\" }"), NULL }, "afb.json", "line 2");
	bad((const char *[]){ "--config", config_file("[1]"), NULL }, "afb.json", "object");
	bad((const char *[]){ "--config", config_file("{\"prot\": 1}"), NULL }, "afb.json", "\"prot\"");
	bad((const char *[]){ "--config", config_file("{\"port\": 99999}"), NULL }, "\"port\"", "0..65535");
	bad((const char *[]){ "--config", config_file("{\"port\": true}"), NULL }, "\"port\"", NULL);
	bad((const char *[]){ "--config", config_file("{\"no-httpd\": 1}"), NULL }, "\"no-httpd\"", "true or false");
	bad((const char *[]){ "--config", config_file("{\"binding\": [1.5]}"), NULL }, "\"binding\"", NULL);
	bad((const char *[]){ "--config", config_file("{\"help\": true}"), NULL }, "\"help\"", "configuration file");
	bad((const char *[]){ "--config", config_file("{\"config\": \"x\"}"), NULL }, "\"config\"", NULL);
	bad((const char *[]){ "--config", config_file("{\"set\": {\"a\": 1}}"), NULL }, "\"set\"", NULL);
	bad((const char *[]){ "--config", config_file("{\"alias\": \"nocolon\"}"), NULL }, "\"alias\"", "/URL:DIR");
}

/* the help lists the new options and the config file format */
static void t_help(void)
{
	const char *log = run(0, (const char *[]){ "--help", NULL });

	CHECK_CONTAINS(log, "--config=FILE");
	CHECK_CONTAINS(log, "--dump-config");
	CHECK_CONTAINS(log, "--set=API/KEY:VALUE");
	CHECK_CONTAINS(log, "--https");
	CHECK_CONTAINS(log, "sd:NAME");
}

#if WITH_DBUS
/* no session bus: the D-Bus error comes before HTTP listens, and says what to do */
static void t_no_session_bus(void)
{
	const char *saved = getenv("DBUS_SESSION_BUS_ADDRESS"), *xdg = getenv("XDG_RUNTIME_DIR");
	char *keep = saved ? afbt_strdup(saved) : NULL, *keepxdg = xdg ? afbt_strdup(xdg) : NULL;
	const char *log;
	int status;

	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	setenv("XDG_RUNTIME_DIR", afbt_tempdir(), 1);	/* no bus socket in there */
	status = afbt_daemon_run(RUN_TIMEOUT, 1, &log, "--binding", afbt_binding("hello"), "--dbus-server", "hello",
				 NULL);
	if (keep)
		setenv("DBUS_SESSION_BUS_ADDRESS", keep, 1);
	if (keepxdg)
		setenv("XDG_RUNTIME_DIR", keepxdg, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	afbt_note("%s", log);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	CHECK(afbt_find_line(log, "ERROR", "user bus") != NULL);
	CHECK_CONTAINS(log, "dbus-run-session");
	CHECK_CONTAINS(log, "DBUS_SESSION_BUS_ADDRESS");
	/* before serving anything */
	CHECK(!strstr(log, "listening") && !strstr(log, "serving HTTP"));
}
#endif

/* --ldpaths on the samples' folder of the build loads the samples only (the test bindings are apart) */
static void t_ldpaths_samples(void)
{
	const char *dir = getenv("AFB_BINDINGS_DIR");
	struct afbt_daemon *d = afbt_daemon_start("--ldpaths", dir, NULL);

	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	CHECK_REPLY(afbt_get(d, NULL, "/api/tictactoe/board"), 200, "success");
	CHECK_NOT_CONTAINS(afbt_daemon_log(d), "ERROR");
	afbt_daemon_stop(d);
}

/*
 * The process keeps its name (it runs itself again at start to set
 * glibc's tunables, memtrim.h: by /proc/self/exe, it was named "exe"),
 * with the tunable set (not in the sanitized builds: their allocator is
 * not glibc's).
 */
static void t_process_name(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--name", "named", NULL);
	char *comm, *env;
	size_t n = 0, i;

	comm = afbt_read_file(afbt_fmt("/proc/%d/comm", (int)d->pid), NULL);
	CHECK(comm != NULL);
	CHECK_STR(comm, "afb-daemon\n");
	/* NUL-separated: one variable per line */
	env = afbt_read_file(afbt_fmt("/proc/%d/environ", (int)d->pid), &n);
	CHECK(env != NULL);
	for (i = 0; i < n; i++)
		if (!env[i])
			env[i] = '\n';
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	CHECK_NOT_CONTAINS(env, "tcache_count");
#else
	CHECK_CONTAINS(env, "glibc.malloc.tcache_count=1");
#endif
	afbt_daemon_stop(d);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("dump-defaults", t_dump_defaults);
	afbt_run("file-and-command-line", t_file_and_command_line);
	afbt_run("round-trip", t_round_trip);
	afbt_run("serving-from-file", t_serving_from_file);
	afbt_run("bad", t_bad);
	afbt_run("help", t_help);
#if WITH_DBUS
	afbt_run("no-session-bus", t_no_session_bus);
#endif
	afbt_run("ldpaths-samples", t_ldpaths_samples);
	afbt_run("process-name", t_process_name);
	return afbt_done();
}
