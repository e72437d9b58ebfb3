/*
 * The command line of afb-daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#ifndef AFB_VERSION
#define AFB_VERSION "0.1.0"
#endif

enum {
	O_ROOTAPI = 256, O_ROOTHTTP, O_ALIAS, O_CACHE_EOL, O_UPLOADDIR, O_ROOTDIR, O_MAX_BODY, O_MAX_UPLOAD,
	O_HTTP_TIMEOUT, O_CNTXTIMEOUT, O_SESSION_MAX, O_APITIMEOUT, O_JOBS, O_MAX_PENDING, O_BINDING,
	O_LDPATHS, O_NO_HTTPD, O_INTERFACE, O_WS_CLIENT, O_WS_SERVER, O_DBUS_CLIENT, O_DBUS_SERVER,
	O_RANDOM_TOKEN, O_MAX_PENDING_CLIENT, O_NO_SIGCATCH,
	O_WS_MAX_MESSAGE	/* ws */
};

/* one table for getopt and for --help, so that they never disagree */
static const struct option_help {
	struct option opt;
	const char *arg;
	const char *help;
} options[] = {
	{ { "help", no_argument, NULL, 'h' }, NULL, "print this help and exit" },
	{ { "version", no_argument, NULL, 'V' }, NULL, "print the version and exit" },
	{ { "verbose", no_argument, NULL, 'v' }, NULL, "more messages (repeatable; levels: 0 error, 1 warning+notice, 2 info, 3 debug; default 1)" },
	{ { "quiet", no_argument, NULL, 'q' }, NULL, "fewer messages (repeatable)" },
	{ { "name", required_argument, NULL, 'n' }, "NAME", "name of the daemon in its messages" },
	{ { "port", required_argument, NULL, 'p' }, "PORT", "HTTP port, 0 for any free one (default 1234)" },
	{ { "interface", required_argument, NULL, O_INTERFACE }, "ADDR", "address to listen on, e.g. 127.0.0.1 or ::1 (default: every address)" },
	{ { "rootapi", required_argument, NULL, O_ROOTAPI }, "PATH", "URL prefix of the apis (default /api)" },
	{ { "roothttp", required_argument, NULL, O_ROOTHTTP }, "DIR", "directory of the static files served under / (default: none)" },
	{ { "alias", required_argument, NULL, O_ALIAS }, "/URL:DIR", "also serve DIR under /URL (repeatable)" },
	{ { "cache-eol", required_argument, NULL, O_CACHE_EOL }, "SECONDS", "max-age of static files (default 100000)" },
	{ { "rootdir", required_argument, NULL, O_ROOTDIR }, "DIR", "base of relative --roothttp and --alias paths, and rootdir of bindings (default .)" },
	{ { "workdir", required_argument, NULL, 'w' }, "DIR", "directory to work in, created if missing (default .)" },
	{ { "uploaddir", required_argument, NULL, 'u' }, "DIR", "directory of the temporary files of uploads (default .)" },
	{ { "max-body", required_argument, NULL, O_MAX_BODY }, "BYTES", "largest HTTP body other than uploads (default 1048576)" },
	{ { "max-upload", required_argument, NULL, O_MAX_UPLOAD }, "BYTES", "largest multipart upload (default 67108864)" },
	{ { "http-timeout", required_argument, NULL, O_HTTP_TIMEOUT }, "SECONDS", "idle HTTP connections are closed after (default 15)" },
	{ { "ws-max-message", required_argument, NULL, O_WS_MAX_MESSAGE }, "BYTES", "largest WebSocket message, all its frames together (default 1048576)" },	/* ws */
	{ { "no-httpd", no_argument, NULL, O_NO_HTTPD }, NULL, "do not start the HTTP server" },
	{ { "cntxtimeout", required_argument, NULL, O_CNTXTIMEOUT }, "SECONDS", "idle life of a session, extended on use (default 3600)" },
	{ { "session-max", required_argument, NULL, O_SESSION_MAX }, "COUNT", "sessions kept; the least recently used idle one is evicted beyond (default 200)" },
	{ { "token", required_argument, NULL, 't' }, "TOKEN", "initial token of new sessions, 36 chars max; \"\" accepts any (default: random, logged)" },
	{ { "random-token", no_argument, NULL, 'r' }, NULL, "use a random initial token (the default)" },
	{ { "apitimeout", required_argument, NULL, O_APITIMEOUT }, "SECONDS", "requests not replied within this wall-clock time fail with \"timeout\", 0 for none (default 20)" },
	{ { "jobs", required_argument, NULL, O_JOBS }, "COUNT", "worker threads running the verbs (default 4)" },
	{ { "max-pending", required_argument, NULL, O_MAX_PENDING }, "COUNT", "requests waiting for a worker before new ones fail with \"cancelled\" (default 1000)" },
	{ { "max-pending-client", required_argument, NULL, O_MAX_PENDING_CLIENT }, "COUNT", "requests of one client (connection, link, bus peer) waiting for a worker before its new ones fail with \"cancelled\"; 0 for no limit but --max-pending (default 250)" },
	{ { "no-sigcatch", no_argument, NULL, O_NO_SIGCATCH }, NULL, "do not catch the faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL) of bindings: they end the daemon with a core dump (debugging)" },
	{ { "binding", required_argument, NULL, 'b' }, "FILE", "load the binding FILE (repeatable)" },
	{ { "ldpaths", required_argument, NULL, O_LDPATHS }, "DIR:DIR", "load every *.so below these directories (repeatable)" },
	{ { "call", required_argument, NULL, 'c' }, "API/VERB:JSON", "call a verb once started; its failure stops the daemon (repeatable)" },
	{ { "ws-client", required_argument, NULL, O_WS_CLIENT }, "ADDR", "import API from the binder serving it at unix:/PATH/API, unix:@NAME/API, HOST:PORT/API or [V6]:PORT/API (repeatable)" },	/* proto-ws */
	{ { "ws-server", required_argument, NULL, O_WS_SERVER }, "ADDR", "export API to other binders at an address of --ws-client or sd:API (socket activation; repeatable)" },	/* proto-ws */
	{ { "dbus-client", required_argument, NULL, O_DBUS_CLIENT }, "[system:|user:]API", "import API from the binder exporting it on the bus (default: user bus; repeatable)" },	/* dbus */
	{ { "dbus-server", required_argument, NULL, O_DBUS_SERVER }, "[system:|user:]API[?trust=RULE]", "export API ('*': all) on the bus as org.afb.api.API; RULE: who may use session flags (default self,root; see docs/dbus.md; repeatable)" },	/* dbus */
	{ { NULL, 0, NULL, 0 }, NULL, NULL }
};

static void usage(FILE *out, const char *prog)
{
	const struct option_help *o;
	char left[64];

	fprintf(out, "usage: %s [OPTION]...\nServes the apis of bindings over HTTP.\n\n", prog);
	for (o = options; o->opt.name; o++) {
		if (o->opt.val < 256)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->opt.val, o->opt.name,
				 o->arg ? "=" : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->opt.name, o->arg ? "=" : "", o->arg ? o->arg : "");
		fprintf(out, "  %-30s %s\n", left, o->help);
	}
}

static _Noreturn void bad(const char *prog, const char *fmt, const char *value)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, value);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

static long number(const char *prog, const char *name, const char *value, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno || end == value || *end || n < min || n > max) {
		fprintf(stderr, "%s: bad value '%s' for --%s (expected %ld..%ld)\n", prog, value, name, min, max);
		exit(2);
	}
	return n;
}

static void append(struct afb_config_list **list, const char *value)
{
	size_t len = strlen(value);
	struct afb_config_list *item = malloc(sizeof *item + len + 1);

	if (!item) {
		perror("afb-daemon");
		exit(1);
	}
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

extern int verbosity;

struct afb_config *afb_config_parse(int argc, char **argv)
{
	struct option longopts[sizeof options / sizeof *options];
	char shortopts[64], *s = shortopts;
	struct afb_config *c = calloc(1, sizeof *c);
	const char *prog = argv[0];
	size_t i;
	int opt;

	if (!c) {
		perror("afb-daemon");
		exit(1);
	}
	c->port = 1234;
	c->rootapi = "/api";
	c->cache_eol = 100000;
	c->uploaddir = ".";
	c->rootdir = ".";
	c->workdir = ".";
	c->max_body = 1 << 20;
	c->ws_max_message = 1 << 20;	/* ws */
	c->max_upload = 64 << 20;
	c->http_timeout = 15;
	c->cntxtimeout = 3600;
	c->session_max = 200;
	c->apitimeout = 20;
	c->jobs = 4;
	c->max_pending = 1000;
	c->max_pending_client = 250;

	for (i = 0; options[i].opt.name; i++) {
		longopts[i] = options[i].opt;
		if (options[i].opt.val < 256) {
			*s++ = (char)options[i].opt.val;
			if (options[i].opt.has_arg == required_argument)
				*s++ = ':';
		}
	}
	memset(&longopts[i], 0, sizeof longopts[i]);
	*s = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'h': usage(stdout, prog); exit(0);
		case 'V': printf("afb-daemon %s (binding API v1)\n", AFB_VERSION); exit(0);
		case 'v': verbosity++; break;
		case 'q': verbosity--; break;
		case 'n': c->name = optarg; break;
		case 'p': c->port = (int)number(prog, "port", optarg, 0, 65535); break;
		case O_INTERFACE: c->interface = optarg; break;
		case O_ROOTAPI:
			if (optarg[0] != '/' || !optarg[1])
				bad(prog, "bad --rootapi '%s' (expected /PATH)", optarg);
			c->rootapi = optarg;
			break;
		case O_ROOTHTTP: c->roothttp = optarg; break;
		case O_ALIAS:
			if (optarg[0] != '/' || !strchr(optarg, ':'))
				bad(prog, "bad --alias '%s' (expected /URL:DIR)", optarg);
			append(&c->aliases, optarg);
			break;
		case O_CACHE_EOL: c->cache_eol = (int)number(prog, "cache-eol", optarg, 0, INT_MAX); break;
		case O_ROOTDIR: c->rootdir = optarg; break;
		case 'w': c->workdir = optarg; break;
		case 'u': c->uploaddir = optarg; break;
		case O_MAX_BODY: c->max_body = (size_t)number(prog, "max-body", optarg, 1, LONG_MAX); break;
		case O_MAX_UPLOAD: c->max_upload = (size_t)number(prog, "max-upload", optarg, 1, LONG_MAX); break;
		case O_HTTP_TIMEOUT: c->http_timeout = (int)number(prog, "http-timeout", optarg, 0, 86400); break;
		case O_WS_MAX_MESSAGE: c->ws_max_message = (size_t)number(prog, "ws-max-message", optarg, 16, LONG_MAX); break;	/* ws */
		case O_NO_HTTPD: c->no_httpd = 1; break;
		case O_CNTXTIMEOUT: c->cntxtimeout = (int)number(prog, "cntxtimeout", optarg, 1, INT_MAX); break;
		case O_SESSION_MAX: c->session_max = (int)number(prog, "session-max", optarg, 1, 10000000); break;
		case 't':
			if (strlen(optarg) > 36)
				bad(prog, "--token '%s' is longer than 36 characters", optarg);
			c->token = optarg;
			break;
		case 'r': c->token = NULL; break;
		case O_APITIMEOUT: c->apitimeout = (int)number(prog, "apitimeout", optarg, 0, INT_MAX); break;
		case O_JOBS: c->jobs = (int)number(prog, "jobs", optarg, 1, 256); break;
		case O_MAX_PENDING: c->max_pending = (int)number(prog, "max-pending", optarg, 1, 10000000); break;
		case O_MAX_PENDING_CLIENT: c->max_pending_client = (int)number(prog, "max-pending-client", optarg, 0, 10000000); break;
		case O_NO_SIGCATCH: c->no_sigcatch = 1; break;
		case 'b': append(&c->bindings, optarg); break;
		case O_LDPATHS: append(&c->ldpaths, optarg); break;
		case 'c':
			if (!strchr(optarg, '/'))
				bad(prog, "bad --call '%s' (expected API/VERB:JSON)", optarg);
			append(&c->calls, optarg);
			break;
		case O_WS_CLIENT: append(&c->ws_clients, optarg); break;
		case O_WS_SERVER: append(&c->ws_servers, optarg); break;
		case O_DBUS_CLIENT: append(&c->dbus_clients, optarg); break;
		case O_DBUS_SERVER: append(&c->dbus_servers, optarg); break;
		case ':':
			bad(prog, "option '%s' needs a value", argv[optind - 1]);
		default:
			bad(prog, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad(prog, "unexpected argument '%s'", argv[optind]);
	return c;
}

void afb_config_free(struct afb_config *c)
{
	if (!c)
		return;
	free_list(c->aliases);
	free_list(c->bindings);
	free_list(c->ldpaths);
	free_list(c->calls);
	free_list(c->ws_clients);
	free_list(c->ws_servers);
	free_list(c->dbus_clients);
	free_list(c->dbus_servers);
	free(c);
}
