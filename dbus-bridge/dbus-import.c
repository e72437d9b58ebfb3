/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include "apiset.h"
#include "dbus-conn.h"
#include "dbus-import.h"
#include "dbus-json.h"
#include "dbus-name.h"
#include "evt.h"
#include "jscan.h"
#include "mainloop.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"

#define MAX_EVENTS		1024	/* local events made for one import */

struct pending;
struct fetch;

struct dbus_import {
	struct dbus_import *next;	/* conn->imports, main thread */
	struct dbus_conn *conn;
	struct apiset *set;		/* the set it is in */
	atomic_int refcount;		/* the apiset, session keys, calls and fetches in flight */
	atomic_int released;		/* the bridge stopped: fail every call */
	char *name;			/* the local (and remote) api name */
	char *busname;
	char *path;
	/* main thread */
	char *owner;			/* unique name of the owner of busname, NULL: none */
	sd_bus_slot *slot_owner_match, *slot_owner_get, *slot_signals;
	struct pending *pendings;	/* calls in flight */
	struct fetch *fetches;		/* Describe calls in flight */
	int nevents;
	struct evt **events;		/* local events, by full name */
	/* any thread, under 'lock' */
	pthread_mutex_t lock;
	struct json_object *desc;	/* last description received, or NULL */
};

/* A call in flight. */
struct pending {
	struct pending *prev, *next;	/* imp->pendings, main thread */
	struct dbus_import *imp;	/* one reference */
	struct xreq *xreq;		/* one reference */
	sd_bus_slot *slot;
	uint64_t cookie;
	int validated;
	char *args;			/* JSON text */
	char key[33];			/* the remote session's key */
	char verb[];
};

/* The value of the session cookie of an import: the key of the remote session. */
struct session_key {
	struct dbus_import *imp;	/* one reference */
	char key[33];
};

static struct dbus_import *import_ref(struct dbus_import *imp)
{
	atomic_fetch_add(&imp->refcount, 1);
	return imp;
}

static void import_unref(struct dbus_import *imp)
{
	if (!imp || atomic_fetch_sub(&imp->refcount, 1) != 1)
		return;
	/* released: no slot, no pending call, no event left */
	json_object_put(imp->desc);
	pthread_mutex_destroy(&imp->lock);
	free(imp->owner);
	free(imp->events);
	free(imp->name);
	free(imp->busname);
	free(imp->path);
	free(imp);
}

static int is_live(struct dbus_import *imp)
{
	return !atomic_load(&imp->released) && dbus_conn_is_open(imp->conn);
}

/* ---- local events ---- */

static struct evt *find_event(struct dbus_import *imp, const char *name, int create)
{
	struct evt **n;
	int i;

	for (i = 0; i < imp->nevents; i++)
		if (!strcmp(evt_fullname(imp->events[i]), name))
			return imp->events[i];
	if (!create)
		return NULL;
	if (imp->nevents >= MAX_EVENTS) {
		LOGW("D-Bus: api %s: more than %d events, %s ignored", imp->name, MAX_EVENTS, name);
		return NULL;
	}
	n = realloc(imp->events, sizeof *n * (size_t)(imp->nevents + 1));
	if (!n)
		return NULL;
	imp->events = n;
	n[imp->nevents] = evt_new(name);
	return n[imp->nevents] ? n[imp->nevents++] : NULL;
}

static void drop_events(struct dbus_import *imp)
{
	while (imp->nevents)
		evt_drop(imp->events[--imp->nevents]);
}

/* ---- replies ---- */

static void pending_free(struct pending *p)
{
	struct dbus_import *imp = p->imp;

	if (p->prev)
		p->prev->next = p->next;
	else if (imp->pendings == p)
		imp->pendings = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->slot = sd_bus_slot_unref(p->slot);
	xreq_unref(p->xreq);
	free(p->args);
	free(p);
	import_unref(imp);
}

static int is_error(const sd_bus_error *e, const char *name)
{
	return !strcmp(e->name, name);
}

static void reply_error(struct pending *p, const sd_bus_error *e)
{
	struct dbus_import *imp = p->imp;
	char *status = dbus_name_status_of_error(e->name);

	if (status) {
		/* the remote's failure, restored exactly */
		xreq_reply(p->xreq, status, e->message, NULL);
		free(status);
	} else if (is_error(e, SD_BUS_ERROR_SERVICE_UNKNOWN) || is_error(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
		xreq_fail_f(p->xreq, "unavailable", "api %s: nobody owns %s on the %s bus", imp->name,
			    imp->busname, dbus_conn_kind(imp->conn));
	} else if (is_error(e, SD_BUS_ERROR_NO_REPLY) || is_error(e, SD_BUS_ERROR_DISCONNECTED)
		   || is_error(e, SD_BUS_ERROR_TIMEOUT)) {
		xreq_fail_f(p->xreq, "unavailable", "api %s: the owner of %s left or did not reply (%s)",
			    imp->name, imp->busname, e->message ? e->message : e->name);
	} else {
		xreq_fail_f(p->xreq, "failed", "api %s: D-Bus error %s: %s", imp->name, e->name,
			    e->message ? e->message : "");
	}
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct pending *p = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	struct json_object *object = NULL;
	const char *response, *info;
	size_t len;

	if (e) {
		reply_error(p, e);
	} else if (sd_bus_message_read(m, "ss", &response, &info) < 0) {
		xreq_fail_f(p->xreq, "failed", "api %s: bad reply from %s", p->imp->name, p->imp->busname);
	} else if (jscan_plain(response, len = strlen(response)) == JSCAN_VALUE) {
		/* passed on as it is (xreq.h) */
		xreq_reply_text(p->xreq, *info ? info : NULL, response, len);
	} else if (dbus_json_parse(response, &object) < 0) {
		xreq_fail_f(p->xreq, "failed", "api %s: bad reply from %s", p->imp->name, p->imp->busname);
	} else {
		xreq_reply(p->xreq, NULL, *info ? info : NULL, object);
	}
	pending_free(p);
	return 0;
}

/* ---- calls ---- */

static void send_call(void *arg)
{
	struct pending *p = arg;
	struct dbus_import *imp = p->imp;
	sd_bus_message *m = NULL;
	int rc;

	if (!is_live(imp)) {
		xreq_fail_f(p->xreq, "cancelled", "api %s: the daemon is stopping", imp->name);
		pending_free(p);
		return;
	}
	rc = sd_bus_message_new_method_call(imp->conn->bus, &m, imp->busname, imp->path,
					    DBUS_NAME_LINK_ITF, "Call");
	/* no activation: a missing owner fails at once, and calls work again when it appears */
	if (rc >= 0)
		rc = sd_bus_message_set_auto_start(m, 0);
	if (rc >= 0)
		rc = sd_bus_message_append(m, "sbss", p->key, p->validated, p->verb, p->args);
	/* no D-Bus timeout: --apitimeout and the bus (peer gone: NoReply) end the call */
	if (rc >= 0)
		rc = sd_bus_call_async(imp->conn->bus, &p->slot, m, on_reply, p, UINT64_MAX);
	if (rc >= 0)
		rc = sd_bus_message_get_cookie(m, &p->cookie);
	sd_bus_message_unref(m);
	if (rc < 0) {
		xreq_fail_f(p->xreq, "failed", "api %s: can't call %s: %s", imp->name, imp->busname, strerror(-rc));
		pending_free(p);
		return;
	}
	p->prev = NULL;
	p->next = imp->pendings;
	if (p->next)
		p->next->prev = p;
	imp->pendings = p;
}

static void end_session(void *arg)
{
	struct session_key *k = arg;
	struct dbus_import *imp = k->imp;
	sd_bus_message *m = NULL;
	int rc;

	if (is_live(imp) && imp->owner) {
		rc = sd_bus_message_new_method_call(imp->conn->bus, &m, imp->owner, imp->path,
						    DBUS_NAME_LINK_ITF, "EndSession");
		if (rc >= 0)
			rc = sd_bus_message_set_expect_reply(m, 0);
		if (rc >= 0)
			rc = sd_bus_message_set_auto_start(m, 0);
		if (rc >= 0)
			rc = sd_bus_message_append(m, "s", k->key);
		if (rc >= 0)
			rc = sd_bus_send(imp->conn->bus, m, NULL);
		if (rc < 0)
			LOGW("D-Bus: api %s: can't end a remote session: %s", imp->name, strerror(-rc));
		sd_bus_message_unref(m);
	}
	import_unref(imp);
	free(k);
}

static void *make_key(void *closure)
{
	struct session_key *k = malloc(sizeof *k);
	unsigned char b[16];
	int i;

	if (!k)
		return NULL;
	/* opaque and unguessable: the remote side keys a session with it */
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		free(k);
		return NULL;
	}
	for (i = 0; i < 16; i++)
		sprintf(&k->key[2 * i], "%02x", b[i]);
	k->imp = import_ref(closure);
	return k;
}

/* The local session ended: so does the remote one. Any thread. */
static void free_key(void *value)
{
	struct session_key *k = value;

	if (mainloop_post(end_session, k) < 0) {
		import_unref(k->imp);
		free(k);
	}
}

static void import_call(void *closure, struct xreq *xreq)
{
	struct dbus_import *imp = closure;
	size_t lv = strlen(xreq->verb) + 1;
	struct pending *p = calloc(1, sizeof *p + lv);
	struct json_object *args = xreq_args_peek(xreq);
	struct session_key *k;

	/* no arguments: sent as an empty object, none made for it */
	if (!p || !(p->args = args ? dbus_json_text(args) : strdup("{}"))) {
		free(p);
		xreq_fail_f(xreq, "failed", "api %s: out of memory", imp->name);
		xreq_unref(xreq);
		return;
	}
	/* the remote api may keep state in the session: one is made if the request has none yet */
	k = xreq_session(xreq, 1) ? session_cookie_make(xreq_session(xreq, 0), imp, make_key, free_key, imp, NULL) : NULL;
	if (!k) {
		free(p->args);
		free(p);
		xreq_fail_f(xreq, "failed", "api %s: out of memory", imp->name);
		xreq_unref(xreq);
		return;
	}
	memcpy(p->key, k->key, sizeof p->key);
	memcpy(p->verb, xreq->verb, lv);
	p->validated = xreq_has(xreq, XREQ_VALIDATED);
	p->xreq = xreq;
	p->imp = import_ref(imp);
	if (mainloop_post(send_call, p) < 0) {
		xreq_fail_f(xreq, "failed", "api %s: out of memory", imp->name);
		p->slot = NULL;
		pending_free(p);
	}
}

/* ---- description ---- */

/* A Describe call in flight. */
struct fetch {
	struct fetch *prev, *next;	/* imp->fetches, main thread */
	struct dbus_import *imp;	/* one reference */
	sd_bus_slot *slot;
};

static void fetch_free(struct fetch *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		f->imp->fetches = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->slot = sd_bus_slot_unref(f->slot);
	import_unref(f->imp);
	free(f);
}

/*
 * Its description changed: the apiset tells its watchers (the exports of
 * this api on D-Bus and proto-ws follow its verbs). Main thread.
 */
static void announce_change(struct dbus_import *imp)
{
	struct api *api = apiset_lookup(imp->set, imp->name);

	/* still this import (not another api of that name, after a removal) */
	if (api && api->closure == imp)
		apiset_changed(imp->set, api);
	api_unref(api);
}

static int on_described(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct fetch *f = userdata;
	struct dbus_import *imp = f->imp;
	struct json_object *desc = NULL;
	const char *text;
	int changed = 0;

	if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_read(m, "s", &text) >= 0
	    && dbus_json_parse(text, &desc) >= 0 && desc) {
		pthread_mutex_lock(&imp->lock);
		changed = !imp->desc || !json_object_equal(imp->desc, desc);
		json_object_put(imp->desc);
		imp->desc = desc;
		pthread_mutex_unlock(&imp->lock);
	}
	if (changed)
		announce_change(imp);
	fetch_free(f);
	return 0;
}

/* Asks the description of the remote api (its owner appeared). Main thread. */
static void fetch(struct dbus_import *imp)
{
	struct fetch *f = calloc(1, sizeof *f);
	sd_bus_message *m = NULL;
	int rc;

	if (!f)
		return;
	f->imp = import_ref(imp);
	f->next = imp->fetches;
	if (f->next)
		f->next->prev = f;
	imp->fetches = f;
	rc = sd_bus_message_new_method_call(imp->conn->bus, &m, imp->busname, imp->path,
					    DBUS_NAME_API_ITF, "Describe");
	if (rc >= 0)
		rc = sd_bus_message_set_auto_start(m, 0);
	if (rc >= 0)
		rc = sd_bus_call_async(imp->conn->bus, &f->slot, m, on_described, f, 0);
	sd_bus_message_unref(m);
	if (rc < 0) {
		LOGW("D-Bus: api %s: can't ask its description: %s", imp->name, strerror(-rc));
		fetch_free(f);
	}
}

/*
 * The last description received from the remote, or NULL before the first.
 * Never waits: a job that waits for the loop would hold the loop it lends.
 */
static struct json_object *import_describe(void *closure)
{
	struct dbus_import *imp = closure;
	struct json_object *copy = NULL;

	pthread_mutex_lock(&imp->lock);
	if (imp->desc && json_object_deep_copy(imp->desc, &copy, NULL) < 0)
		copy = NULL;
	pthread_mutex_unlock(&imp->lock);
	return copy;
}

/* ---- the owner of the name, and its signals ---- */

static void set_owner(struct dbus_import *imp, const char *owner)
{
	if (owner && !*owner)
		owner = NULL;
	if (!owner && !imp->owner)
		return;
	if (owner && imp->owner && !strcmp(owner, imp->owner))
		return;
	free(imp->owner);
	imp->owner = owner ? strdup(owner) : NULL;
	if (imp->owner) {
		LOGN("D-Bus: api %s: %s is owned by %s on the %s bus", imp->name, imp->busname, imp->owner,
		     dbus_conn_kind(imp->conn));
		fetch(imp);	/* a new owner may serve other verbs */
	} else {
		LOGN("D-Bus: api %s: %s has no owner on the %s bus", imp->name, imp->busname,
		     dbus_conn_kind(imp->conn));
	}
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const char *name, *old, *new;

	/* only the bus driver tells who owns a name */
	if (strcmp(sd_bus_message_get_sender(m) ?: "", "org.freedesktop.DBus"))
		return 0;
	if (sd_bus_message_read(m, "sss", &name, &old, &new) >= 0)
		set_owner(userdata, new);
	return 0;
}

static int on_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus_import *imp = userdata;
	const char *owner;

	imp->slot_owner_get = sd_bus_slot_unref(imp->slot_owner_get);
	if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_read(m, "s", &owner) >= 0)
		set_owner(imp, owner);
	else
		set_owner(imp, NULL);
	return 0;
}

static void on_subscription(struct dbus_import *imp, sd_bus_message *m)
{
	const char *event;
	struct pending *p;
	struct evt *evt;
	uint64_t cookie;
	int on, rc;

	if (sd_bus_message_read(m, "tsb", &cookie, &event, &on) < 0)
		return;
	for (p = imp->pendings; p && p->cookie != cookie; p = p->next)
		;
	if (!p)
		return;	/* a call of another import, or already replied */
	evt = find_event(imp, event, on);
	if (!evt)
		return;
	rc = on ? xreq_subscribe(p->xreq, evt) : xreq_unsubscribe(p->xreq, evt);
	if (rc < 0)
		LOGW("D-Bus: api %s: can't %ssubscribe to %s: %s", imp->name, on ? "" : "un", event, strerror(-rc));
}

static void on_event(struct dbus_import *imp, sd_bus_message *m)
{
	const char *event, *data;
	struct json_object *object = NULL;
	struct evt *evt;

	if (sd_bus_message_read(m, "ss", &event, &data) < 0 || dbus_json_parse(data, &object) < 0)
		return;
	if (sd_bus_message_get_destination(m)) {
		/* a push to us: for the local subscribers of this import */
		evt = find_event(imp, event, 0);
		if (evt)
			evt_push(evt, object);
		else
			json_object_put(object);
	} else if (!strcmp(sd_bus_message_get_path(m), imp->path)) {
		/* a broadcast: on the api's own object only, once per import */
		evt_broadcast_name(event, object);
	} else {
		json_object_put(object);
	}
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus_import *imp = userdata;
	const char *sender = sd_bus_message_get_sender(m);

	/* anyone can send a signal to us: only the owner of the name is heard */
	if (!imp->owner || !sender || strcmp(sender, imp->owner))
		return 0;
	if (sd_bus_message_is_signal(m, DBUS_NAME_API_ITF, "Event"))
		on_event(imp, m);
	else if (sd_bus_message_is_signal(m, DBUS_NAME_LINK_ITF, "Subscription"))
		on_subscription(imp, m);
	return 0;
}

/* ---- life ---- */

static void import_destroy(void *closure)
{
	import_unref(closure);	/* the apiset's reference */
}

static const struct api_itf import_itf = {
	.call = import_call,
	.describe = import_describe,
	.destroy = import_destroy,
};

int dbus_import_is_from(const struct api *api, const struct dbus_conn *conn)
{
	return api->itf == &import_itf && ((struct dbus_import *)api->closure)->conn == conn;
}

static int watch(struct dbus_import *imp)
{
	sd_bus *bus = imp->conn->bus;
	char *rule = NULL;
	int rc;

	if (asprintf(&rule, "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
		     "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s'", imp->busname) < 0)
		return -ENOMEM;
	rc = sd_bus_add_match_async(bus, &imp->slot_owner_match, rule, on_owner_changed, NULL, imp);
	free(rule);
	if (rc < 0)
		return rc;
	if (asprintf(&rule, "type='signal',sender='%s'", imp->busname) < 0)
		return -ENOMEM;
	rc = sd_bus_add_match_async(bus, &imp->slot_signals, rule, on_signal, NULL, imp);
	free(rule);
	if (rc < 0)
		return rc;
	/* after the match: a change between the two is not missed */
	return sd_bus_call_method_async(bus, &imp->slot_owner_get, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					"org.freedesktop.DBus", "GetNameOwner", on_owner, imp, "s", imp->busname);
}

static void detach(struct dbus_import *imp)
{
	struct pending *p;

	atomic_store(&imp->released, 1);
	imp->slot_owner_match = sd_bus_slot_unref(imp->slot_owner_match);
	imp->slot_owner_get = sd_bus_slot_unref(imp->slot_owner_get);
	imp->slot_signals = sd_bus_slot_unref(imp->slot_signals);
	while ((p = imp->pendings)) {
		xreq_fail_f(p->xreq, "cancelled", "api %s: the daemon is stopping", imp->name);
		pending_free(p);
	}
	while (imp->fetches)
		fetch_free(imp->fetches);
	drop_events(imp);
}

int dbus_import_add(struct dbus_conn *conn, struct apiset *set, const char *name)
{
	struct dbus_import *imp = calloc(1, sizeof *imp);
	int rc;

	if (!imp)
		return -ENOMEM;
	imp->conn = conn;
	imp->set = set;
	atomic_init(&imp->refcount, 1);
	pthread_mutex_init(&imp->lock, NULL);
	imp->name = strdup(name);
	imp->busname = dbus_name_of_api(name);
	imp->path = dbus_name_path_of_api(name);
	if (!imp->name || !imp->busname || !imp->path) {
		rc = imp->name && imp->path ? -ENAMETOOLONG : -ENOMEM;
		import_unref(imp);
		return rc;
	}
	rc = watch(imp);
	if (rc >= 0)
		rc = apiset_add(set, name, imp, &import_itf);
	if (rc < 0) {
		detach(imp);
		import_unref(imp);
		return rc;
	}
	imp->next = conn->imports;
	conn->imports = imp;
	LOGN("D-Bus: api %s imported from %s on the %s bus", name, imp->busname, dbus_conn_kind(conn));
	return 0;
}

void dbus_import_release_all(struct dbus_conn *conn)
{
	struct dbus_import *imp;

	while ((imp = conn->imports)) {
		conn->imports = imp->next;
		detach(imp);
	}
}
