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
#include "dbus-schema.h"
#include "dbus-shape.h"
#include "dbus-trust.h"
#include "dbus-typed.h"
#include "jobs.h"
#include "mainloop.h"
#include "verbose.h"

/* A method of the typed per-api interface: its vtable entry's userdata (by offset). */
struct typed_method {
	struct dbus_export *ex;
	const struct dbus_schema_verb *verb;
};

struct dbus_export {
	struct dbus_export *next;	/* conn->exports */
	struct dbus_conn *conn;
	struct api *api;		/* one reference */
	const struct dbus_trust *trust;
	char *name;			/* the name exported: the api's, or an alias of it */
	char *busname;			/* also the name of the per-api interface */
	char *typed_itf;		/* the typed per-api interface, NULL when its name is too long */
	char *path;
	struct dbus_schema *schema;	/* what its last description says; NULL before */
	sd_bus_vtable *vtable;		/* the per-api interface */
	sd_bus_vtable *typed_vtable;	/* the typed per-api interface */
	struct typed_method *typed_methods;
	sd_bus_slot *slot_api, *slot_link, *slot_typed1, *slot_verbs, *slot_typed, *slot_name;
	int registered;
	int stale;			/* a refresh was asked before the registration */
	int pending;			/* descriptions of it in progress (main thread) */
	int removed;			/* removed while 'pending': in conn->removed, freed by the last */
};

static size_t max_args = 1 << 20;

void dbus_export_set_max_args(size_t max)
{
	max_args = max;
}

struct dbus_export *dbus_export_find(struct dbus_conn *conn, const char *name)
{
	struct dbus_export *ex;

	for (ex = conn->exports; ex; ex = ex->next)
		if (!strcasecmp(ex->name, name))
			return ex;
	return NULL;
}

struct dbus_export *dbus_export_find_api(struct dbus_conn *conn, const char *api)
{
	struct dbus_export *ex = dbus_export_find(conn, api);

	if (ex)
		return ex;
	for (ex = conn->exports; ex; ex = ex->next)
		if (!strcasecmp(ex->api->name, api))
			return ex;
	return NULL;
}

const char *dbus_export_path(const struct dbus_export *ex)
{
	return ex->path;
}

struct dbus_schema *dbus_export_schema(const struct dbus_export *ex)
{
	return ex->schema;
}

const char *dbus_export_typed_interface(const struct dbus_export *ex)
{
	return ex->typed_itf;
}

/* ---- calls ---- */

/*
 * Serves a call of 'verb' with 'args' (consumed); 'typed': the shape of a
 * typed response (held by 'schema' when not static), NULL for JSON.
 * Returns what a vtable handler returns.
 */
static int serve(struct dbus_export *ex, sd_bus_message *m, const char *verb, struct json_object *args,
		 const char *session_key, int link_validated, int link, const struct dbus_shape *typed,
		 struct dbus_schema *schema, sd_bus_error *error)
{
	struct dbus_call_params params = { .conn = ex->conn, .msg = m, .api = ex->name, .verb = verb,
					   .typed = typed, .schema = schema };
	struct dbus_peer *peer;
	int rc;

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

/* Serves a JSON call: 'args_text' is args_json. */
static int serve_json(struct dbus_export *ex, sd_bus_message *m, const char *verb, const char *args_text,
		      const char *session_key, int link_validated, int link, sd_bus_error *error)
{
	struct json_object *args = NULL;
	int rc;

	if (strlen(args_text) > max_args)
		return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
					 "args_json is larger than %zu bytes", max_args);
	/* the most common arguments: made only if the verb looks at them (xreq_args) */
	if (strcmp(args_text, "{}"))
		rc = dbus_json_parse(args_text, &args);
	else
		rc = 0;
	if (rc < 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "args_json is not valid JSON%s",
					 rc == -E2BIG ? " (nested too deeply)" : "");
	return serve(ex, m, verb, args, session_key, link_validated, link, NULL, NULL, error);
}

static int on_call(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *verb, *args;
	int rc = sd_bus_message_read(m, "ss", &verb, &args);

	if (rc < 0)
		return rc;
	return serve_json(userdata, m, verb, args, NULL, 1, 0, error);
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
	rc = serve_json(userdata, m, verb, args, NULL, 1, 0, error);
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
	return serve_json(userdata, m, verb, args, key, validated, 1, error);
}

/* ---- typed calls: arguments read as values, no JSON text ---- */

static int typed_args_error(sd_bus_error *error, int rc)
{
	if (rc == -EMSGSIZE)
		return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
					 "the arguments are larger than %zu bytes", max_args);
	if (rc == -EEXIST)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
					 "a member is given twice: as an argument and in the options");
	if (rc == -E2BIG)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "the arguments are nested deeper than %d",
					 DBUS_JSON_MAX_DEPTH);
	if (rc == -ENOMEM)
		return rc;
	return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", dbus_typed_error_text(rc));
}

/* org.afb.Typed1.Call(s verb, v args) -> (v response, s info) */
static int on_typed_call(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct json_object *args = NULL;
	size_t budget = max_args;
	const char *verb;
	int rc = sd_bus_message_read_basic(m, 's', &verb);

	if (rc < 0)
		return rc;
	rc = dbus_typed_read(m, &args, &budget);
	if (rc < 0)
		return typed_args_error(error, rc);
	return serve(userdata, m, verb, args, NULL, 1, 0, &dbus_shape_response, NULL, error);
}

/* A method of org.afb.typed.<label>: its arguments and results as its verb's shapes say. */
static int on_typed_verb(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct typed_method *tm = userdata;
	struct json_object *args = NULL;
	size_t budget = max_args;
	int rc = dbus_shape_read(&tm->verb->in, m, &args, &budget);

	if (rc < 0)
		return typed_args_error(error, rc);
	return serve(tm->ex, m, tm->verb->name, args, NULL, 1, 0, &tm->verb->out, tm->ex->schema, error);
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
	struct api *api;	/* one reference */
	sd_bus_message *msg;	/* the Describe call, or NULL at registration or refresh */
	struct dbus_export *ex;	/* at registration or refresh (counted in its 'pending') */
	struct json_object *desc;
	char *text;
};

static void register_export(struct dbus_export *ex, struct json_object *desc);
static int refresh(struct dbus_export *ex);
static void refresh_export(struct dbus_export *ex, struct json_object *desc);
static void export_free(struct dbus_export *ex);

/* Frees 'ex', removed from the bus while it was being described. */
static void free_removed(struct dbus_export *ex)
{
	struct dbus_export **p;

	for (p = &ex->conn->removed; *p != ex; p = &(*p)->next)
		;
	*p = ex->next;
	export_free(ex);
}

static void described(void *arg)
{
	struct describing *d = arg;
	struct dbus_export *ex = d->ex;
	int rc;

	if (!d->msg) {
		/* once closed, the exports were freed */
		if (dbus_conn_is_open(d->conn)) {
			ex->pending--;
			if (ex->removed) {
				if (!ex->pending)
					free_removed(ex);
			} else if (!ex->registered) {
				register_export(ex, d->desc);
				if (ex->stale) {
					ex->stale = 0;
					refresh(ex);
				}
			} else {
				refresh_export(ex, d->desc);
			}
		}
	} else {
		rc = dbus_conn_is_open(d->conn)
			? sd_bus_reply_method_return(d->msg, "s", d->text ? d->text : "null") : 0;
		if (rc < 0)
			LOGW("D-Bus: can't reply to Describe: %s", strerror(-rc));
		sd_bus_message_unref(d->msg);
	}
	api_unref(d->api);
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
		api_unref(d->api);
		free(d);	/* no export to register any more */
	} else {
		if (!signum && d->api->itf->describe)
			d->desc = d->api->itf->describe(d->api->closure);
		if (d->msg && d->desc)
			d->text = dbus_json_text(d->desc);
		if (mainloop_post(described, d) < 0) {
			LOGE("D-Bus: out of memory, describe of %s lost", d->api->name);
			api_unref(d->api);
			json_object_put(d->desc);
			free(d->text);
			free(d);	/* leaks a message reference rather than touching it here */
		}
	}
	describers_done(is_call);
}

/*
 * Asks the description of the api of 'ex' on a worker: for the Describe
 * call 'msg', or (msg NULL) to register or refresh 'ex'. Main thread.
 * Returns 0, -EBUSY (too many Describe calls), -ENOMEM.
 */
static int describe_async(struct dbus_export *ex, sd_bus_message *msg)
{
	struct describing *d = calloc(1, sizeof *d);
	int rc, is_call = msg != NULL;

	if (!d)
		return -ENOMEM;
	pthread_mutex_lock(&describers_lock);
	if (is_call && describe_calls >= MAX_DESCRIBE_CALLS) {
		pthread_mutex_unlock(&describers_lock);
		free(d);
		return -EBUSY;
	}
	describe_calls += is_call;
	describers++;
	pthread_mutex_unlock(&describers_lock);
	d->conn = ex->conn;
	d->api = api_ref(ex->api);	/* the export may go first */
	d->msg = msg ? sd_bus_message_ref(msg) : NULL;
	d->ex = msg ? NULL : ex;
	rc = jobs_queue(NULL, 0, describe_job, d);
	if (rc < 0) {
		describers_done(is_call);
		sd_bus_message_unref(d->msg);
		api_unref(d->api);
		free(d);
		return rc;
	}
	if (!msg)
		ex->pending++;
	return 0;
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
	int rc = describe_async(userdata, m);

	if (rc < 0) {
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
	return sd_bus_message_append(reply, "s", ((struct dbus_export *)userdata)->schema->info);
}

static int get_verbs(sd_bus *bus, const char *path, const char *itf, const char *property,
		     sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct dbus_export *ex = userdata;
	int i, rc = sd_bus_message_open_container(reply, 'a', "s");

	for (i = 0; rc >= 0 && i < ex->schema->nverbs; i++)
		rc = sd_bus_message_append(reply, "s", ex->schema->verbs[i].name);
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

static const sd_bus_vtable typed1_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_NAMES("Call", "sv", SD_BUS_PARAM(verb) SD_BUS_PARAM(args),
				 "vs", SD_BUS_PARAM(response) SD_BUS_PARAM(info),
				 on_typed_call, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_NAMES("Event", "sv", SD_BUS_PARAM(name) SD_BUS_PARAM(data), 0),
	SD_BUS_VTABLE_END
};

static void free_verbs(struct dbus_export *ex)
{
	free(ex->vtable);
	free(ex->typed_vtable);
	free(ex->typed_methods);
	dbus_schema_unref(ex->schema);
	ex->vtable = ex->typed_vtable = NULL;
	ex->typed_methods = NULL;
	ex->schema = NULL;
}

/* Reads the verbs, events and info of 'desc' (dbus-schema.h). */
static int read_description(struct dbus_export *ex, struct json_object *desc)
{
	free_verbs(ex);
	ex->schema = dbus_schema_new(desc, ex->name);
	return ex->schema ? 0 : -ENOMEM;
}

/* The per-api JSON interface: each verb (s args_json) -> (s response_json, s info). */
static int build_vtable(struct dbus_export *ex)
{
	const struct dbus_schema *s = ex->schema;
	int i, n = 0;

	ex->vtable = calloc((size_t)s->nverbs + 2, sizeof *ex->vtable);
	if (!ex->vtable)
		return -ENOMEM;
	ex->vtable[n++] = (sd_bus_vtable)SD_BUS_VTABLE_START(0);
	for (i = 0; i < s->nverbs; i++)
		if (s->verbs[i].member)
			ex->vtable[n++] = (sd_bus_vtable)SD_BUS_METHOD_WITH_NAMES(s->verbs[i].member, "s",
				SD_BUS_PARAM(args_json), "ss", SD_BUS_PARAM(response_json) SD_BUS_PARAM(info),
				on_verb, SD_BUS_VTABLE_UNPRIVILEGED);
	ex->vtable[n++] = (sd_bus_vtable)SD_BUS_VTABLE_END;
	return 0;
}

/*
 * The typed per-api interface: each verb with its typed signature, each
 * declared event a signal. A method's userdata is its typed_method: the
 * array given at registration plus the entry's offset.
 */
static int build_typed_vtable(struct dbus_export *ex)
{
	const struct dbus_schema *s = ex->schema;
	sd_bus_vtable *vt;
	int i, n = 0;

	vt = ex->typed_vtable = calloc((size_t)(s->nverbs + s->nevents) + 2, sizeof *vt);
	ex->typed_methods = calloc((size_t)s->nverbs + 1, sizeof *ex->typed_methods);
	if (!vt || !ex->typed_methods)
		return -ENOMEM;
	vt[n++] = (sd_bus_vtable)SD_BUS_VTABLE_START(0);
	for (i = 0; i < s->nverbs; i++) {
		if (!s->verbs[i].member)
			continue;
		ex->typed_methods[i].ex = ex;
		ex->typed_methods[i].verb = &s->verbs[i];
		/* what SD_BUS_METHOD_WITH_NAMES_OFFSET sets, from strings made at run time */
		vt[n].type = _SD_BUS_VTABLE_METHOD;
		vt[n].flags = SD_BUS_VTABLE_UNPRIVILEGED;
		vt[n].x.method.member = s->verbs[i].member;
		vt[n].x.method.signature = s->verbs[i].in.signature;
		vt[n].x.method.result = s->verbs[i].out_signature;
		vt[n].x.method.handler = on_typed_verb;
		vt[n].x.method.offset = (size_t)i * sizeof *ex->typed_methods;
		vt[n].x.method.names = s->verbs[i].names;
		n++;
	}
	for (i = 0; i < s->nevents; i++) {
		if (!s->events[i].member)
			continue;
		vt[n].type = _SD_BUS_VTABLE_SIGNAL;
		vt[n].x.signal.member = s->events[i].member;
		vt[n].x.signal.signature = s->events[i].data.signature;
		vt[n].x.signal.names = s->events[i].data.names;
		n++;
	}
	vt[n++] = (sd_bus_vtable)SD_BUS_VTABLE_END;
	return 0;
}

/* Builds and adds the two per-api interfaces. */
static int add_verbs(struct dbus_export *ex)
{
	int rc = build_vtable(ex);

	if (rc >= 0)
		rc = build_typed_vtable(ex);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(ex->conn->bus, &ex->slot_verbs, ex->path, ex->busname, ex->vtable, ex);
	if (rc >= 0 && ex->typed_itf)
		rc = sd_bus_add_object_vtable(ex->conn->bus, &ex->slot_typed, ex->path, ex->typed_itf,
					      ex->typed_vtable, ex->typed_methods);
	return rc;
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
	ex->slot_typed = sd_bus_slot_unref(ex->slot_typed);
	rc = read_description(ex, desc);
	if (rc >= 0)
		rc = add_verbs(ex);
	if (rc >= 0)
		rc = sd_bus_emit_properties_changed(ex->conn->bus, ex->path, DBUS_NAME_API_ITF, "Info", "Verbs", NULL);
	if (rc < 0)
		LOGE("D-Bus: api %s: can't refresh its verbs on the %s bus: %s", ex->name,
		     dbus_conn_kind(ex->conn), strerror(-rc));
	else
		LOGI("D-Bus: api %s: %d verbs on the %s bus", ex->name, ex->schema->nverbs, dbus_conn_kind(ex->conn));
}

static void register_export(struct dbus_export *ex, struct json_object *desc)
{
	sd_bus *bus = ex->conn->bus;
	int rc;

	rc = read_description(ex, desc);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(bus, &ex->slot_api, ex->path, DBUS_NAME_API_ITF, api_vtable, ex);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(bus, &ex->slot_link, ex->path, DBUS_NAME_LINK_ITF, link_vtable, ex);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(bus, &ex->slot_typed1, ex->path, DBUS_NAME_TYPED_ITF, typed1_vtable, ex);
	if (rc >= 0)
		rc = add_verbs(ex);
	if (rc >= 0)
		ex->registered = 1;
	if (rc >= 0)
		rc = sd_bus_emit_object_added(bus, ex->path);
	if (rc >= 0)
		rc = sd_bus_request_name_async(bus, &ex->slot_name, ex->busname, 0, on_name, ex);
	if (rc < 0)
		LOGE("D-Bus: api %s: can't export on the %s bus: %s", ex->name, dbus_conn_kind(ex->conn),
		     strerror(-rc));
	if (!ex->typed_itf)
		LOGW("D-Bus: api %s: no typed interface (its name would be longer than 255 bytes)", ex->name);
}

/* ---- life ---- */

/* Its object leaves the bus (and its name request is forgotten). */
static void detach(struct dbus_export *ex)
{
	ex->slot_name = sd_bus_slot_unref(ex->slot_name);
	ex->slot_typed = sd_bus_slot_unref(ex->slot_typed);
	ex->slot_verbs = sd_bus_slot_unref(ex->slot_verbs);
	ex->slot_typed1 = sd_bus_slot_unref(ex->slot_typed1);
	ex->slot_link = sd_bus_slot_unref(ex->slot_link);
	ex->slot_api = sd_bus_slot_unref(ex->slot_api);
}

static void export_free(struct dbus_export *ex)
{
	detach(ex);
	free_verbs(ex);
	api_unref(ex->api);
	free(ex->name);
	free(ex->busname);
	free(ex->typed_itf);
	free(ex->path);
	free(ex);
}

int dbus_export_add(struct dbus_conn *conn, struct api *api, const char *name, const struct dbus_trust *trust)
{
	struct dbus_export *ex;
	int rc;

	if (dbus_export_find(conn, name))
		return -EEXIST;
	ex = calloc(1, sizeof *ex);
	if (!ex)
		return -ENOMEM;
	ex->conn = conn;
	ex->api = api_ref(api);
	ex->trust = trust;
	ex->name = strdup(name);
	ex->busname = dbus_name_of_api(name);
	ex->typed_itf = dbus_name_typed_of_api(name);	/* NULL: too long, no typed interface */
	ex->path = dbus_name_path_of_api(name);
	if (!ex->name || !ex->busname || !ex->path) {
		rc = ex->name && ex->path ? -ENAMETOOLONG : -ENOMEM;
		export_free(ex);
		return rc;
	}
	rc = describe_async(ex, NULL);
	if (rc < 0) {
		export_free(ex);
		return rc;
	}
	ex->next = conn->exports;
	conn->exports = ex;
	return 0;
}

static int refresh(struct dbus_export *ex)
{
	if (!ex->registered) {
		ex->stale = 1;	/* its first description is on its way, maybe outdated */
		return 0;
	}
	return describe_async(ex, NULL);
}

int dbus_export_refresh(struct dbus_conn *conn, struct api *api)
{
	struct dbus_export *ex;
	int rc = 0, rc2;

	for (ex = conn->exports; ex; ex = ex->next)
		if (ex->api == api && (rc2 = refresh(ex)) < 0)
			rc = rc2;
	return rc;
}

struct api *dbus_export_api(const struct dbus_export *ex)
{
	return ex->api;
}

void dbus_export_remove(struct dbus_conn *conn, struct dbus_export *ex)
{
	struct dbus_export **p;
	int rc = 0;

	for (p = &conn->exports; *p != ex; p = &(*p)->next)
		;
	*p = ex->next;
	if (ex->registered) {
		/* InterfacesRemoved lists the interfaces: before the vtables go */
		rc = sd_bus_emit_object_removed(conn->bus, ex->path);
		/* after the request, if it is still in flight: the bus handles them in order */
		if (rc >= 0)
			rc = sd_bus_release_name_async(conn->bus, NULL, ex->busname, NULL, NULL);
		if (rc < 0)
			LOGW("D-Bus: api %s: can't leave the %s bus cleanly: %s", ex->name, dbus_conn_kind(conn),
			     strerror(-rc));
	}
	LOGN("D-Bus: api %s removed from the %s bus", ex->name, dbus_conn_kind(conn));
	if (!ex->pending) {
		export_free(ex);
		return;
	}
	/* its description is on its way: gone from the bus now, freed when it comes */
	detach(ex);
	ex->removed = 1;
	ex->next = conn->removed;
	conn->removed = ex;
}

void dbus_export_release_all(struct dbus_conn *conn)
{
	struct dbus_export *ex;

	while ((ex = conn->exports)) {
		conn->exports = ex->next;
		export_free(ex);
	}
	while ((ex = conn->removed)) {
		conn->removed = ex->next;
		export_free(ex);
	}
}
