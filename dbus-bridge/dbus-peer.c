/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include "dbus-conn.h"
#include "dbus-event.h"
#include "dbus-peer.h"
#include "evt.h"
#include "peer.h"
#include "session.h"
#include "verbose.h"

struct subsession {
	struct session *session;	/* one reference */
	char key[DBUS_PEER_KEY_MAX + 1];
};

struct dbus_peer {
	struct dbus_peer *next;		/* conn->peers, main thread */
	struct dbus_conn *conn;
	atomic_int refcount;		/* the conn's list holds one until the peer leaves */
	atomic_int pending;
	pthread_mutex_t lock;		/* 'gone' against subscriptions made by workers */
	atomic_int gone;
	struct dbus_creds creds;
	int groups_asked;		/* dbus_peer_query_groups was done */
	struct session *session;	/* the peer's own session */
	struct evt_listener *listeners[2];	/* pushes as JSON (0) or typed signals (1, under 'lock') */
	struct peer *client;		/* the core's peer object (core/peer.h) */
	sd_bus_track *track;		/* main thread */
	struct subsession *subs;	/* main thread */
	int nsubs;
	char name[];			/* unique bus name */
};

static atomic_int peer_count;

/* ---- events ---- */

/*
 * The closure is the peer itself: the listeners are closed (their
 * callbacks in flight waited for) when it leaves, before it can go.
 */
static void on_push(void *closure, const char *event, int eventid, struct json_object *object)
{
	struct dbus_peer *p = closure;

	if (!atomic_load(&p->gone))
		dbus_event_post_push(p->conn, p->name, event, object, 0);
}

static void on_push_typed(void *closure, const char *event, int eventid, struct json_object *object)
{
	struct dbus_peer *p = closure;

	if (!atomic_load(&p->gone))
		dbus_event_post_push(p->conn, p->name, event, object, 1);
}

/* no broadcast: the conn's broadcaster emits one signal for all */
static const struct evt_listener_itf listener_itf[2] = {
	{ .push = on_push },
	{ .push = on_push_typed },
};

int dbus_peer_subscribe(struct dbus_peer *p, struct evt *evt, int typed)
{
	int rc;

	pthread_mutex_lock(&p->lock);
	/* the typed listener is made on the first typed subscription */
	if (!p->gone && typed && !p->listeners[1])
		p->listeners[1] = evt_listener_new(&listener_itf[1], p);
	rc = p->gone ? -ENOENT : !p->listeners[!!typed] ? -ENOMEM : evt_subscribe(p->listeners[!!typed], evt);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int dbus_peer_unsubscribe(struct dbus_peer *p, struct evt *evt, int typed)
{
	int rc;

	pthread_mutex_lock(&p->lock);
	rc = p->gone || !p->listeners[!!typed] ? -ENOENT : evt_unsubscribe(p->listeners[!!typed], evt);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* After it, no callback uses 'p'. */
static void release_listeners(struct dbus_peer *p)
{
	for (int i = 0; i < 2; i++)
		evt_listener_close(p->listeners[i]);
}

/* ---- life ---- */

struct dbus_peer *dbus_peer_ref(struct dbus_peer *p)
{
	atomic_fetch_add(&p->refcount, 1);
	return p;
}

static void release_sessions(struct dbus_peer *p)
{
	int i;

	for (i = 0; i < p->nsubs; i++)
		session_unref(p->subs[i].session);
	free(p->subs);
	p->subs = NULL;
	p->nsubs = 0;
	session_unref(p->session);
	p->session = NULL;
}

void dbus_peer_unref(struct dbus_peer *p)
{
	if (!p || atomic_fetch_sub(&p->refcount, 1) != 1)
		return;
	/* gone already: no track, no sub-session, not in the tables */
	release_listeners(p);
	for (int i = 0; i < 2; i++)
		evt_listener_unref(p->listeners[i]);
	peer_unref(p->client);
	pthread_mutex_destroy(&p->lock);
	atomic_fetch_sub(&peer_count, 1);
	free(p);
}

/* The peer left the bus (or the daemon stops). Main thread. */
static void peer_leave(struct dbus_peer *p)
{
	struct dbus_peer **pp;

	for (pp = &p->conn->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->gone, 1);
	pthread_mutex_unlock(&p->lock);
	/* requests still running keep a reference; their subscriptions are refused from now */
	release_listeners(p);
	p->track = sd_bus_track_unref(p->track);
	release_sessions(p);
	LOGI("D-Bus: peer %s left the %s bus", p->name, dbus_conn_kind(p->conn));
	dbus_peer_unref(p);
}

static int on_track_gone(sd_bus_track *track, void *userdata)
{
	peer_leave(userdata);
	return 0;
}

void dbus_peer_release_all(struct dbus_conn *conn)
{
	while (conn->peers)
		peer_leave(conn->peers);
}

/* ---- credentials ---- */

static void read_creds(sd_bus_message *m, struct dbus_creds *out)
{
	sd_bus_creds *c = NULL;
	uint64_t augmented;
	uid_t uid;
	int rc;

	memset(out, 0, sizeof *out);
	rc = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &c);
	if (rc < 0) {
		LOGW_LIMITED("D-Bus: no credentials for %s: %s", sd_bus_message_get_sender(m), strerror(-rc));
		return;
	}
	/* what sd-bus filled from /proc is racy: only what the bus recorded counts */
	augmented = sd_bus_creds_get_augmented_mask(c);
	if (!(augmented & SD_BUS_CREDS_EUID) && sd_bus_creds_get_euid(c, &uid) >= 0) {
		out->has_uid = 1;
		out->uid = uid;
	} else if (!(augmented & SD_BUS_CREDS_UID) && sd_bus_creds_get_uid(c, &uid) >= 0) {
		out->has_uid = 1;
		out->uid = uid;
	}
	sd_bus_creds_unref(c);
}

/* Reads UnixGroupIDs (au) in the a{sv} of GetConnectionCredentials. */
static int read_groups(sd_bus_message *reply, struct dbus_creds *out)
{
	const char *key;
	uint32_t gid;
	int rc;

	rc = sd_bus_message_enter_container(reply, 'a', "{sv}");
	while (rc > 0 && (rc = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
		rc = sd_bus_message_read(reply, "s", &key);
		if (rc >= 0 && !strcmp(key, "UnixGroupIDs")) {
			rc = sd_bus_message_enter_container(reply, 'v', "au");
			if (rc >= 0)
				rc = sd_bus_message_enter_container(reply, 'a', "u");
			out->has_gids = rc >= 0;
			while (rc >= 0 && (rc = sd_bus_message_read(reply, "u", &gid)) > 0)
				if (out->ngids < (int)(sizeof out->gids / sizeof *out->gids))
					out->gids[out->ngids++] = gid;
			if (rc >= 0)
				rc = sd_bus_message_exit_container(reply);
			if (rc >= 0)
				rc = sd_bus_message_exit_container(reply);
		} else if (rc >= 0) {
			rc = sd_bus_message_skip(reply, "v");
		}
		if (rc >= 0)
			rc = sd_bus_message_exit_container(reply);
		if (rc >= 0)
			rc = 1;
	}
	return rc;
}

void dbus_peer_query_groups(struct dbus_peer *p)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int rc;

	if (p->groups_asked)
		return;
	p->groups_asked = 1;
	/* sd-bus does not read UnixGroupIDs: ask the bus daemon itself */
	rc = sd_bus_call_method(p->conn->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
				"GetConnectionCredentials", &error, &reply, "s", p->name);
	if (rc >= 0)
		rc = read_groups(reply, &p->creds);
	if (rc < 0)
		LOGW("D-Bus: no groups for %s: %s", p->name, error.message ? error.message : strerror(-rc));
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
}

/*
 * The credentials of the client peer of 'p' (what permissions and
 * afb_req_get_client_info see), from what the bus recorded at connection
 * (never what sd-bus would read in /proc afterwards: a pid may be reused):
 * uid, pid, security label, and the groups the bus daemon tells
 * (GetConnectionCredentials UnixGroupIDs; the first is taken as the gid).
 * Main thread, before the peer's first request.
 */
static void fill_client_creds(struct dbus_peer *p, sd_bus_message *m)
{
	struct peer_creds creds;
	sd_bus_creds *c = NULL;
	uint64_t augmented = 0;
	const char *label;
	pid_t pid;
	int i;

	memset(&creds, 0, sizeof creds);
	if (!p->creds.has_uid)
		return;
	creds.known = 1;
	creds.uid = p->creds.uid;
	creds.gid = (gid_t)-1;
	if (sd_bus_query_sender_creds(m, SD_BUS_CREDS_PID | SD_BUS_CREDS_SELINUX_CONTEXT, &c) >= 0) {
		augmented = sd_bus_creds_get_augmented_mask(c);
		if (!(augmented & SD_BUS_CREDS_PID) && sd_bus_creds_get_pid(c, &pid) >= 0)
			creds.pid = pid;
		if (!(augmented & SD_BUS_CREDS_SELINUX_CONTEXT) && sd_bus_creds_get_selinux_context(c, &label) >= 0
		    && strlen(label) < sizeof creds.label)
			strcpy(creds.label, label);
		sd_bus_creds_unref(c);
	}
	dbus_peer_query_groups(p);
	for (i = 0; i < p->creds.ngids && i < PEER_GROUPS_MAX; i++)
		creds.groups[creds.ngroups++] = (gid_t)p->creds.gids[i];
	if (creds.ngroups)
		creds.gid = creds.groups[0];
	if (peer_set_creds(p->client, &creds) < 0)
		LOGW("D-Bus: the credentials of %s are not recorded", p->name);
}

/* ---- lookup ---- */

int dbus_peer_get(struct dbus_conn *conn, sd_bus_message *m, struct dbus_peer **out)
{
	const char *sender = sd_bus_message_get_sender(m);
	struct dbus_peer *p, **pp;
	size_t len;
	int rc;

	*out = NULL;
	if (!sender)
		return -EINVAL;
	for (pp = &conn->peers; (p = *pp); pp = &p->next)
		if (!strcmp(p->name, sender)) {
			/* most recent first: a busy peer is found at once */
			*pp = p->next;
			p->next = conn->peers;
			conn->peers = p;
			*out = p;
			return 0;
		}
	len = strlen(sender);
	p = calloc(1, sizeof *p + len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p->name, sender, len + 1);
	p->conn = conn;
	atomic_init(&p->refcount, 1);
	atomic_init(&p->pending, 0);
	pthread_mutex_init(&p->lock, NULL);
	atomic_fetch_add(&peer_count, 1);
	read_creds(m, &p->creds);
	p->session = session_new(0);
	p->listeners[0] = evt_listener_new(&listener_itf[0], p);
	p->client = peer_new(PEER_DBUS, sender, NULL);
	rc = p->session && p->listeners[0] && p->client ? 0 : -ENOMEM;
	if (rc >= 0)
		rc = sd_bus_track_new(conn->bus, &p->track, on_track_gone, p);
	if (rc >= 0)
		rc = sd_bus_track_add_name(p->track, sender);
	if (rc < 0) {
		atomic_store(&p->gone, 1);
		p->track = sd_bus_track_unref(p->track);
		release_sessions(p);
		dbus_peer_unref(p);
		return rc;
	}
	fill_client_creds(p, m);
	p->next = conn->peers;
	conn->peers = p;
	LOGI("D-Bus: new peer %s on the %s bus (uid %ld)", sender, dbus_conn_kind(conn),
	     p->creds.has_uid ? (long)p->creds.uid : -1L);
	*out = p;
	return 0;
}

struct peer *dbus_peer_client(const struct dbus_peer *p)
{
	return p->client;
}

const char *dbus_peer_name(const struct dbus_peer *p)
{
	return p->name;
}

const struct dbus_creds *dbus_peer_creds(const struct dbus_peer *p)
{
	return &p->creds;
}

/* ---- sessions ---- */

int dbus_peer_session(struct dbus_peer *p, const char *key, struct session **out)
{
	struct subsession *n;
	int i;

	*out = NULL;
	if (atomic_load(&p->gone))
		return -ENOENT;
	if (!key || !*key) {
		*out = p->session;
		return 0;
	}
	if (strlen(key) > DBUS_PEER_KEY_MAX)
		return -EINVAL;
	for (i = 0; i < p->nsubs; i++)
		if (!strcmp(p->subs[i].key, key)) {
			*out = p->subs[i].session;
			return 0;
		}
	if (p->nsubs >= DBUS_PEER_MAX_SESSIONS)
		return -ENOSPC;
	n = realloc(p->subs, sizeof *n * (size_t)(p->nsubs + 1));
	if (!n)
		return -ENOMEM;
	p->subs = n;
	n = &p->subs[p->nsubs];
	n->session = session_new(0);
	if (!n->session)
		return -ENOMEM;
	strcpy(n->key, key);
	p->nsubs++;
	*out = n->session;
	return 0;
}

void dbus_peer_end_session(struct dbus_peer *p, const char *key)
{
	int i;

	for (i = 0; i < p->nsubs; i++)
		if (!strcmp(p->subs[i].key, key)) {
			session_unref(p->subs[i].session);
			p->subs[i] = p->subs[--p->nsubs];
			return;
		}
}

/* ---- quota ---- */

int dbus_peer_pending_add(struct dbus_peer *p)
{
	if (atomic_fetch_add(&p->pending, 1) >= DBUS_PEER_MAX_PENDING) {
		atomic_fetch_sub(&p->pending, 1);
		return -EBUSY;
	}
	return 0;
}

void dbus_peer_pending_done(struct dbus_peer *p)
{
	atomic_fetch_sub(&p->pending, 1);
}

int dbus_peer_count(void)
{
	return atomic_load(&peer_count);
}
