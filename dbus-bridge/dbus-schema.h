/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the description of an api (OpenAPI 3, from describe) says for
 * D-Bus: its info line, its verbs with their member names and typed
 * signatures, its declared events. docs/dbus.md, "Precise signatures".
 *
 * For a verb "/V" of "paths" (operation "get", else "post", else the
 * first one):
 *  - arguments: the schema of requestBody.content."application/json",
 *    else the "parameters" (each one a member: name, schema, required);
 *  - response: the schema of responses."200".content."application/json";
 *    an envelope schema of the 2017 binder's replies (members "jtype" and
 *    "response") stands for the schema of its "response" member;
 *  - local "$ref"s ("#/components/...") are followed.
 * An object schema with "properties" (or with "additionalProperties":
 * false) gives FIELDS (dbus-shape.h): its required members as arguments,
 * named by the label of their name, typed by their schema; a trailing
 * a{sv} ("options" for arguments, "extra" for responses and events) when
 * it has optional members or allows others ("additionalProperties" true
 * or a schema). Member types: string s, boolean b, number d, integer x
 * (format int32 i, uint32 u, int64 x, uint64 t), array aT (av without
 * "items"), object a{sv} (a{sT} when only "additionalProperties": T),
 * anything else (no type, several types, nullable, anyOf...) v.
 * Without schema, or when the signature would exceed 255 bytes: the
 * generic shapes, a{sv} args and v response. A response or event schema
 * that is only an object without members gives v (a verb may reply null).
 *
 * Events: the object "x-events" of the description, one member per event
 * (its name without "API/"), {"description": ..., "schema": S}: a signal
 * of the typed interface named by the label of the event, with the
 * arguments of S ("data" v without schema).
 *
 * A schema is built on the main thread and immutable; references from
 * any thread.
 */
#pragma once

#include <stdatomic.h>
#include "dbus-shape.h"

struct json_object;

struct dbus_schema_verb {
	char *name;		/* the verb */
	char *member;		/* its member name, NULL when its label exceeds 255 bytes */
	struct dbus_shape in;	/* arguments of the typed method */
	struct dbus_shape out;	/* its results, but the info string that ends them */
	char *out_signature;	/* out.signature + "s" */
	char *names;		/* the names of in, out and info, then an empty one: for the vtable */
};

struct dbus_schema_event {
	char *name;		/* the event's name, without "API/" */
	char *member;		/* the signal, NULL when none (label too long, or a verb's member) */
	struct dbus_shape data;
};

struct dbus_schema {
	atomic_int refcount;
	char *info;		/* info.description, or "" */
	int nverbs;
	struct dbus_schema_verb *verbs;
	int nevents;
	struct dbus_schema_event *events;
};

/*
 * Reads 'desc' (borrowed, may be NULL: no verb) of the api 'api' (for
 * messages). Returns NULL only without memory.
 */
struct dbus_schema *dbus_schema_new(struct json_object *desc, const char *api);

struct dbus_schema *dbus_schema_ref(struct dbus_schema *schema);
void dbus_schema_unref(struct dbus_schema *schema);

/* The declared event 'name' (without "API/") that has a signal, or NULL. */
const struct dbus_schema_event *dbus_schema_event(const struct dbus_schema *schema, const char *name);
