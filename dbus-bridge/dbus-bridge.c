/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "apiset.h"
#include "dbus-bridge.h"
#include "dbus-conn.h"
#include "dbus-export.h"
#include "dbus-import.h"
#include "dbus-name.h"
#include "dbus-peer.h"
#include "dbus-trust.h"
#include "verbose.h"

/*
 * The exports asked (--dbus-server): by name or '*' on a bus, with a trust
 * rule. A name is an api's or an alias's: each name exported has its bus
 * name and object ('*': every name, aliases included). Names added while
 * serving are exported by the first rule of each bus that names them,
 * else by its '*' rule. Main thread; freed at stop.
 */
struct rule {
	struct rule *next;
	struct dbus_conn *conn;
	struct dbus_trust *trust;	/* NULL: the default rule */
	char *name;			/* an api name, or "*" */
	char spec[];			/* the option, for messages */
};
static struct rule *rules;
static struct apiset *watched;		/* the set whose changes exports follow */

void dbus_bridge_set_max_args(size_t max)
{
	dbus_export_set_max_args(max);
}

/* Splits "[system:|user:]REST": returns REST and sets *system. */
static const char *bus_of(const char *spec, int *system)
{
	*system = 0;
	if (!strncmp(spec, "system:", 7)) {
		*system = 1;
		return spec + 7;
	}
	if (!strncmp(spec, "user:", 5))
		return spec + 5;
	return spec;
}

int dbus_bridge_import(struct apiset *set, const char *spec)
{
	struct dbus_conn *conn;
	const char *name;
	int system, rc;

	name = bus_of(spec, &system);
	if (!api_name_is_valid(name) || !strcmp(name, "*")) {
		LOGE("--dbus-client=%s: bad api name '%s'", spec, name);
		return -EINVAL;
	}
	rc = dbus_conn_get(system, &conn);
	if (rc < 0)
		return rc;
	rc = dbus_import_add(conn, set, name);
	if (rc < 0)
		LOGE("--dbus-client=%s: can't import %s: %s", spec, name,
		     rc == -EEXIST ? "an api of that name exists" : strerror(-rc));
	return rc;
}

/* Exports 'api' under 'name' (its own or an alias). */
static int export_one(struct dbus_conn *conn, struct api *api, const char *name, const struct dbus_trust *trust,
		      const char *spec)
{
	int rc = dbus_export_add(conn, api, name, trust);

	if (rc < 0)
		LOGE("--dbus-server=%s: can't export %s: %s", spec, name,
		     rc == -EEXIST ? "already exported on that bus"
		     : rc == -ENAMETOOLONG ? "its bus name would be longer than 255 bytes" : strerror(-rc));
	return rc;
}

/* The rule of 'conn' that exports 'name': its own, else '*'; NULL when none. */
static struct rule *rule_for(struct dbus_conn *conn, const char *name)
{
	struct rule *rule, *any = NULL;

	for (rule = rules; rule; rule = rule->next)
		if (rule->conn == conn) {
			if (!strcasecmp(rule->name, name))
				return rule;
			if (!any && !strcmp(rule->name, "*"))
				any = rule;
		}
	return any;
}

/*
 * The apiset changed (main thread): an api added while serving is
 * exported as the rules say, a removed one leaves the buses, one whose
 * verbs changed describes itself again.
 */
static void on_change(void *closure, struct apiset *set, enum apiset_change change, const char *name, struct api *api)
{
	struct dbus_export *ex;
	struct dbus_conn *conn;
	struct rule *rule;
	int system;

	for (system = 0; system < 2; system++) {
		if (!(conn = dbus_conn_if_open(system)))
			continue;
		ex = dbus_export_find(conn, name);
		switch (change) {
		case APISET_ADDED:
			/* a new api, or a new alias of one */
			if (ex || dbus_import_is_from(api, conn))
				break;
			rule = rule_for(conn, name);
			if (rule)
				export_one(conn, api, name, rule->trust, rule->spec);
			break;
		case APISET_REMOVED:
			if (ex && dbus_export_api(ex) == api)
				dbus_export_remove(conn, ex);
			break;
		default:
			/* under each of its names */
			dbus_export_refresh(conn, api);
			break;
		}
	}
}

int dbus_bridge_export(struct apiset *set, const char *spec)
{
	struct dbus_trust *trust = NULL;
	struct dbus_conn *conn = NULL;
	struct rule *rule = NULL;
	const char *rest, *query;
	struct json_object *names;
	const char *item;
	struct api *api;
	char *name;
	int system, rc, count = 0;
	size_t i;

	rest = bus_of(spec, &system);
	query = strchr(rest, '?');
	name = query ? strndup(rest, (size_t)(query - rest)) : strdup(rest);
	if (!name)
		return -ENOMEM;
	rc = 0;
	if (query && strncmp(query, "?trust=", 7)) {
		LOGE("--dbus-server=%s: unknown option '%s' (expected ?trust=RULE)", spec, query);
		rc = -EINVAL;
	} else if (query && (rc = dbus_trust_parse(query + 7, &trust)) < 0) {
		LOGE("--dbus-server=%s: bad trust rule '%s'", spec, query + 7);
	}
	if (rc >= 0)
		rc = dbus_conn_get(system, &conn);
	if (rc >= 0 && !watched) {
		/* before enumerating: an api added meanwhile is announced after */
		rc = apiset_watch(set, on_change, NULL);
		if (rc >= 0)
			watched = set;
	}
	if (rc >= 0) {
		rule = malloc(sizeof *rule + strlen(spec) + 1);
		if (!rule)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		dbus_trust_free(trust);
		free(name);
		return rc;
	}
	rule->conn = conn;
	rule->trust = trust;
	rule->name = name;
	strcpy(rule->spec, spec);
	rule->next = rules;
	rules = rule;
	names = apiset_names(set);
	if (!names)
		return -ENOMEM;
	for (i = 0; rc >= 0 && i < json_object_array_length(names); i++) {
		/* the name as the apiset spells it */
		item = json_object_get_string(json_object_array_get_idx(names, i));
		if (strcmp(name, "*") && strcasecmp(name, item))
			continue;
		api = apiset_lookup(set, item);
		if (!api)
			continue;	/* removed meanwhile */
		/* '*' leaves out what came from that bus, and what is there already */
		if (strcmp(name, "*") || (!dbus_import_is_from(api, conn) && !dbus_export_find(conn, item))) {
			rc = export_one(conn, api, item, trust, spec);
			count++;
		}
		api_unref(api);
	}
	json_object_put(names);
	if (rc >= 0 && !count && strcmp(name, "*"))
		/* the rule stays: the export follows the apiset (a binding may create it later) */
		LOGW("--dbus-server=%s: no api %s yet: exported when it is created", spec, name);
	else if (rc >= 0 && !count)
		LOGW("--dbus-server=%s: no api to export (apis created later will be)", spec);
	return rc;
}

int dbus_bridge_busy(void)
{
	struct dbus_conn *conn;
	uint64_t queued;
	int system;

	for (system = 0; system < 2; system++) {
		conn = dbus_conn_if_open(system);
		if (conn && sd_bus_get_n_queued_write(conn->bus, &queued) >= 0 && queued > 0)
			return 1;
	}
	return 0;
}

void dbus_bridge_stop(void)
{
	struct dbus_conn *conn;
	struct rule *rule;
	int system;

	/* the apis they describe are freed after us */
	if (dbus_export_wait_describers(5000) < 0)
		LOGE("D-Bus: a description is still being asked: the api it asks may be freed under it");
	for (system = 0; system < 2; system++) {
		conn = dbus_conn_if_open(system);
		if (!conn)
			continue;
		dbus_import_release_all(conn);
		dbus_export_release_all(conn);
		dbus_peer_release_all(conn);
	}
	if (watched)
		apiset_unwatch(watched, on_change, NULL);
	watched = NULL;
	dbus_conn_close_all();
	while ((rule = rules)) {
		rules = rule->next;
		dbus_trust_free(rule->trust);
		free(rule->name);
		free(rule);
	}
}
