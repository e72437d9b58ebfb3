/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's configuration: defaults, then the --config files, then the
 * command line (which overrides the files; repeatable options add to the
 * lists of the files). One table of options (config.c) drives getopt,
 * --help, --config and --dump-config. Only binder/main reads this: the
 * layers get their own options structs from main.c.
 */
#pragma once

#include <stddef.h>

struct afb_config_list {
	struct afb_config_list *next;
	char value[];
};

/* Every string is owned by the configuration (afb_config_free). */
struct afb_config {
	/* HTTP */
	int no_httpd;
	char *interface;		/* --interface: address to bind (NULL: every address) */
	int port;			/* --port (default 1234) */
	char *http_socket;		/* --port=sd:NAME: the socket NAME passed by systemd (NULL: none) */
	char *rootapi;			/* --rootapi (default "/api") */
	char *roothttp;			/* --roothttp (default none) */
	struct afb_config_list *aliases;/* --alias "/prefix:/path" */
	int cache_eol;			/* --cache-eol seconds (default 100000) */
	char *uploaddir;		/* --uploaddir (default ".") */
	char *rootdir;			/* --rootdir (default ".") */
	char *workdir;			/* --workdir (default ".") */
	size_t max_body;		/* --max-body bytes (default 1 MiB) */
	size_t max_upload;		/* --max-upload bytes (default 64 MiB) */
	int http_timeout;		/* --http-timeout seconds of idle connection (default 15) */
	int http_max_connections;	/* --http-max-connections (default 0: from RLIMIT_NOFILE) */
	int http_max_per_address;	/* --http-max-per-address (default 128, 0: none) */
	int http_header_timeout;	/* --http-header-timeout seconds (default 10, 0: none) */
	int https;			/* --https: TLS on the HTTP port (plain HTTP off) */
	char *https_cert;		/* --https-cert PEM file */
	char *https_key;		/* --https-key PEM file */
	size_t ws_max_message;		/* --ws-max-message bytes of a WebSocket message (default 1 MiB) */	/* ws */
	int ws_ping_interval;		/* --ws-ping-interval seconds (default 30, 0: none) */
	int ws_idle_timeout;		/* --ws-idle-timeout seconds (default 90, 0: never) */
	size_t proto_ws_max_output;	/* --proto-ws-max-output bytes queued for one link (default 8 MiB) */
	int no_web_client;		/* --no-web-client: no /afb/ (AFB.js, afb.mjs) */
	int monitoring;			/* --monitoring: the monitoring page at /monitoring/ */

	/* tracing to the log (docs/web.md): no, common, extra, all */
	char *tracereq;			/* --tracereq: requests */
	char *traceditf;		/* --traceditf: daemon interface of bindings */
	char *traceevt;			/* --traceevt: events */
	char *tracesvc;			/* --tracesvc: services (no, all) */
	char *traceses;			/* --traceses: sessions (no, common, all) */

	/* core */
	int cntxtimeout;		/* --cntxtimeout session idle life (default 3600) */
	int session_max;		/* --session-max (default 200) */
	int session_max_per_address;	/* --session-max-per-address anonymous sessions of one address (default 16) */
	char *token;			/* --token (NULL: random) */
	int apitimeout;			/* --apitimeout seconds, wall clock (default 20, 0 none) */
	int jobs;			/* --jobs worker threads (default 4) */
	int max_pending;		/* --max-pending queued jobs (default 1000) */
	int max_pending_client;		/* --max-pending-client queued jobs of one peer (default 250, 0 none) */

	int load_timeout;		/* --load-timeout CPU seconds of a binding's load and pre-init (default 60, 0 none) */
	int no_sigcatch;		/* --no-sigcatch: faults of bindings end the daemon */
	int shutdown_grace;		/* --shutdown-grace seconds for pending requests at SIGTERM (default 5) */
	struct afb_config_list *settings;	/* --set API/KEY:VALUE */

	/* bindings */
	struct afb_config_list *bindings;	/* --binding FILE */
	struct afb_config_list *ldpaths;	/* --ldpaths DIR:DIR */
	char *permissions;			/* --permissions FILE (perm.h) */
	struct afb_config_list *calls;		/* --call API/VERB:JSON */

	/* links */
	struct afb_config_list *ws_clients;	/* proto-ws */
	struct afb_config_list *ws_servers;	/* proto-ws */
	struct afb_config_list *dbus_clients;	/* dbus */
	struct afb_config_list *dbus_servers;	/* dbus */

	char *name;			/* --name */
	int verbose;			/* -v count minus -q count */
	struct afb_config_list *config_files;	/* --config FILE, as read */
	int dump_config;		/* --dump-config */
};

/*
 * Parses the --config files and argv into a new config; exits with a
 * message (status 2) on a bad option or file, and with 0 after --help,
 * --version and --dump-config.
 */
struct afb_config *afb_config_parse(int argc, char **argv);
void afb_config_free(struct afb_config *config);

/*
 * Frees what a parse ended by exit() left reachable (the fuzz harness of
 * the command line intercepts exit; the daemon never needs it).
 */
void afb_config_parse_abandoned(void);

/* The configuration as a --config file would give it (a new object; --dump-config). */
struct json_object *afb_config_json(const struct afb_config *config);

/* Count of the items of 'list'. */
size_t afb_config_list_count(const struct afb_config_list *list);
