/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include "apiset.h"
#include "dbus-call.h"
#include "dbus-conn.h"
#include "dbus-export.h"
#include "dbus-json.h"
#include "dbus-name.h"
#include "dbus-peer.h"
#include "dbus-trust.h"
#include "jobs.h"
#include "mainloop.h"
#include "verbose.h"

struct dbus_export {
	struct dbus_export *next;	/* conn->exports */
	struct dbus_conn *conn;
	struct api *api;		/* one reference */
	const struct dbus_trust *trust;
	char *name;			/* the api's name */
	char *busname;			/* also the name of the per-api interface */
	char *path;
	char *info;			/* description.info.description, or "" */
	int nverbs;
	char **verbs;			/* verb names, for the Verbs property */
	char **members;			/* their member names (NULL when not representable) */
	sd_bus_vtable *vtable;		/* the per-api interface */
	sd_bus_slot *slot_api, *slot_link, *slot_verbs, *slot_name;
	int registered;
	int stale;			/* a refresh was asked before the registration */
};

static size_t max_args = 1 << 20;

void dbus_export_set_max_args(size_t max)
{
	max_args = max;
}

struct dbus_export *dbus_export_find(struct dbus_conn *conn, const char *api)
{
	struct dbus_export *ex;

	for (ex = conn->exports; ex; ex = ex->next)
		if (!strcasecmp(ex->name, api))
			return ex;
	return NULL;
}

const char *dbus_export_path(const struct dbus_export *ex)
{
	return ex->path;
}

/* ---- calls ---- */

/* Serves a call of 'verb'. Returns what a vtable handler returns. */
static int serve(struct dbus_export *ex, sd_bus_message *m, const char *verb, const char *args_text,
		 const char *session_key, int link_validated, int link, sd_bus_error *error)
{
	struct dbus_call_params params = { .conn = ex->conn, .msg = m, .api = ex->name, .verb = verb };
	struct json_object *args = NULL;
	struct dbus_peer *peer;
	int rc;

	if (strlen(args_text) > max_args)
		return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
					 "args_json is larger than %zu bytes", max_args);
	rc = dbus_json_parse(args_text, &args);
	if (rc < 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "args_json is not valid JSON%s",
					 rc == -E2BIG ? " (nested too deeply)" : "");
	rc = dbus_peer_get(ex->conn, m, &peer);
	if (rc >= 0)
		rc = dbus_peer_session(peer, session_key, &params.session);
	if (rc < 0) {
		json_object_put(args);
		if (rc == -ENOSPC)
			return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
						 "more than %d sessions for this peer", DBUS_PEER_MAX_SESSIONS);
		if (rc == -EINVAL)
			return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "bad session key");
		return sd_bus_error_set_errno(error, rc);
	}
	if (dbus_trust_needs_groups(ex->trust))
		dbus_peer_query_groups(peer);
	params.peer = peer;
	params.args = args;
	/* the message may lower the trust of a binder peer, never raise it */
	params.validated = dbus_trust_check(ex->trust, dbus_peer_creds(peer)) && link_validated;
	params.link_path = link ? ex->path : NULL;
	rc = dbus_call_start(&params);
	if (rc == -EBUSY)
		return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
					 "more than %d requests in progress for this peer", DBUS_PEER_MAX_PENDING);
	if (rc < 0)
		return sd_bus_error_set_errno(error, rc);
	return 1;	/* replied later */
}

static int on_call(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *verb, *args;
	int rc = sd_bus_message_read(m, "ss", &verb, &args);

	if (rc < 0)
		return rc;
	return serve(userdata, m, verb, args, NULL, 1, 0, error);
}

static int on_verb(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *args;
	char *verb;
	int rc = sd_bus_message_read(m, "s", &args);

	if (rc < 0)
		return rc;
	verb = dbus_name_unescape(sd_bus_message_get_member(m));
	if (!verb)
		return sd_bus_error_set_errno(error, -ENOMEM);
	rc = serve(userdata, m, verb, args, NULL, 1, 0, error);
	free(verb);
	return rc;
}

static int on_link_call(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *key, *verb, *args;
	int validated;
	int rc = sd_bus_message_read(m, "sbss", &key, &validated, &verb, &args);

	if (rc < 0)
		return rc;
	return serve(userdata, m, verb, args, key, validated, 1, error);
}

static int on_end_session(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct dbus_export *ex = userdata;
	struct dbus_peer *peer;
	const char *key;
	int rc = sd_bus_message_read(m, "s", &key);

	if (rc >= 0)
		rc = dbus_peer_get(ex->conn, m, &peer);
	if (rc < 0)
		return rc;
	if (*key)
		dbus_peer_end_session(peer, key);
	return sd_bus_reply_method_return(m, NULL);
}

/* ---- Describe: asked on a thread, replied on the main thread ---- */

struct describing {
	struct dbus_conn *conn;
	struct api *api;
	sd_bus_message *msg;	/* the Describe call, or NULL at registration */
	struct dbus_export *ex;	/* at registration */
	struct json_object *desc;
	char *text;
};

static void register_export(struct dbus_export *ex, struct json_object *desc);
static void refresh_export(struct dbus_export *ex, struct json_object *desc);

static void described(void *arg)
{
	struct describing *d = arg;
	int rc;

	if (!d->msg) {
		/* closed: the exports were freed */
		if (dbus_conn_is_open(d->conn) && !d->ex->registered) {
			register_export(d->ex, d->desc);
			if (d->ex->stale) {
				d->ex->stale = 0;
				dbus_export_refresh(d->conn, d->ex->name);
			}
		} else if (dbus_conn_is_open(d->conn))
			refresh_export(d->ex, d->desc);
	} else {
		rc = dbus_conn_is_open(d->conn)
			? sd_bus_reply_method_return(d->msg, "s", d->text ? d->text : "null") : 0;
		if (rc < 0)
			LOGW("D-Bus: can't reply to Describe: %s", strerror(-rc));
		sd_bus_message_unref(d->msg);
	}
	json_object_put(d->desc);
	free(d->text);
	free(d);
}

/*
 * Describing runs as a worker job, never on the loop's thread: an imported
 * api may wait for the event loop to describe itself (a job that waits
 * hands the loop over, see jobs_wait).
 */
#define MAX_DESCRIBE_CALLS 16	/* Describe calls in progress at once */

static pthread_mutex_t describers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t describers_cond = PTHREAD_COND_INITIALIZER;
static int describers;
static int describe_calls;	/* the part of 'describers' serving Describe calls */

static void describers_done(int is_call)
{
	pthread_mutex_lock(&describers_lock);
	if (is_call)
		describe_calls--;
	if (--describers == 0)
		pthread_cond_broadcast(&describers_cond);
	pthread_mutex_unlock(&describers_lock);
}

/* signum != 0: the daemon stops before the job ran */
static void describe_job(int signum, void *arg)
{
	struct describing *d = arg;
	int is_call = d->msg != NULL;	/* 'd' is freed by the loop once posted */

	if (signum && !is_call) {
		free(d);	/* no export to register any more */
	} else {
		if (!signum && d->api->itf->describe)
			d->desc = d->api->itf->describe(d->api->closure);
		if (d->msg && d->desc)
			d->text = dbus_json_text(d->desc);
		if (mainloop_post(described, d) < 0) {
			LOGE("D-Bus: out of memory, describe of %s lost", d->api->name);
			json_object_put(d->desc);
			free(d->text);
			free(d);	/* leaks a message reference rather than touching it here */
		}
	}
	describers_done(is_call);
}

static int describe_async(struct describing *d)
{
	int rc, is_call = d->msg != NULL;

	pthread_mutex_lock(&describers_lock);
	if (is_call && describe_calls >= MAX_DESCRIBE_CALLS) {
		pthread_mutex_unlock(&describers_lock);
		free(d);
		return -EBUSY;
	}
	describe_calls += is_call;
	describers++;
	pthread_mutex_unlock(&describers_lock);
	rc = jobs_queue(NULL, 0, describe_job, d);
	if (rc < 0) {
		describers_done(is_call);
		free(d);
	}
	return rc;
}

int dbus_export_wait_describers(int timeout_ms)
{
	struct timespec deadline;
	int left;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&describers_lock);
	while (describers && pthread_cond_timedwait(&describers_cond, &describers_lock, &deadline) == 0)
		;
	left = describers;
	pthread_mutex_unlock(&describers_lock);
	return left ? -ETIMEDOUT : 0;
}

static int on_describe(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct dbus_export *ex = userdata;
	struct describing *d = calloc(1, sizeof *d);
	int rc;

	if (!d)
		return -ENOMEM;
	d->conn = ex->conn;
	d->api = ex->api;
	d->msg = sd_bus_message_ref(m);
	rc = describe_async(d);
	if (rc < 0) {
		sd_bus_message_unref(m);
		if (rc == -EBUSY)
			return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
						 "more than %d Describe calls in progress", MAX_DESCRIBE_CALLS);
		return sd_bus_error_set_errno(error, rc);
	}
	return 1;
}

/* ---- properties ---- */

static int get_name(sd_bus *bus, const char *path, const char *itf, const char *property,
		    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	return sd_bus_message_append(reply, "s", ((struct dbus_export *)userdata)->name);
}

static int get_info(sd_bus *bus, const char *path, const char *itf, const char *property,
		    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	return sd_bus_message_append(reply, "s", ((struct dbus_export *)userdata)->info);
}

static int get_verbs(sd_bus *bus, const char *path, const char *itf, const char *property,
		     sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct dbus_export *ex = userdata;
	int i, rc = sd_bus_message_open_container(reply, 'a', "s");

	for (i = 0; rc >= 0 && i < ex->nverbs; i++)
		rc = sd_bus_message_append(reply, "s", ex->verbs[i]);
	return rc < 0 ? rc : sd_bus_message_close_container(reply);
}

/* ---- vtables ---- */

static const sd_bus_vtable api_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_NAMES("Call", "ss", SD_BUS_PARAM(verb) SD_BUS_PARAM(args_json),
				 "ss", SD_BUS_PARAM(response_json) SD_BUS_PARAM(info),
				 on_call, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("Describe", "", "", "s", SD_BUS_PARAM(description),
				 on_describe, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("Name", "s", get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	/* an imported api tells its verbs when its remote appears: they may change */
	SD_BUS_PROPERTY("Info", "s", get_info, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_PROPERTY("Verbs", "as", get_verbs, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
	SD_BUS_SIGNAL_WITH_NAMES("Event", "ss", SD_BUS_PARAM(name) SD_BUS_PARAM(data_json), 0),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable link_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_NAMES("Call", "sbss",
				 SD_BUS_PARAM(session) SD_BUS_PARAM(validated) SD_BUS_PARAM(verb) SD_BUS_PARAM(args_json),
				 "ss", SD_BUS_PARAM(response_json) SD_BUS_PARAM(info),
				 on_link_call, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("EndSession", "s", SD_BUS_PARAM(session), "", "",
				 on_end_session, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_NAMES("Subscription", "tsb",
				 SD_BUS_PARAM(cookie) SD_BUS_PARAM(event) SD_BUS_PARAM(subscribed), 0),
	SD_BUS_VTABLE_END
};

static void free_verbs(struct dbus_export *ex)
{
	int i;

	for (i = 0; i < ex->nverbs; i++) {
		free(ex->verbs[i]);
		free(ex->members[i]);
	}
	free(ex->verbs);
	free(ex->members);
	free(ex->vtable);
	free(ex->info);
	ex->verbs = ex->members = NULL;
	ex->vtable = NULL;
	ex->info = NULL;
	ex->nverbs = 0;
}

/* Reads the verbs and info of 'desc' (OpenAPI: info.description, paths "/<verb>"). */
static int read_description(struct dbus_export *ex, struct json_object *desc)
{
	struct json_object *info, *text, *paths;
	int n = 0;

	free_verbs(ex);

	if (json_object_object_get_ex(desc, "info", &info) && json_object_object_get_ex(info, "description", &text)
	    && json_object_is_type(text, json_type_string))
		ex->info = strdup(json_object_get_string(text));
	else
		ex->info = strdup("");
	if (!ex->info)
		return -ENOMEM;
	if (!json_object_object_get_ex(desc, "paths", &paths) || !json_object_is_type(paths, json_type_object))
		return 0;
	ex->verbs = calloc((size_t)json_object_object_length(paths) + 1, sizeof *ex->verbs);
	ex->members = calloc((size_t)json_object_object_length(paths) + 1, sizeof *ex->members);
	if (!ex->verbs || !ex->members)
		return -ENOMEM;
	json_object_object_foreach(paths, key, value) {
		(void)value;
		if (key[0] != '/')
			continue;
		if (!(ex->verbs[n] = strdup(key + 1)))
			return -ENOMEM;
		ex->members[n] = dbus_name_member_of_verb(key + 1);
		if (!ex->members[n])
			LOGW("D-Bus: api %s: verb %s has no method (name too long); use Call", ex->name, key + 1);
		ex->nverbs = ++n;
	}
	return 0;
}

static int build_vtable(struct dbus_export *ex)
{
	int i, n = 0;

	ex->vtable = calloc((size_t)ex->nverbs + 2, sizeof *ex->vtable);
	if (!ex->vtable)
		return -ENOMEM;
	ex->vtable[n++] = (sd_bus_vtable)SD_BUS_VTABLE_START(0);
	for (i = 0; i < ex->nverbs; i++)
		if (ex->members[i])
			ex->vtable[n++] = (sd_bus_vtable)SD_BUS_METHOD_WITH_NAMES(ex->members[i], "s",
				SD_BUS_PARAM(args_json), "ss", SD_BUS_PARAM(response_json) SD_BUS_PARAM(info),
				on_verb, SD_BUS_VTABLE_UNPRIVILEGED);
	ex->vtable[n++] = (sd_bus_vtable)SD_BUS_VTABLE_END;
	return 0;
}

static int on_name(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus_export *ex = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	uint32_t code = 0;

	ex->slot_name = sd_bus_slot_unref(ex->slot_name);
	if (e) {
		LOGE("D-Bus: api %s: can't own %s on the %s bus: %s", ex->name, ex->busname,
		     dbus_conn_kind(ex->conn), e->message ? e->message : e->name);
		return 0;
	}
	if (sd_bus_message_read(m, "u", &code) < 0 || (code != 1 && code != 4)) {
		LOGE("D-Bus: api %s: can't own %s on the %s bus: %s", ex->name, ex->busname,
		     dbus_conn_kind(ex->conn), code == 3 ? "another peer owns it" : "refused");
		return 0;
	}
	LOGN("D-Bus: api %s exported on the %s bus as %s %s", ex->name, dbus_conn_kind(ex->conn),
	     ex->busname, ex->path);
	return 0;
}

/*
 * The api describes itself anew (an import whose remote appeared): its
 * per-api interface is replaced.
 */
static void refresh_export(struct dbus_export *ex, struct json_object *desc)
{
	int rc;

	ex->slot_verbs = sd_bus_slot_unref(ex->slot_verbs);
	rc = read_description(ex, desc);
	if (rc >= 0)
		rc = build_vtable(ex);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(ex->conn->bus, &ex->slot_verbs, ex->path, ex->busname, ex->vtable, ex);
	if (rc >= 0)
		rc = sd_bus_emit_properties_changed(ex->conn->bus, ex->path, DBUS_NAME_API_ITF, "Info", "Verbs", NULL);
	if (rc < 0)
		LOGE("D-Bus: api %s: can't refresh its verbs on the %s bus: %s", ex->name,
		     dbus_conn_kind(ex->conn), strerror(-rc));
	else
		LOGI("D-Bus: api %s: %d verbs on the %s bus", ex->name, ex->nverbs, dbus_conn_kind(ex->conn));
}

static void register_export(struct dbus_export *ex, struct json_object *desc)
{
	sd_bus *bus = ex->conn->bus;
	int rc;

	rc = read_description(ex, desc);
	if (rc >= 0)
		rc = build_vtable(ex);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(bus, &ex->slot_api, ex->path, DBUS_NAME_API_ITF, api_vtable, ex);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(bus, &ex->slot_link, ex->path, DBUS_NAME_LINK_ITF, link_vtable, ex);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(bus, &ex->slot_verbs, ex->path, ex->busname, ex->vtable, ex);
	if (rc >= 0)
		ex->registered = 1;
	if (rc >= 0)
		rc = sd_bus_emit_object_added(bus, ex->path);
	if (rc >= 0)
		rc = sd_bus_request_name_async(bus, &ex->slot_name, ex->busname, 0, on_name, ex);
	if (rc < 0)
		LOGE("D-Bus: api %s: can't export on the %s bus: %s", ex->name, dbus_conn_kind(ex->conn),
		     strerror(-rc));
}

/* ---- life ---- */

static void export_free(struct dbus_export *ex)
{
	ex->slot_name = sd_bus_slot_unref(ex->slot_name);
	ex->slot_verbs = sd_bus_slot_unref(ex->slot_verbs);
	ex->slot_link = sd_bus_slot_unref(ex->slot_link);
	ex->slot_api = sd_bus_slot_unref(ex->slot_api);
	free_verbs(ex);
	api_unref(ex->api);
	free(ex->name);
	free(ex->busname);
	free(ex->path);
	free(ex);
}

int dbus_export_add(struct dbus_conn *conn, struct api *api, const struct dbus_trust *trust)
{
	struct dbus_export *ex;
	struct describing *d;
	int rc;

	if (dbus_export_find(conn, api->name))
		return -EEXIST;
	ex = calloc(1, sizeof *ex);
	d = calloc(1, sizeof *d);
	if (!ex || !d) {
		free(ex);
		free(d);
		return -ENOMEM;
	}
	ex->conn = conn;
	ex->api = api_ref(api);
	ex->trust = trust;
	ex->name = strdup(api->name);
	ex->busname = dbus_name_of_api(api->name);
	ex->path = dbus_name_path_of_api(api->name);
	if (!ex->name || !ex->busname || !ex->path) {
		rc = ex->name && ex->path ? -ENAMETOOLONG : -ENOMEM;
		export_free(ex);
		free(d);
		return rc;
	}
	d->conn = conn;
	d->api = api;
	d->ex = ex;
	rc = describe_async(d);
	if (rc < 0) {
		export_free(ex);
		return rc;
	}
	ex->next = conn->exports;
	conn->exports = ex;
	return 0;
}

int dbus_export_refresh(struct dbus_conn *conn, const char *api)
{
	struct dbus_export *ex = dbus_export_find(conn, api);
	struct describing *d;

	if (!ex)
		return 0;
	if (!ex->registered) {
		ex->stale = 1;	/* its first description is on its way, maybe outdated */
		return 0;
	}
	d = calloc(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	d->conn = conn;
	d->api = ex->api;
	d->ex = ex;
	return describe_async(d);
}

void dbus_export_release_all(struct dbus_conn *conn)
{
	struct dbus_export *ex;

	while ((ex = conn->exports)) {
		conn->exports = ex->next;
		export_free(ex);
	}
}
