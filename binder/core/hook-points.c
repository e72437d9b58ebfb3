/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hook points: each builds the record of one action (its "data" as
 * the 2017 monitor api reported it) and hands it to hook_dispatch. They
 * are called only when some hook wants the action (see the guards in
 * hook.h), so the work done here costs nothing when no one traces.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "afb/afb-req-itf.h"
#include "hook.h"
#include "hook-internal.h"
#include "evt.h"
#include "session.h"
#include "xreq.h"
#include "peer.h"

/* ---- JSON helpers ---- */

static void add_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

static void add_str_opt(struct json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

static void add_int(struct json_object *o, const char *key, int64_t value)
{
	json_object_object_add(o, key, json_object_new_int64(value));
}

/*
 * A borrowed value, copied: the record is serialized later on another
 * thread, while the request's objects go on being used (and released) by
 * their own; json-c's objects are not thread-safe, not even their
 * reference counts (ThreadSanitizer).
 */
static struct json_object *copy(struct json_object *value)
{
	struct json_object *result = NULL;

	if (value && json_object_deep_copy(value, &result, NULL) < 0)
		result = NULL;
	return result;
}

static void add_json(struct json_object *o, const char *key, struct json_object *value)
{
	json_object_object_add(o, key, copy(value));
}

static void add_json_opt(struct json_object *o, const char *key, struct json_object *value)
{
	if (value)
		json_object_object_add(o, key, copy(value));
}

/* ---- requests ---- */

/* the uuid of the request's session; NULL while it has none (sessions are made on first use) */
static const char *uuid_of(struct xreq *x)
{
	struct session *s = xreq_session(x, 0);

	return s ? session_uuid(s) : NULL;
}

static void req_emit(struct xreq *x, unsigned flag, struct json_object *data)
{
	struct hook_record r = {
		.kind = HOOK_REQUEST, .flag = flag, .xreq = x, .index = x->hookindex,
		.api = x->api, .verb = x->verb, .uuid = uuid_of(x), .data = data,
	};

	if (hook_enter()) {
		hook_dispatch(&r);
		hook_leave();
	}
	json_object_put(data);
}

void hook_req_start_slow(struct xreq *x)
{
	x->hookflags = hook_req_flags(x->api, x->verb, uuid_of(x));
	if (!x->hookflags)
		return;
	x->hookindex = hook_next_request_index();
	if (!x->begin_us)
		x->begin_us = hook_now_us();
	if (HOOK_REQ_ON(x, BEGIN))
		req_emit(x, HOOK_REQ_BEGIN, NULL);
}

static int64_t elapsed_us(struct xreq *x)
{
	return x->begin_us ? hook_now_us() - x->begin_us : 0;
}

void hook_req_end(struct xreq *x)
{
	struct json_object *data = json_object_new_object();

	add_int(data, "duration_us", elapsed_us(x));
	req_emit(x, HOOK_REQ_END, data);
}

void hook_req_json(struct xreq *x, struct json_object *args)
{
	struct json_object *data = json_object_new_object();

	add_json(data, "result", args);
	req_emit(x, HOOK_REQ_JSON, data);
}

void hook_req_get(struct xreq *x, const char *name, const struct afb_arg *arg)
{
	struct json_object *data = json_object_new_object();

	add_str(data, "query", name);
	add_str(data, "name", arg->name);
	add_str(data, "value", arg->value);
	add_str(data, "path", arg->path);
	req_emit(x, HOOK_REQ_GET, data);
}

void hook_req_reply(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	struct json_object *data;

	if (status ? !HOOK_REQ_ON(x, FAIL) : !HOOK_REQ_ON(x, SUCCESS))
		return;
	data = json_object_new_object();
	if (status)
		add_str(data, "status", status);
	else
		add_json(data, "result", object);
	add_str(data, "info", info);
	add_int(data, "duration_us", elapsed_us(x));
	req_emit(x, status ? HOOK_REQ_FAIL : HOOK_REQ_SUCCESS, data);
}

void hook_req_context_get(struct xreq *x, void *value)
{
	req_emit(x, HOOK_REQ_CONTEXT_GET, NULL);
}

void hook_req_context_set(struct xreq *x, void *value, void (*freecb)(void *))
{
	req_emit(x, HOOK_REQ_CONTEXT_SET, NULL);
}

void hook_req_addref(struct xreq *x)
{
	req_emit(x, HOOK_REQ_ADDREF, NULL);
}

void hook_req_unref(struct xreq *x)
{
	req_emit(x, HOOK_REQ_UNREF, NULL);
}

void hook_req_session_close(struct xreq *x)
{
	req_emit(x, HOOK_REQ_SESSION_CLOSE, NULL);
}

void hook_req_session_set_loa(struct xreq *x, unsigned level, int result)
{
	struct json_object *data = json_object_new_object();

	add_int(data, "level", level);
	add_int(data, "result", result);
	req_emit(x, HOOK_REQ_SESSION_SET_LOA, data);
}

static void req_subscription(struct xreq *x, unsigned flag, struct evt *evt, int result)
{
	struct json_object *data = json_object_new_object(), *e = json_object_new_object();

	add_str(e, "name", evt ? evt_fullname(evt) : NULL);
	add_int(e, "id", evt ? evt_id(evt) : 0);
	json_object_object_add(data, "event", e);
	add_int(data, "result", result);
	req_emit(x, flag, data);
}

void hook_req_subscribe(struct xreq *x, struct evt *evt, int result)
{
	req_subscription(x, HOOK_REQ_SUBSCRIBE, evt, result);
}

void hook_req_unsubscribe(struct xreq *x, struct evt *evt, int result)
{
	req_subscription(x, HOOK_REQ_UNSUBSCRIBE, evt, result);
}

/*
 * The data of calls and of their results, for requests (subcalls: a
 * missing value is null) and services (a missing value is left out).
 */
static struct json_object *call_data(const char *api, const char *verb, struct json_object *args, int omit)
{
	struct json_object *data = json_object_new_object();

	add_str(data, "api", api);
	add_str(data, "verb", verb);
	(omit ? add_json_opt : add_json)(data, "args", args);
	return data;
}

static struct json_object *status_data(int status, struct json_object *result, int omit)
{
	struct json_object *data = json_object_new_object();

	add_int(data, "status", status);
	(omit ? add_json_opt : add_json)(data, "result", result);
	return data;
}

/*
 * The same for a reply given as its parts: status 0 or -1 and the envelope
 * a v1 or v2 caller gets (calls.h),
 * {"response"?,"jtype":"afb-reply","request":{"status","info"?}}.
 */
static struct json_object *reply_data(const char *error, const char *info, struct json_object *object)
{
	struct json_object *data = json_object_new_object();
	struct json_object *envelope = json_object_new_object(), *request = json_object_new_object();

	add_json_opt(envelope, "response", object);
	add_str(envelope, "jtype", "afb-reply");
	add_str(request, "status", error ? error : "success");
	add_str_opt(request, "info", info);
	json_object_object_add(envelope, "request", request);
	add_int(data, "status", error ? -1 : 0);
	json_object_object_add(data, "result", envelope);
	return data;
}

void hook_req_subcall(struct xreq *x, unsigned flag, const char *api, const char *verb, struct json_object *args)
{
	req_emit(x, flag, call_data(api, verb, args, 0));
}

void hook_req_subcall_result(struct xreq *x, unsigned flag, int status, struct json_object *result)
{
	req_emit(x, flag, status_data(status, result, 0));
}

void hook_req_subcall_reply(struct xreq *x, unsigned flag, const char *error, const char *info,
			    struct json_object *object)
{
	req_emit(x, flag, reply_data(error, info, object));
}

static const char *const level_names[8] = {
	NULL, NULL, NULL, "error", "warning", "notice", "info", "debug"
};

/* The data of a log message; 'always_position': "?" for what is unknown (request, global). */
static struct json_object *vverbose_data(int level, const char *file, int line, const char *func,
					 const char *fmt, va_list args, int always_position)
{
	struct json_object *data = json_object_new_object(), *pos;
	char *msg = NULL;
	va_list copy;

	add_int(data, "level", level);
	if (level >= 3 && level <= 7)
		add_str(data, "type", level_names[level]);
	va_copy(copy, args);
	if (fmt && vasprintf(&msg, fmt, copy) >= 0) {
		add_str(data, "message", msg);
		free(msg);
	} else {
		add_str(data, "format", fmt);
	}
	va_end(copy);
	if (file || always_position) {
		pos = json_object_new_object();
		add_str(pos, "file", file ? file : "?");
		add_int(pos, "line", line);
		if (func || always_position)
			add_str(pos, "function", func ? func : "?");
		json_object_object_add(data, "position", pos);
	}
	return data;
}

void hook_req_vverbose(struct xreq *x, int level, const char *file, int line, const char *func,
		       const char *fmt, va_list args)
{
	req_emit(x, HOOK_REQ_VVERBOSE, vverbose_data(level, file, line, func, fmt, args, 1));
}

void hook_req_store(struct xreq *x)
{
	req_emit(x, HOOK_REQ_STORE, NULL);
}

void hook_req_unstore(struct xreq *x)
{
	req_emit(x, HOOK_REQ_UNSTORE, NULL);
}

/* ---- daemon, service, event, global, session ---- */

static void emit(struct hook_record *r)
{
	if (hook_enter()) {
		hook_dispatch(r);
		hook_leave();
	}
}

void hook_daemon(const char *api, unsigned flag, struct json_object *data)
{
	struct hook_record r = { .kind = HOOK_DAEMON, .flag = flag, .api = api, .data = data };

	emit(&r);
	json_object_put(data);
}

void hook_daemon_vverbose(const char *api, int level, const char *file, int line, const char *func,
			  const char *fmt, va_list args)
{
	hook_daemon(api, HOOK_DAEMON_VVERBOSE, vverbose_data(level, file, line, func, fmt, args, 0));
}

void hook_service(const char *api, unsigned flag, struct json_object *data)
{
	struct hook_record r = { .kind = HOOK_SERVICE, .flag = flag, .api = api, .data = data };

	emit(&r);
	json_object_put(data);
}

/* ---- the points of the bindings' interfaces ---- */

void hook_daemon_event_make(const char *api, const char *name, struct evt *evt)
{
	struct json_object *data = json_object_new_object();

	add_str(data, "name", name);
	add_str(data, "event", evt ? evt_fullname(evt) : NULL);
	add_int(data, "id", evt ? evt_id(evt) : 0);
	hook_daemon(api, HOOK_DAEMON_EVENT_MAKE, data);
}

void hook_daemon_event_broadcast(const char *api, unsigned flag, const char *name, struct json_object *object,
				 int result)
{
	struct json_object *data = json_object_new_object();

	add_str(data, "name", name);
	add_json_opt(data, "data", object);
	if (flag == HOOK_DAEMON_EVENT_BROADCAST_AFTER)
		add_int(data, "result", result);
	hook_daemon(api, flag, data);
}

/* the result, and the path 'fd' opens or the error */
static struct json_object *fd_data(struct json_object *data, int fd, int error)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	add_int(data, "result", fd);
	if (fd < 0) {
		add_str(data, "error", strerror(error));
		return data;
	}
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	path[n > 0 ? n : 0] = 0;
	add_str(data, "path", path);
	return data;
}

void hook_daemon_rootdir_get_fd(const char *api, int fd, int error)
{
	hook_daemon(api, HOOK_DAEMON_ROOTDIR_GET_FD, fd_data(json_object_new_object(), fd, error));
}

void hook_daemon_rootdir_open_locale(const char *api, const char *file, int flags, const char *locale, int fd,
				     int error)
{
	struct json_object *data = json_object_new_object();

	add_str(data, "file", file);
	add_int(data, "flags", flags);
	add_str_opt(data, "locale", locale);
	hook_daemon(api, HOOK_DAEMON_ROOTDIR_OPEN_LOCALE, fd_data(data, fd, error));
}

static struct json_object *result_data(int result)
{
	struct json_object *data = json_object_new_object();

	add_int(data, "result", result);
	return data;
}

void hook_daemon_queue_job(const char *api, int result)
{
	hook_daemon(api, HOOK_DAEMON_QUEUE_JOB, result_data(result));
}

void hook_daemon_require_api(const char *api, unsigned flag, const char *name, int initialized, int result)
{
	struct json_object *data = json_object_new_object();

	add_str(data, "name", name);
	json_object_object_add(data, "initialized", json_object_new_boolean(initialized));
	if (flag == HOOK_DAEMON_REQUIRE_API_RESULT)
		add_int(data, "result", result);
	hook_daemon(api, flag, data);
}

void hook_service_start_after(const char *api, int result)
{
	hook_service(api, HOOK_SVC_START_AFTER, result_data(result));
}

void hook_service_call(const char *api, unsigned flag, const char *called_api, const char *verb,
		       struct json_object *args)
{
	hook_service(api, flag, call_data(called_api, verb, args, 1));
}

void hook_service_call_result(const char *api, unsigned flag, int status, struct json_object *result)
{
	hook_service(api, flag, status_data(status, result, 1));
}

void hook_service_call_reply(const char *api, unsigned flag, const char *error, const char *info,
			     struct json_object *object)
{
	hook_service(api, flag, reply_data(error, info, object));
}

void hook_service_on_event(const char *api, unsigned flag, const char *event, int id, struct json_object *object)
{
	struct json_object *data = json_object_new_object();

	add_str(data, "event", event);
	add_int(data, "id", id);
	add_json_opt(data, "data", object);
	hook_service(api, flag, data);
}

void hook_evt(const char *fullname, int id, unsigned flag)
{
	struct hook_record r = { .kind = HOOK_EVENT, .flag = flag, .event = fullname, .eventid = id };

	emit(&r);
}

void hook_evt_data(const char *fullname, int id, unsigned flag, struct json_object *data, int result)
{
	struct hook_record r = { .kind = HOOK_EVENT, .flag = flag, .event = fullname, .eventid = id };

	r.data = json_object_new_object();
	add_json_opt(r.data, "data", data);
	if (flag & (HOOK_EVT_PUSH_AFTER | HOOK_EVT_BROADCAST_AFTER))
		add_int(r.data, "result", result);
	emit(&r);
	json_object_put(r.data);
}

void hook_global_vverbose(int level, const char *file, int line, const char *func, const char *fmt,
			  va_list args)
{
	struct hook_record r = { .kind = HOOK_GLOBAL, .flag = HOOK_GLOBAL_VVERBOSE };

	/* checked before building the message: a hook that logs must not recurse */
	if (!hook_enter())
		return;
	r.data = vverbose_data(level, file, line, func, fmt, args, 1);
	hook_dispatch(&r);
	hook_leave();
	json_object_put(r.data);
}

void hook_session(const char *uuid, unsigned flag)
{
	struct hook_record r = { .kind = HOOK_SESSION, .flag = flag, .uuid = uuid };

	emit(&r);
}

/* ---- the 2017 TRACE object ---- */

static void add_peer(struct json_object *desc, struct xreq *x)
{
	const struct peer *p = x->peer;
	struct json_object *creds;
	char uid[24];

	if (!p)
		return;
	if (p->creds->known) {
		creds = json_object_new_object();
		snprintf(uid, sizeof uid, "%u", (unsigned)p->creds->uid);
		add_int(creds, "uid", p->creds->uid);
		add_str(creds, "user", uid);
		add_int(creds, "gid", p->creds->gid);
		add_int(creds, "pid", p->creds->pid);
		add_str_opt(creds, "label", p->creds->label[0] ? p->creds->label : NULL);
		json_object_object_add(desc, "credentials", creds);
	}
	add_str(desc, "transport", peer_kind_name(p->kind));
	add_str(desc, "client", p->address);
}

struct json_object *hook_record_json(const struct hook_record *r, const char *tag)
{
	struct json_object *o = json_object_new_object(), *desc = json_object_new_object();
	char time[40];

	if (!o || !desc) {
		json_object_put(o);
		json_object_put(desc);
		return NULL;
	}
	snprintf(time, sizeof time, "%lld.%06ld", (long long)r->time.tv_sec, r->time.tv_nsec / 1000);
	add_str(o, "time", time);
	add_str_opt(o, "tag", tag);
	add_str(o, "type", hook_kind_name(r->kind));
	add_int(o, "id", r->id);
	switch (r->kind) {
	case HOOK_REQUEST:
		add_int(desc, "index", r->index);
		add_str(desc, "api", r->api);
		add_str(desc, "verb", r->verb);
		add_str(desc, "action", r->action);
		add_peer(desc, r->xreq);
		add_str_opt(desc, "session", r->uuid);
		break;
	case HOOK_DAEMON:
	case HOOK_SERVICE:
		add_str(desc, "api", r->api);
		add_str(desc, "action", r->action);
		break;
	case HOOK_EVENT:
		add_int(desc, "id", r->eventid);
		add_str(desc, "name", r->event);
		add_str(desc, "action", r->action);
		break;
	case HOOK_SESSION:
		add_str(desc, "uuid", r->uuid);
		add_str(desc, "action", r->action);
		break;
	default:
		add_str(desc, "action", r->action);
		break;
	}
	json_object_object_add(o, hook_kind_name(r->kind), desc);
	add_json_opt(o, "data", r->data);
	return o;
}
