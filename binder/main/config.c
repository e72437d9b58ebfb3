/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration of afb-daemon: one table of options drives getopt,
 * --help, the --config files (JSON objects whose keys are the long option
 * names) and --dump-config, so that they can never disagree.
 *
 * Order: the defaults of the table, then the --config files in the order
 * given, then the command line. A value of a file goes through the same
 * checks as on the command line (it is turned into the same text), so
 * errors read the same. Scalars of the command line override the files;
 * repeatable options (lists) add to the lists of the files.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "config.h"

#ifndef AFB_VERSION
#define AFB_VERSION "0.1.0"
#endif
#ifndef WITH_DBUS
#define WITH_DBUS 1
#endif
#ifndef WITH_WEBSOCKET
#define WITH_WEBSOCKET 1
#endif

enum kind {
	K_FLAG,		/* int set to 1; in a file: true or false */
	K_INT,		/* int within [min, max] */
	K_SIZE,		/* size_t within [min, max] */
	K_STRING,	/* char *, owned */
	K_LIST,		/* struct afb_config_list *: repeatable */
	K_PORT,		/* port (int) or sd:NAME (http_socket) */
	K_VERBOSE,	/* int verbose += sign; in a file: a count */
	K_RANDOM_TOKEN,	/* clears the token */
	K_CONFIG,	/* --config: read before the rest of the command line */
	K_HELP,
	K_VERSION,
};

struct optdesc {
	const char *name;
	int val;		/* short option, or >= 256 */
	enum kind kind;
	size_t offset;		/* of the field in struct afb_config */
	const char *arg;	/* name of the value in --help (NULL: none) */
	const char *def;	/* default, as on the command line (NULL: none) */
	long long min, max;	/* K_INT, K_SIZE; K_VERBOSE: the sign in min */
	/* extra check of a value: NULL when fine, else what is expected */
	const char *(*check)(const char *value);
	const char *help;
};

#define F(field) offsetof(struct afb_config, field)

static const char *check_rootapi(const char *v)
{
	return v[0] == '/' && v[1] ? NULL : "/PATH";
}

static const char *check_alias(const char *v)
{
	return v[0] == '/' && strchr(v, ':') ? NULL : "/URL:DIR";
}

static const char *check_token(const char *v)
{
	return strlen(v) <= 36 ? NULL : "36 characters at most";
}

static const char *check_call(const char *v)
{
	return strchr(v, '/') ? NULL : "API/VERB or API/VERB:JSON";
}

static const char *check_set(const char *v)
{
	const char *slash = strchr(v, '/');
	const char *colon = slash ? strchr(slash, ':') : NULL;

	return colon && colon > slash + 1 ? NULL : "API/KEY:VALUE (API * or empty: every api)";
}

static const char *check_nonempty(const char *v)
{
	return *v ? NULL : "a non-empty value";
}

static const char *check_trace(const char *v)
{
	return !strcmp(v, "no") || !strcmp(v, "common") || !strcmp(v, "extra") || !strcmp(v, "all")
	       ? NULL : "no, common, extra or all";
}

static const char *check_trace_all(const char *v)
{
	return !strcmp(v, "no") || !strcmp(v, "all") ? NULL : "no or all";
}

static const char *check_trace_common(const char *v)
{
	return !strcmp(v, "no") || !strcmp(v, "common") || !strcmp(v, "all") ? NULL : "no, common or all";
}

enum {
	O_ROOTAPI = 256, O_ROOTHTTP, O_ALIAS, O_CACHE_EOL, O_UPLOADDIR, O_ROOTDIR, O_MAX_BODY, O_MAX_UPLOAD,
	O_HTTP_TIMEOUT, O_CNTXTIMEOUT, O_SESSION_MAX, O_APITIMEOUT, O_JOBS, O_MAX_PENDING, O_BINDING,
	O_LDPATHS, O_NO_HTTPD, O_INTERFACE, O_WS_CLIENT, O_WS_SERVER, O_DBUS_CLIENT, O_DBUS_SERVER,
	O_RANDOM_TOKEN, O_CONFIG, O_DUMP_CONFIG, O_SET, O_HTTPS, O_HTTPS_CERT, O_HTTPS_KEY,
	O_MAX_PENDING_CLIENT, O_NO_SIGCATCH, O_SESSION_MAX_PER_ADDRESS, O_SHUTDOWN_GRACE, O_PERMISSIONS,
	O_LOAD_TIMEOUT,
	O_WS_MAX_MESSAGE,	/* ws */
	O_HTTP_MAX_CONNECTIONS, O_HTTP_MAX_PER_ADDRESS, O_HTTP_HEADER_TIMEOUT,
	O_WS_PING_INTERVAL, O_WS_IDLE_TIMEOUT, O_PROTO_WS_MAX_OUTPUT,
	O_NO_WEB_CLIENT, O_TRACEREQ, O_TRACEDITF, O_TRACEEVT, O_TRACESVC, O_TRACESES
};

static const struct optdesc options[] = {
	{ "help", 'h', K_HELP, 0, NULL, NULL, 0, 0, NULL, "print this help and exit" },
	{ "version", 'V', K_VERSION, 0, NULL, NULL, 0, 0, NULL, "print the version and exit" },
	{ "config", O_CONFIG, K_CONFIG, F(config_files), "FILE", NULL, 0, 0, check_nonempty,
	  "read options from the JSON object of FILE first (keys: the long option names; lists for repeatable options); the command line overrides it and adds to its lists (repeatable)" },
	{ "dump-config", O_DUMP_CONFIG, K_FLAG, F(dump_config), NULL, NULL, 0, 0, NULL,
	  "print the resulting configuration as a --config file and exit" },
	{ "verbose", 'v', K_VERBOSE, F(verbose), NULL, NULL, 1, 0, NULL,
	  "more messages (repeatable; levels: 0 error, 1 warning+notice, 2 info, 3 debug; default 1)" },
	{ "quiet", 'q', K_VERBOSE, F(verbose), NULL, NULL, -1, 0, NULL, "fewer messages (repeatable)" },
	{ "name", 'n', K_STRING, F(name), "NAME", NULL, 0, 0, NULL, "name of the daemon in its messages" },
	{ "port", 'p', K_PORT, F(port), "PORT", "1234", 0, 65535, NULL,
	  "HTTP port, 0 for any free one, or sd:NAME for the socket NAME passed by systemd (default 1234)" },
	{ "interface", O_INTERFACE, K_STRING, F(interface), "ADDR", NULL, 0, 0, check_nonempty,
	  "address to listen on, e.g. 127.0.0.1 or ::1 (default: every address)" },
	{ "https", O_HTTPS, K_FLAG, F(https), NULL, NULL, 0, 0, NULL,
	  "serve HTTPS and wss (TLS) on the port instead of plain HTTP; needs --https-cert and --https-key" },
	{ "https-cert", O_HTTPS_CERT, K_STRING, F(https_cert), "FILE", NULL, 0, 0, check_nonempty,
	  "certificate (chain) of --https, PEM" },
	{ "https-key", O_HTTPS_KEY, K_STRING, F(https_key), "FILE", NULL, 0, 0, check_nonempty,
	  "private key of --https, PEM, unencrypted" },
	{ "rootapi", O_ROOTAPI, K_STRING, F(rootapi), "PATH", "/api", 0, 0, check_rootapi,
	  "URL prefix of the apis (default /api)" },
	{ "roothttp", O_ROOTHTTP, K_STRING, F(roothttp), "DIR", NULL, 0, 0, check_nonempty,
	  "directory of the static files served under / (default: none)" },
	{ "alias", O_ALIAS, K_LIST, F(aliases), "/URL:DIR", NULL, 0, 0, check_alias,
	  "also serve DIR under /URL (repeatable)" },
	{ "cache-eol", O_CACHE_EOL, K_INT, F(cache_eol), "SECONDS", "100000", 0, INT_MAX, NULL,
	  "max-age of static files (default 100000)" },
	{ "rootdir", O_ROOTDIR, K_STRING, F(rootdir), "DIR", ".", 0, 0, check_nonempty,
	  "base of relative --roothttp and --alias paths, and rootdir of bindings (default .)" },
	{ "workdir", 'w', K_STRING, F(workdir), "DIR", ".", 0, 0, check_nonempty,
	  "directory to work in, created if missing (default .)" },
	{ "uploaddir", 'u', K_STRING, F(uploaddir), "DIR", ".", 0, 0, check_nonempty,
	  "directory of the temporary files of uploads (default .)" },
	{ "max-body", O_MAX_BODY, K_SIZE, F(max_body), "BYTES", "1048576", 1, LONG_MAX, NULL,
	  "largest HTTP body other than uploads (default 1048576)" },
	{ "max-upload", O_MAX_UPLOAD, K_SIZE, F(max_upload), "BYTES", "67108864", 1, LONG_MAX, NULL,
	  "largest multipart upload (default 67108864)" },
	{ "http-timeout", O_HTTP_TIMEOUT, K_INT, F(http_timeout), "SECONDS", "15", 0, 86400, NULL,
	  "idle HTTP connections are closed after (default 15)" },
	{ "http-max-connections", O_HTTP_MAX_CONNECTIONS, K_INT, F(http_max_connections), "COUNT", "0", 0, 10000000, NULL,
	  "HTTP and WebSocket connections at once; beyond, the one waiting longest for its request is closed, else 503 (default 0: 3/4 of the open file limit)" },
	{ "http-max-per-address", O_HTTP_MAX_PER_ADDRESS, K_INT, F(http_max_per_address), "COUNT", "128", 0, 10000000, NULL,
	  "of them from one client address, 0 for no limit (default 128)" },
	{ "http-header-timeout", O_HTTP_HEADER_TIMEOUT, K_INT, F(http_header_timeout), "SECONDS", "10", 0, 86400, NULL,
	  "a request line and its headers must arrive within, else 408 and close; 0 for no limit (default 10)" },
	{ "ws-max-message", O_WS_MAX_MESSAGE, K_SIZE, F(ws_max_message), "BYTES", "1048576", 16, LONG_MAX, NULL,	/* ws */
	  "largest WebSocket message, all its frames together (default 1048576)" },	/* ws */
	{ "ws-ping-interval", O_WS_PING_INTERVAL, K_INT, F(ws_ping_interval), "SECONDS", "30", 0, 86400, NULL,
	  "ping a WebSocket peer silent for so long, 0 for never (default 30)" },
	{ "ws-idle-timeout", O_WS_IDLE_TIMEOUT, K_INT, F(ws_idle_timeout), "SECONDS", "90", 0, 864000, NULL,
	  "close a WebSocket peer silent, or not reading, for so long (close 1001), 0 for never (default 90)" },
	{ "no-httpd", O_NO_HTTPD, K_FLAG, F(no_httpd), NULL, NULL, 0, 0, NULL, "do not start the HTTP server" },
	{ "no-web-client", O_NO_WEB_CLIENT, K_FLAG, F(no_web_client), NULL, NULL, 0, 0, NULL,
	  "do not serve the browser clients AFB.js and afb.mjs under /afb/ (served by default)" },
	{ "monitoring", 'M', K_FLAG, F(monitoring), NULL, NULL, 0, 0, NULL,
	  "serve the monitoring page and the api explorer at /monitoring/" },
	{ "tracereq", O_TRACEREQ, K_STRING, F(tracereq), "no|common|extra|all", "no", 0, 0, check_trace,
	  "log the requests (default no)" },
	{ "traceditf", O_TRACEDITF, K_STRING, F(traceditf), "no|common|extra|all", "no", 0, 0, check_trace,
	  "log the calls of bindings to the daemon interface (default no)" },
	{ "traceevt", O_TRACEEVT, K_STRING, F(traceevt), "no|common|extra|all", "no", 0, 0, check_trace,
	  "log the events (default no)" },
	{ "tracesvc", O_TRACESVC, K_STRING, F(tracesvc), "no|all", "no", 0, 0, check_trace_all,
	  "log the services: start, calls, events received (default no)" },
	{ "traceses", O_TRACESES, K_STRING, F(traceses), "no|common|all", "no", 0, 0, check_trace_common,
	  "log the sessions: created, renewed, ended (default no)" },
	{ "cntxtimeout", O_CNTXTIMEOUT, K_INT, F(cntxtimeout), "SECONDS", "3600", 1, INT_MAX, NULL,
	  "idle life of a session, extended on use (default 3600)" },
	{ "session-max", O_SESSION_MAX, K_INT, F(session_max), "COUNT", "200", 1, 10000000, NULL,
	  "sessions kept; beyond, the least recently used idle one of the lowest rank is evicted (anonymous first, never a logged-in one for an anonymous one; default 200)" },
	{ "session-max-per-address", O_SESSION_MAX_PER_ADDRESS, K_INT, F(session_max_per_address), "COUNT", "16", 0, 10000000, NULL,
	  "anonymous sessions (no valid token, no LOA) of one client address; beyond, its least recently used idle one is evicted; 0 for no such limit (default 16)" },
	{ "token", 't', K_STRING, F(token), "TOKEN", NULL, 0, 0, check_token,
	  "initial token of new sessions, 36 chars max; \"\" accepts any (default: random, logged)" },
	{ "random-token", 'r', K_RANDOM_TOKEN, F(token), NULL, NULL, 0, 0, NULL,
	  "use a random initial token (the default)" },
	{ "apitimeout", O_APITIMEOUT, K_INT, F(apitimeout), "SECONDS", "20", 0, INT_MAX, NULL,
	  "requests not replied within this wall-clock time fail with \"timeout\", 0 for none (default 20)" },
	{ "jobs", O_JOBS, K_INT, F(jobs), "COUNT", "4", 1, 256, NULL, "worker threads running the verbs (default 4)" },
	{ "max-pending", O_MAX_PENDING, K_INT, F(max_pending), "COUNT", "1000", 1, 10000000, NULL,
	  "requests waiting for a worker before new ones fail with \"cancelled\" (default 1000)" },
	{ "max-pending-client", O_MAX_PENDING_CLIENT, K_INT, F(max_pending_client), "COUNT", "250", 0, 10000000, NULL,
	  "requests of one client (connection, link, bus peer) waiting for a worker before its new ones fail with \"cancelled\"; 0 for no limit but --max-pending (default 250)" },
	{ "shutdown-grace", O_SHUTDOWN_GRACE, K_INT, F(shutdown_grace), "SECONDS", "5", 0, 3600, NULL,
	  "on SIGTERM/SIGINT, pending requests get their reply if it comes within this time, else fail with \"cancelled\"; new ones are refused meanwhile (default 5)" },
	{ "no-sigcatch", O_NO_SIGCATCH, K_FLAG, F(no_sigcatch), NULL, NULL, 0, 0, NULL,
	  "do not catch the faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL) of bindings: they end the daemon with a core dump (debugging)" },
	{ "load-timeout", O_LOAD_TIMEOUT, K_INT, F(load_timeout), "SECONDS", "60", 0, INT_MAX, NULL,
	  "CPU time a binding may use while loading (constructors and pre-init); beyond, the daemon exits with an error, 0 for no limit (default 60)" },
	{ "set", O_SET, K_LIST, F(settings), "API/KEY:VALUE", NULL, 0, 0, check_set,
	  "setting KEY of the api API for its binding; VALUE is JSON, or else a string; API * is every api (repeatable)" },
	{ "binding", 'b', K_LIST, F(bindings), "FILE", NULL, 0, 0, check_nonempty,
	  "load the binding FILE, of binding API v1, v2 or v3 (repeatable)" },
	{ "permissions", O_PERMISSIONS, K_STRING, F(permissions), "FILE", NULL, 0, 0, check_nonempty,
	  "rules granting permissions to clients (see docs/running.md); without it, every permission is granted with a warning" },
	{ "ldpaths", O_LDPATHS, K_LIST, F(ldpaths), "DIR:DIR", NULL, 0, 0, check_nonempty,
	  "load every *.so below these directories (repeatable)" },
	{ "call", 'c', K_LIST, F(calls), "API/VERB:JSON", NULL, 0, 0, check_call,
	  "call a verb once started; its failure stops the daemon (repeatable)" },
	{ "proto-ws-max-output", O_PROTO_WS_MAX_OUTPUT, K_SIZE, F(proto_ws_max_output), "BYTES", "8388608", 65536, LONG_MAX, NULL,	/* proto-ws */
	  "output waiting for one proto-ws peer (--ws-client/--ws-server links); beyond, the link is closed (default 8388608)" },	/* proto-ws */
	{ "ws-client", O_WS_CLIENT, K_LIST, F(ws_clients), "ADDR", NULL, 0, 0, check_nonempty,	/* proto-ws */
	  "import API from the binder serving it at unix:/PATH/API, unix:@NAME/API, HOST:PORT/API or [V6]:PORT/API (repeatable)" },	/* proto-ws */
	{ "ws-server", O_WS_SERVER, K_LIST, F(ws_servers), "ADDR", NULL, 0, 0, check_nonempty,	/* proto-ws */
	  "export API to other binders at an address of --ws-client or sd:API (socket activation; repeatable)" },	/* proto-ws */
	{ "dbus-client", O_DBUS_CLIENT, K_LIST, F(dbus_clients), "[system:|user:]API", NULL, 0, 0, check_nonempty,	/* dbus */
	  "import API from the binder exporting it on the bus (default: user bus; repeatable)" },	/* dbus */
	{ "dbus-server", O_DBUS_SERVER, K_LIST, F(dbus_servers), "[system:|user:]API[?trust=RULE]", NULL, 0, 0,	/* dbus */
	  check_nonempty,	/* dbus */
	  "export API ('*': all) on the bus as org.afb.api.API; RULE: who may use session flags (default self,root; see docs/dbus.md; repeatable)" },	/* dbus */
	{ NULL, 0, 0, 0, NULL, NULL, 0, 0, NULL, NULL }
};

#define FIELD(c, o, type) ((type *)((char *)(c) + (o)->offset))

/* Where a value comes from, for the messages. */
struct origin {
	const char *prog;
	const char *file;	/* NULL: the command line */
};

/*
 * What is being parsed, kept reachable from here: a bad option exits at
 * once, and the leak checker of the sanitizer builds must not take what
 * exit() leaves behind for a leak.
 */
static struct {
	struct afb_config *config;
	struct afb_config_list *files;
	struct json_object *root;
} parsing;

static _Noreturn void oom(void)
{
	fputs("afb-daemon: out of memory\n", stderr);
	exit(1);
}

static _Noreturn void fail(const struct origin *from, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void fail(const struct origin *from, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", from->prog);
	if (from->file)
		fprintf(stderr, "%s: ", from->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", from->prog);
	exit(2);
}

/* "--port" on the command line, "\"port\"" in a file */
static const char *optname(const struct origin *from, const struct optdesc *o)
{
	static char buf[64];

	snprintf(buf, sizeof buf, from->file ? "\"%s\"" : "--%s", o->name);
	return buf;
}

static void usage(FILE *out, const char *prog)
{
	const struct optdesc *o;
	char left[64];

	fprintf(out, "usage: %s [OPTION]...\nServes the apis of bindings over HTTP, WebSocket, D-Bus and afb-proto-ws.\n\n",
		prog);
	for (o = options; o->name; o++) {
		if (o->val < 256)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->val, o->name, o->arg ? "=" : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? "=" : "", o->arg ? o->arg : "");
		fprintf(out, "  %-30s %s\n", left, o->help);
	}
	fprintf(out, "\nA --config FILE holds the same options as a JSON object, e.g.\n"
		     "  {\"port\": 8080, \"binding\": [\"/usr/lib/afb/hello.so\"], \"set\": {\"hello\": {\"key\": 1}}}\n"
		     "and --dump-config prints the configuration in that form. See docs/running.md.\n");
}

static long long number(const struct origin *from, const struct optdesc *o, const char *value)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(value, &end, 10);
	if (errno || end == value || *end || n < o->min || n > o->max)
		fail(from, "bad value '%s' for %s (expected %lld..%lld)", value, optname(from, o), o->min, o->max);
	return n;
}

static void append(struct afb_config_list **list, const char *value)
{
	size_t len = strlen(value);
	struct afb_config_list *item = malloc(sizeof *item + len + 1);

	if (!item)
		oom();
	item->next = NULL;
	memcpy(item->value, value, len + 1);
	while (*list)
		list = &(*list)->next;
	*list = item;
}

static void free_list(struct afb_config_list *list)
{
	struct afb_config_list *next;

	for (; list; list = next) {
		next = list->next;
		free(list);
	}
}

size_t afb_config_list_count(const struct afb_config_list *list)
{
	size_t n = 0;

	for (; list; list = list->next)
		n++;
	return n;
}

static void set_string(char **field, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		oom();
	free(*field);
	*field = copy;
}

/*
 * Applies the option 'o' with 'value' (NULL for the options without
 * value) to 'c'. 'set' is 0 to undo a flag (false in a file).
 */
static void apply(struct afb_config *c, const struct optdesc *o, const char *value, int set,
		  const struct origin *from)
{
	const char *expected;

	if (value && o->check && (expected = o->check(value)) != NULL)
		fail(from, "bad value '%s' for %s (expected %s)", value, optname(from, o), expected);
	switch (o->kind) {
	case K_FLAG:
		*FIELD(c, o, int) = set;
		break;
	case K_INT:
		*FIELD(c, o, int) = (int)number(from, o, value);
		break;
	case K_SIZE:
		*FIELD(c, o, size_t) = (size_t)number(from, o, value);
		break;
	case K_STRING:
		set_string(FIELD(c, o, char *), value);
		break;
	case K_LIST:
	case K_CONFIG:
		append(FIELD(c, o, struct afb_config_list *), value);
		break;
	case K_PORT:
		if (!strncmp(value, "sd:", 3)) {
			if (!value[3])
				fail(from, "bad value '%s' for %s (expected sd:NAME, NAME the FileDescriptorName of the socket)",
				     value, optname(from, o));
			set_string(&c->http_socket, value + 3);
		} else {
			c->port = (int)number(from, o, value);
			set_string(&c->http_socket, NULL);
		}
		break;
	case K_VERBOSE:
		c->verbose += (int)o->min * (value ? (int)strtol(value, NULL, 10) : 1);
		break;
	case K_RANDOM_TOKEN:
		if (set)
			set_string(&c->token, NULL);
		break;
	case K_HELP:
		usage(stdout, from->prog);
		exit(0);
	case K_VERSION:
		printf("afb-daemon %s (binding API v1, v2, v3%s%s)\n", AFB_VERSION, WITH_DBUS ? ", D-Bus" : "",
		       WITH_WEBSOCKET ? ", WebSocket" : "");
		exit(0);
	}
}

/* ---- --config files ---- */

static const struct optdesc *find_long(const char *name)
{
	const struct optdesc *o;

	for (o = options; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* The text of a scalar JSON value as on the command line, or NULL when it is not a scalar. */
static const char *scalar_text(struct json_object *v, char *buf, size_t size)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return json_object_get_string(v);
	case json_type_int:
		snprintf(buf, size, "%" PRId64, json_object_get_int64(v));
		return buf;
	default:
		return NULL;
	}
}

/* "set": {"API": {"KEY": VALUE}} becomes --set API/KEY:JSON of each key */
static void apply_set_object(struct afb_config *c, const struct optdesc *o, struct json_object *obj,
			     const struct origin *from)
{
	char *spec;

	json_object_object_foreach(obj, api, keys) {
		if (!json_object_is_type(keys, json_type_object) || strchr(api, '/'))
			fail(from, "bad value for \"set\" (expected {\"API\": {\"KEY\": VALUE}} or a list of \"API/KEY:VALUE\")");
		json_object_object_foreach(keys, key, value) {
			if (asprintf(&spec, "%s/%s:%s", api, key,
				     json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN)) < 0)
				oom();
			apply(c, o, spec, 1, from);
			free(spec);
		}
	}
}

static void apply_json(struct afb_config *c, const struct optdesc *o, struct json_object *v,
		       const struct origin *from)
{
	char buf[32];
	const char *text;
	size_t i, n;

	switch (o->kind) {
	case K_HELP:
	case K_VERSION:
	case K_CONFIG:
		fail(from, "%s can't be used in a configuration file", optname(from, o));
	case K_FLAG:
	case K_RANDOM_TOKEN:
		if (o->offset == F(dump_config))
			fail(from, "%s can't be used in a configuration file", optname(from, o));
		if (!json_object_is_type(v, json_type_boolean))
			fail(from, "bad value for %s (expected true or false)", optname(from, o));
		apply(c, o, NULL, json_object_get_boolean(v), from);
		return;
	case K_LIST:
		if (o->offset == F(settings) && json_object_is_type(v, json_type_object)) {
			apply_set_object(c, o, v, from);
			return;
		}
		if (json_object_is_type(v, json_type_array)) {
			n = json_object_array_length(v);
			for (i = 0; i < n; i++) {
				text = scalar_text(json_object_array_get_idx(v, i), buf, sizeof buf);
				if (!text)
					fail(from, "bad item %zu of %s (expected a string)", i, optname(from, o));
				apply(c, o, text, 1, from);
			}
			return;
		}
		break;
	case K_STRING:
		if (json_object_is_type(v, json_type_null)) {
			/* back to the default */
			set_string(FIELD(c, o, char *), o->def);
			return;
		}
		break;
	case K_VERBOSE:
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < -10
		    || json_object_get_int64(v) > 10)
			fail(from, "bad value for %s (expected a count, -10..10)", optname(from, o));
		break;
	default:
		break;
	}
	text = scalar_text(v, buf, sizeof buf);
	if (!text)
		fail(from, "bad value %s for %s (expected %s)", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
		     optname(from, o), o->kind == K_LIST ? "a list of strings" : o->arg ? o->arg : "a value");
	apply(c, o, text, 1, from);
}

/* The JSON of the file 'path'; exits with a message saying where it is wrong. */
static struct json_object *parse_file(const struct origin *from, const char *path)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	char *text = NULL;
	size_t len = 0, end, line = 1, i;
	FILE *f = fopen(path, "re");

	if (!f)
		fail(from, "can't read the configuration: %m");
	if (getdelim(&text, &len, 0, f) < 0 && ferror(f))
		fail(from, "can't read the configuration: %m");
	fclose(f);
	len = text ? strlen(text) : 0;
	tok = json_tokener_new();
	if (!tok)
		oom();
	root = json_tokener_parse_ex(tok, text ? text : "", (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue)
		jerr = json_tokener_error_parse_eof;
	else if (jerr == json_tokener_success && text && text[end + strspn(text + end, " \t\r\n")])
		jerr = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	for (i = 0; i < end && i < len; i++)
		line += text[i] == '\n';
	free(text);
	if (jerr != json_tokener_success) {
		json_object_put(root);
		fail(from, "not valid JSON, line %zu: %s", line, json_tokener_error_desc(jerr));
	}
	return root;
}

static void read_config_file(struct afb_config *c, const char *path, const char *prog)
{
	struct origin from = { prog, path };
	struct json_object *root;
	const struct optdesc *o;

	root = parsing.root = parse_file(&from, path);
	if (!json_object_is_type(root, json_type_object))
		fail(&from, "the configuration must be a JSON object");
	json_object_object_foreach(root, key, value) {
		o = find_long(key);
		if (!o)
			fail(&from, "unknown option \"%s\" (the keys are the long option names of --help)", key);
		apply_json(c, o, value, &from);
	}
	json_object_put(root);
	parsing.root = NULL;
}

/* ---- the command line ---- */

/* getopt's tables from ours */
static void make_getopt(struct option *longopts, char *shortopts)
{
	char *s = shortopts;
	size_t i;

	*s++ = ':';	/* a missing value is reported as ':' */
	for (i = 0; options[i].name; i++) {
		longopts[i] = (struct option){ options[i].name, options[i].arg ? required_argument : no_argument, NULL,
					       options[i].val };
		if (options[i].val < 256) {
			*s++ = (char)options[i].val;
			if (options[i].arg)
				*s++ = ':';
		}
	}
	memset(&longopts[i], 0, sizeof longopts[i]);
	*s = 0;
}

static const struct optdesc *find_val(int val)
{
	const struct optdesc *o;

	for (o = options; o->name; o++)
		if (o->val == val)
			return o;
	return NULL;
}

/* What went wrong with the option argv[optind - 1]. */
static _Noreturn void bad_option(const struct origin *from, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	const struct optdesc *o;
	size_t len;

	if (opt == ':') {
		/* optopt: the short option, or the val of the long one */
		o = find_val(optopt);
		if (o)
			fail(from, "option '%s' needs a value: --%s=%s, %s", arg, o->name, o->arg, o->help);
		fail(from, "option '%s' needs a value", arg);
	}
	if (!strncmp(arg, "--", 2)) {
		len = strcspn(arg + 2, "=");
		for (o = options; o->name; o++)
			if (!o->arg && strlen(o->name) == len && !strncmp(o->name, arg + 2, len))
				fail(from, "option '--%s' takes no value", o->name);
	}
	fail(from, "unknown option '%s'", optopt && optopt < 256 && strncmp(arg, "--", 2) ? (char[]){ '-', (char)optopt, 0 } : arg);
}

struct afb_config *afb_config_parse(int argc, char **argv)
{
	struct option longopts[sizeof options / sizeof *options];
	char shortopts[2 + 2 * sizeof options / sizeof *options];
	struct afb_config *c = calloc(1, sizeof *c);
	struct origin from = { argv[0], NULL };
	const struct optdesc *o;
	struct afb_config_list *it;
	int opt;

	if (!c)
		oom();
	parsing.config = c;
	for (o = options; o->name; o++)
		if (o->def)
			apply(c, o, o->def, 1, &from);

	make_getopt(longopts, shortopts);
	opterr = 0;

	/* first the --config files (a bad command line is reported by the second pass) */
	optind = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		if (opt == O_CONFIG && optarg && *optarg)
			append(&parsing.files, optarg);
	for (it = parsing.files; it; it = it->next)
		read_config_file(c, it->value, argv[0]);
	free_list(parsing.files);
	parsing.files = NULL;

	optind = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		o = opt == ':' || opt == '?' ? NULL : find_val(opt);
		if (!o)
			bad_option(&from, opt, argv);
		apply(c, o, o->arg ? optarg : NULL, 1, &from);
	}
	if (optind < argc)
		fail(&from, "unexpected argument '%s'", argv[optind]);
	if (!WITH_DBUS && (c->dbus_clients || c->dbus_servers))
		fail(&from, "--dbus-client and --dbus-server are not available: this afb-daemon is built without D-Bus "
			    "(meson option dbus)");
	if (c->https && (!c->https_cert || !c->https_key))
		fail(&from, "--https needs --https-cert FILE and --https-key FILE (PEM; e.g. made by openssl req -x509)");

	if (c->dump_config) {
		struct json_object *json = afb_config_json(c);

		if (!json)
			oom();
		puts(json_object_to_json_string_ext(json, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
							  | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(json);
		parsing.config = NULL;
		afb_config_free(c);
		exit(0);
	}
	parsing.config = NULL;
	return c;
}

void afb_config_parse_abandoned(void)
{
	afb_config_free(parsing.config);
	free_list(parsing.files);
	json_object_put(parsing.root);
	parsing.config = NULL;
	parsing.files = NULL;
	parsing.root = NULL;
}

/* ---- --dump-config ---- */

static struct json_object *list_json(const struct afb_config_list *list)
{
	struct json_object *array = json_object_new_array();

	for (; array && list; list = list->next)
		json_object_array_add(array, json_object_new_string(list->value));
	return array;
}

static struct json_object *string_json(const char *value)
{
	return value ? json_object_new_string(value) : NULL;
}

struct json_object *afb_config_json(const struct afb_config *c)
{
	struct json_object *json = json_object_new_object(), *v;
	const struct optdesc *o;
	char *sd;

	for (o = options; json && o->name; o++) {
		switch (o->kind) {
		case K_FLAG:
			if (o->offset == F(dump_config))
				continue;
			v = json_object_new_boolean(*FIELD(c, o, const int));
			break;
		case K_INT:
			v = json_object_new_int64(*FIELD(c, o, const int));
			break;
		case K_SIZE:
			v = json_object_new_int64((int64_t)*FIELD(c, o, const size_t));
			break;
		case K_STRING:
			v = string_json(*FIELD(c, o, char *const));
			break;
		case K_LIST:
			v = list_json(*FIELD(c, o, struct afb_config_list *const));
			break;
		case K_PORT:
			if (c->http_socket) {
				if (asprintf(&sd, "sd:%s", c->http_socket) < 0)
					oom();
				v = json_object_new_string(sd);
				free(sd);
			} else {
				v = json_object_new_int(c->port);
			}
			break;
		case K_VERBOSE:
			if (o->min < 0)
				continue;	/* "quiet": in "verbose", negative */
			v = json_object_new_int(c->verbose);
			break;
		default:
			continue;
		}
		json_object_object_add(json, o->name, v);
	}
	return json;
}

void afb_config_free(struct afb_config *c)
{
	const struct optdesc *o;

	if (!c)
		return;
	for (o = options; o->name; o++) {
		if (o->kind == K_STRING)
			free(*FIELD(c, o, char *));
		else if (o->kind == K_LIST || o->kind == K_CONFIG)
			free_list(*FIELD(c, o, struct afb_config_list *));
	}
	free(c->http_socket);
	free(c);
}
