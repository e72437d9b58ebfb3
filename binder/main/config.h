/*
 * The daemon's configuration, filled from the command line.
 */
#pragma once

#include <stddef.h>

struct afb_config_list {
	struct afb_config_list *next;
	char value[];
};

struct afb_config {
	/* HTTP */
	int no_httpd;
	const char *interface;		/* --interface: address to bind (NULL: every address) */
	int port;			/* --port (default 1234) */
	const char *rootapi;		/* --rootapi (default "/api") */
	const char *roothttp;		/* --roothttp (default none) */
	struct afb_config_list *aliases;/* --alias "/prefix:/path" */
	int cache_eol;			/* --cache-eol seconds (default 100000) */
	const char *uploaddir;		/* --uploaddir (default ".") */
	const char *rootdir;		/* --rootdir (default ".") */
	const char *workdir;		/* --workdir (default ".") */
	size_t max_body;		/* --max-body bytes (default 1 MiB) */
	size_t max_upload;		/* --max-upload bytes (default 64 MiB) */
	int http_timeout;		/* --http-timeout seconds of idle connection (default 15) */
	size_t ws_max_message;		/* --ws-max-message bytes of a WebSocket message (default 1 MiB) */	/* ws */

	/* core */
	int cntxtimeout;		/* --cntxtimeout session idle life (default 3600) */
	int session_max;		/* --session-max (default 200) */
	const char *token;		/* --token (NULL: random) */
	int apitimeout;			/* --apitimeout seconds, wall clock (default 20, 0 none) */
	int jobs;			/* --jobs worker threads (default 4) */
	int max_pending;		/* --max-pending queued jobs (default 1000) */
	int max_pending_client;		/* --max-pending-client queued jobs of one peer (default 250, 0 none) */

	int no_sigcatch;		/* --no-sigcatch: faults of bindings end the daemon */

	/* bindings */
	struct afb_config_list *bindings;	/* --binding FILE */
	struct afb_config_list *ldpaths;	/* --ldpaths DIR:DIR */
	struct afb_config_list *calls;		/* --call API/VERB:JSON */

	/* links (later issues) */
	struct afb_config_list *ws_clients;
	struct afb_config_list *ws_servers;
	struct afb_config_list *dbus_clients;
	struct afb_config_list *dbus_servers;

	const char *name;		/* --name */
};

/* Parses argv into a new config; exits with a message on bad options. */
struct afb_config *afb_config_parse(int argc, char **argv);
void afb_config_free(struct afb_config *config);
