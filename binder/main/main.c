/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afb-daemon: loads the bindings and serves their apis.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <systemd/sd-daemon.h>
#include "api-so.h"
#include "cpulimit.h"
#include "perm.h"
#include "binding-host.h"
#include "apiset.h"
#include "config.h"
#include "api-ws-client.h"	/* proto-ws */
#include "api-ws-server.h"	/* proto-ws */
#include "wslink.h"	/* proto-ws */
#if WITH_DBUS
#include "dbus-bridge.h"	/* dbus */
#endif
#include "fault.h"
#include "hsrv.h"
#if WITH_WEBSOCKET
#include "wsj1.h"	/* ws */
#endif
#include "jobs.h"
#include "mainloop.h"
#include "ioset.h"
#include "cowork.h"
#include "memtrim.h"
#include "monitor.h"
#include "tracelog.h"
#include "session.h"
#include "settings.h"
#include "utf8.h"
#include "verbose.h"
#include "xreq.h"

struct wsj1;	/* without the WebSocket (meson option websocket) too */

/* seconds given, after the loop ends, to the workers to return from the verbs they run */
#define STOP_TIMEOUT 5
/* once every request is replied: how long the transports get to write the replies out */
#define FLUSH_US 2000000
#define STOP_TICK_US 20000

/*
 * The shutdown, on SIGTERM or SIGINT (docs/running.md): the clients' new
 * requests are refused with "cancelled"; the pending ones get their reply
 * if it comes within the grace (--shutdown-grace), else a "cancelled"
 * failure; then the loop runs until the transports have written it all out
 * (FLUSH_US at most), and ends. A second signal ends it at once.
 */
static struct {
	struct hsrv *hsrv;
	struct wsj1 *wsj1;	/* ws */
	uint64_t grace_us;
	int phase;		/* 0: serving, 1: grace, 2: flush */
	uint64_t deadline;
	sd_event_source *timer;
} stopping;

static int transports_busy(void)
{
	return mainloop_has_posts()	/* replies on their way to a transport */
	       || hsrv_busy(stopping.hsrv)
#if WITH_WEBSOCKET
	       || wsj1_busy(stopping.wsj1)	/* ws */
#endif
#if WITH_DBUS
	       || dbus_bridge_busy()	/* dbus */
#endif
	       || ws_servers_busy();	/* proto-ws */
}

static int on_stop_tick(sd_event_source *s, uint64_t now, void *userdata)
{
	int n;

	if (stopping.phase == 1) {
		if (xreq_pending_count() > 0 && now < stopping.deadline)
			goto again;
		n = xreq_cancel_pending("the daemon is stopping");
		if (n > 0)
			LOGW("%d request(s) not replied within the shutdown grace (%llu ms): failed with \"cancelled\"",
			     n, (unsigned long long)(stopping.grace_us / 1000));
		stopping.phase = 2;
		stopping.deadline = now + FLUSH_US;
		goto again;	/* the failures are on their way: one loop round at least */
	}
	if (transports_busy() && now < stopping.deadline)
		goto again;
	if (transports_busy())
		LOGW("stopping: replies still not written after %d ms", FLUSH_US / 1000);
	mainloop_exit(0);
	return 0;
again:
	sd_event_source_set_time(s, now + STOP_TICK_US);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	uint64_t now;

	if (stopping.phase) {
		LOGN("signal %d received again: stopping now", (int)si->ssi_signo);
		mainloop_exit(0);
		return 0;
	}
	LOGN("signal %d received: stopping (%d request(s) pending, %llu ms of grace)", (int)si->ssi_signo,
	     xreq_pending_count(), (unsigned long long)(stopping.grace_us / 1000));
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
	stopping.phase = 1;
	xreq_stop_serving();
	sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
	stopping.deadline = now + stopping.grace_us;
	if (sd_event_add_time(mainloop_event(), &stopping.timer, CLOCK_MONOTONIC, now, 1000, on_stop_tick, NULL) < 0)
		mainloop_exit(0);	/* no timer: no grace */
	return 0;
}

static int setup_signals(void)
{
	sigset_t set;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* before any thread starts, so that every thread inherits the mask */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	rc = sd_event_add_signal(mainloop_event(), NULL, SIGTERM, on_signal, NULL);
	if (rc >= 0)
		rc = sd_event_add_signal(mainloop_event(), NULL, SIGINT, on_signal, NULL);
	return rc;
}

/* mkdir -p with mode 0750 */
static int make_dirs(const char *path)
{
	char *copy = strdup(path), *p;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (p = strchr(copy + 1, '/'); p && !rc; p = strchr(p + 1, '/')) {
		*p = 0;
		if (mkdir(copy, 0750) < 0 && errno != EEXIST)
			rc = -errno;
		*p = '/';
	}
	if (!rc && mkdir(copy, 0750) < 0 && errno != EEXIST)
		rc = -errno;
	free(copy);
	return rc;
}

static int load_bindings(struct afb_config *config)
{
	struct afb_config_list *item;
	int rc;

	for (item = config->bindings; item; item = item->next) {
		rc = api_so_load(main_apiset, item->value);
		if (rc < 0)
			return rc;
	}
	for (item = config->ldpaths; item; item = item->next) {
		rc = api_so_load_dirs(main_apiset, item->value);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* --set: the store read by the bindings (settings.h) */
static int load_settings(struct afb_config *config)
{
	struct afb_config_list *item;
	int rc;

	for (item = config->settings; item; item = item->next) {
		rc = settings_parse(item->value);
		if (rc < 0) {
			LOGE("bad --set %s: %s", item->value, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* ---- HTTP and WebSocket (binder/http, binder/wsj1) ---- */

/* The socket named 'name' passed by systemd (LISTEN_FDNAMES), or -errno. */
static int systemd_socket(const char *name)
{
	char **names = NULL;
	int n, i, fd = -ENOENT;

	n = sd_listen_fds_with_names(0, &names);
	for (i = 0; i < n; i++) {
		if (fd < 0 && names && names[i] && !strcmp(names[i], name))
			fd = SD_LISTEN_FDS_START + i;
		if (names)
			free(names[i]);
	}
	free(names);
	if (fd < 0)
		LOGE("--port=sd:%s: systemd passed no socket named %s (FileDescriptorName=%s in the .socket unit)",
		     name, name, name);
	else if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
		LOGE("--port=sd:%s: the socket passed by systemd is not a listening stream socket", name);
		fd = -ENOTSOCK;
	}
	return fd;
}

static int start_http(struct afb_config *config, struct hsrv **hsrv, struct wsj1 **wsj1)
{
	struct hsrv_options options = {
		.interface = config->interface,
		.port = config->port,
		.listen_fd = -1,
		.rootapi = config->rootapi,
		.roothttp = config->roothttp,
		.rootdir = config->rootdir,
		.cache_eol = config->cache_eol,
		.uploaddir = config->uploaddir,
		.max_body = config->max_body,
		.max_upload = config->max_upload,
		.http_timeout = config->http_timeout,
		.max_connections = (unsigned)config->http_max_connections,
		.max_per_address = (unsigned)config->http_max_per_address,
		.header_timeout = config->http_header_timeout,
		.session_timeout = config->cntxtimeout,
		.https = config->https,
		.https_cert = config->https_cert,
		.https_key = config->https_key,
		.no_web_client = config->no_web_client,
		.monitoring = config->monitoring,
	};
#if WITH_WEBSOCKET
	struct wsj1_options wsj1_options = {	/* ws */
		.max_message = config->ws_max_message,
		.ping_interval = config->ws_ping_interval,
		.idle_timeout = config->ws_idle_timeout,
	};
#endif
	struct afb_config_list *item;
	const char **aliases;
	size_t n = 0;
	int rc;

	if (config->http_socket) {
		options.listen_fd = systemd_socket(config->http_socket);
		if (options.listen_fd < 0)
			return options.listen_fd;
	}
	aliases = calloc(afb_config_list_count(config->aliases) + 1, sizeof *aliases);
	if (!aliases)
		return -ENOMEM;
	for (item = config->aliases; item; item = item->next)
		aliases[n++] = item->value;
	options.aliases = aliases;
	rc = hsrv_new(hsrv, &options, main_apiset);
	free(aliases);	/* hsrv_new opened the directories */
	if (rc < 0) {
		LOGE("can't start the HTTP server: %s", strerror(-rc));
		return rc;
	}
#if WITH_WEBSOCKET
	rc = wsj1_new(wsj1, *hsrv, &wsj1_options, main_apiset);	/* ws */
	if (rc < 0) {	/* ws */
		LOGE("can't start the WebSocket server: %s", strerror(-rc));	/* ws */
		return rc;	/* ws */
	}	/* ws */
#endif
	LOGN("serving %s on port %d", config->https ? "HTTPS" : "HTTP", hsrv_port(*hsrv));
	return 0;
}

/* ---- D-Bus (dbus-bridge/, docs/dbus.md) ---- */
#if WITH_DBUS

/* dbus: imports, once the bindings are loaded (their names come first) */
static int start_dbus_clients(struct afb_config *config)
{
	struct afb_config_list *item;
	int rc = 0;

	dbus_bridge_set_max_args(config->max_body);
	for (item = config->dbus_clients; item && rc >= 0; item = item->next)
		rc = dbus_bridge_import(main_apiset, item->value);
	return rc;
}

/* dbus: exports, once the apis are started */
static int start_dbus_servers(struct afb_config *config)
{
	struct afb_config_list *item;
	int rc = 0;

	for (item = config->dbus_servers; item && rc >= 0; item = item->next)
		rc = dbus_bridge_export(main_apiset, item->value);
	return rc;
}

#endif /* WITH_DBUS */

/* ---- proto-ws (binder/wsapi/, docs/proto-ws.md) ---- */

/* proto-ws: imports, once the bindings are loaded (their names come first) */
static int start_ws_clients(struct afb_config *config)
{
	struct afb_config_list *item;
	int rc = 0;

	wslink_set_max_output(config->proto_ws_max_output);
	for (item = config->ws_clients; item && rc >= 0; item = item->next)
		rc = ws_client_add(main_apiset, item->value);
	return rc;
}

/* proto-ws: exports, once the apis are started */
static int start_ws_servers(struct afb_config *config)
{
	struct afb_config_list *item;
	int rc = 0;

	for (item = config->ws_servers; item && rc >= 0; item = item->next)
		rc = ws_server_add(main_apiset, item->value);
	return rc;
}

/* ---- --call ---- */

struct startup_call {
	char *spec;
};

static void on_startup_reply(void *closure, int status, struct json_object *envelope)
{
	struct startup_call *sc = closure;

	if (status < 0) {
		LOGE("startup call %s failed: %s", sc->spec,
		     json_object_to_json_string_ext(envelope, JSON_C_TO_STRING_PLAIN));
		mainloop_exit(1);
	} else {
		LOGN("startup call %s done", sc->spec);
	}
	free(sc->spec);
	free(sc);
}

static int start_call(struct session *session, const char *spec)
{
	const char *slash = strchr(spec, '/'), *colon;
	struct json_object *args = NULL;
	struct startup_call *sc;
	char *api, *verb;

	if (!utf8_valid_str(spec)) {
		LOGE("startup call %s: not valid UTF-8", spec);
		return -EINVAL;
	}
	colon = strchr(slash, ':');
	if (colon) {
		args = json_tokener_parse(colon + 1);
		if (!args && strcmp(colon + 1, "null")) {
			LOGE("startup call %s: invalid JSON arguments", spec);
			return -EINVAL;
		}
	}
	api = strndup(spec, (size_t)(slash - spec));
	verb = colon ? strndup(slash + 1, (size_t)(colon - slash - 1)) : strdup(slash + 1);
	sc = malloc(sizeof *sc);
	if (!api || !verb || !sc || !(sc->spec = strdup(spec))) {
		free(api);
		free(verb);
		free(sc);
		json_object_put(args);
		return -ENOMEM;
	}
	xreq_call_in_session(session, NULL, api, verb, args, on_startup_reply, sc);
	free(api);
	free(verb);
	return 0;
}

static int start_calls(struct afb_config *config)
{
	struct afb_config_list *item;
	struct session *session;
	int rc = 0;

	if (!config->calls)
		return 0;
	session = session_new(0);
	if (!session)
		return -ENOMEM;
	for (item = config->calls; item && !rc; item = item->next)
		rc = start_call(session, item->value);
	session_unref(session);
	return rc;
}

/* READY=1 and a STATUS= line saying what is served */
static void notify_ready(struct afb_config *config, struct hsrv *hsrv)
{
	char status[160];

	if (hsrv)
		snprintf(status, sizeof status, "serving %d apis on %s port %d", apiset_count(main_apiset),
			 config->https ? "HTTPS" : "HTTP", hsrv_port(hsrv));
	else
		snprintf(status, sizeof status, "serving %d apis (no HTTP)", apiset_count(main_apiset));
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

int main(int argc, char **argv)
{
	struct afb_config *config;
	struct hsrv *hsrv = NULL;
	struct wsj1 *wsj1 = NULL;	/* ws */
	int rc, rootfd = -1, exitcode = 1;

	/* first: it may run the program again with the heap tuned (memtrim.h) */
	memtrim_tune(argv);
	config = afb_config_parse(argc, argv);
	verbosity += config->verbose;
	/* before any thread, before any binding code */
	if (fault_init(!config->no_sigcatch) < 0)
		LOGW("can't catch the faults of bindings: a faulting binding will end the daemon");
	memtrim_init();
	if (mainloop_init() < 0 || ioset_init() < 0 || setup_signals() < 0) {
		LOGE("can't set up the event loop");
		return 1;
	}
	rc = make_dirs(config->workdir);
	if (rc < 0 || chdir(config->workdir) < 0) {
		LOGE("can't use the work directory %s: %s", config->workdir, strerror(rc < 0 ? -rc : errno));
		goto end;
	}
	rootfd = open(config->rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		LOGE("can't open the root directory %s: %m", config->rootdir);
		goto end;
	}
	host_set_rootdir(rootfd);
	rc = session_init(config->session_max, config->session_max_per_address, config->cntxtimeout, config->token);
	if (rc < 0) {
		LOGE("can't initialise sessions: %s", strerror(-rc));
		goto end;
	}
	if (!config->token)
		LOGN("initial token of new sessions: %s", session_initial_token());

	cpulimit_set(config->load_timeout);
	main_apiset = apiset_new();
	if (config->permissions && perm_load(config->permissions) < 0)
		goto end;
	/* the monitor api first: bindings can't take its name */
	if (!main_apiset || load_settings(config) < 0 || monitor_add(main_apiset) < 0)
		goto end;
	/* before the bindings load: their services and events are traced too */
	if (tracelog_start(config->tracereq, config->traceditf, config->traceevt, config->tracesvc,
			   config->traceses) < 0) {
		LOGE("can't set up the tracing options");
		goto end;
	}
	if (load_bindings(config) < 0)
		goto end;
#if WITH_DBUS
	if (start_dbus_clients(config) < 0)	/* dbus */
		goto end;
#endif
	if (start_ws_clients(config) < 0)	/* proto-ws */
		goto end;
	rc = jobs_start(config->jobs, config->max_pending);
	if (rc < 0) {
		LOGE("can't start the workers: %s", strerror(-rc));
		goto end;
	}
	jobs_set_max_per_lane(config->max_pending_client);
	xreq_set_timeout(config->apitimeout);
	rc = apiset_start_all(main_apiset);
	if (rc < 0) {
		LOGE("the start of the apis failed: %s", strerror(-rc));
		goto end;
	}
	/* the exports before HTTP: their failure (no bus...) stops the daemon before it serves */
#if WITH_DBUS
	if (start_dbus_servers(config) < 0)	/* dbus */
		goto end;
#endif
	if (start_ws_servers(config) < 0)	/* proto-ws */
		goto end;
	if (!config->no_httpd && start_http(config, &hsrv, &wsj1) < 0)
		goto end;
	if (start_calls(config) < 0)
		goto end;
	/* Type=notify: ready; the loop pings the watchdog when WatchdogSec= asks for it */
	sd_event_set_watchdog(mainloop_event(), 1);
	notify_ready(config, hsrv);
	/* what the start (bindings, configuration) used and freed goes back once serving */
	memtrim_now();
	stopping.hsrv = hsrv;
	stopping.wsj1 = wsj1;	/* ws */
	stopping.grace_us = (uint64_t)config->shutdown_grace * 1000000;
	ws_clients_loop_starts();	/* proto-ws */
	exitcode = mainloop_run();
	stopping.timer = sd_event_source_disable_unref(stopping.timer);
end:
	if (jobs_stop(STOP_TIMEOUT) < 0) {
		/* a verb that never returns: freeing what it uses would crash it */
		LOGE("a verb did not finish within %d s: exiting without cleaning up", STOP_TIMEOUT);
		_exit(exitcode);
	}
	mainloop_drain();
#if WITH_DBUS
	dbus_bridge_stop();	/* dbus: before the apis it serves and imports are freed */
#endif
	ws_servers_free();	/* proto-ws: before the apis they serve are freed */
	ws_clients_free();	/* proto-ws: pending calls fail */
#if WITH_WEBSOCKET
	wsj1_free(wsj1);	/* ws: closes the WebSocket connections before MHD stops */
#endif
	if (hsrv)
		hsrv_free(hsrv);
	apiset_free(main_apiset);
	api_so_cleanup();
	session_exit();
	tracelog_stop();
	memtrim_cleanup();
	cowork_stop();
	ioset_cleanup();
	mainloop_cleanup();
	if (rootfd >= 0)
		close(rootfd);
	settings_clear();
	perm_unload();
	afb_config_free(config);
	return exitcode;
}
