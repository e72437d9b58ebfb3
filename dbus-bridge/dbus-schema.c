/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-name.h"
#include "dbus-schema.h"
#include "verbose.h"

#define MAX_REF_HOPS	16	/* $ref followed in a row: more is a loop */
#define MAX_TYPE_DEPTH	8	/* nested arrays and maps typed precisely; deeper is v */
#define MAX_SIGNATURE	255	/* D-Bus */

enum role { ARGS, RESPONSE, EVENT };

static const char *const value_names[] = { "args", "response", "data" };
static const char *const rest_names[] = { "options", "extra", "extra" };

/* ---------------------------------------------------------------- JSON helpers */

/* The member 'key' of 'obj' when 'obj' is an object, else NULL. */
static struct json_object *get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	return json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static const char *get_string(struct json_object *obj, const char *key)
{
	struct json_object *v = get(obj, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int is_true(struct json_object *v)
{
	return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static int is_false(struct json_object *v)
{
	return json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v);
}

/* The value of the JSON pointer of the local reference 'ref' ("#/a/b") in 'root', or NULL. */
static struct json_object *pointer(struct json_object *root, const char *ref)
{
	struct json_object *cur = root;
	const char *p = ref + 1;
	char token[256], c, *end;
	size_t n;
	long index;

	while (*p == '/') {
		for (p++, n = 0; *p && *p != '/'; n++) {
			c = *p++;
			if (c == '~') {
				c = *p == '1' ? '/' : *p == '0' ? '~' : 0;
				if (!c)
					return NULL;
				p++;
			}
			if (n + 1 >= sizeof token)
				return NULL;
			token[n] = c;
		}
		token[n] = 0;
		if (json_object_is_type(cur, json_type_array)) {
			index = strtol(token, &end, 10);
			if (!*token || *end || index < 0 || (size_t)index >= json_object_array_length(cur))
				return NULL;
			cur = json_object_array_get_idx(cur, (size_t)index);
		} else if (!(cur = get(cur, token))) {
			return NULL;
		}
	}
	return *p ? NULL : cur;
}

/* 'schema' with its local $refs followed; NULL when one can't be. */
static struct json_object *resolve(struct json_object *root, struct json_object *schema)
{
	const char *ref;
	int hops;

	for (hops = 0; schema && (ref = get_string(schema, "$ref")); hops++) {
		if (hops == MAX_REF_HOPS || ref[0] != '#')
			return NULL;
		schema = pointer(root, ref);
	}
	return schema;
}

/* ---------------------------------------------------------------- types */

struct sig {
	char text[MAX_SIGNATURE + 1];
	size_t len;
	int overflow;
};

static void put(struct sig *s, const char *t)
{
	size_t n = strlen(t);

	if (s->len + n > MAX_SIGNATURE) {
		s->overflow = 1;
		return;
	}
	memcpy(s->text + s->len, t, n + 1);
	s->len += n;
}

/* The JSON type a schema states, or NULL when it states none or several. */
static const char *type_name(struct json_object *schema)
{
	struct json_object *t = get(schema, "type"), *e;
	size_t i, n;

	if (json_object_is_type(t, json_type_string))
		return json_object_get_string(t);
	if (json_object_is_type(t, json_type_array))
		return json_object_array_length(t) == 1 && json_object_is_type(json_object_array_get_idx(t, 0), json_type_string)
			? json_object_get_string(json_object_array_get_idx(t, 0)) : NULL;
	if (t)
		return NULL;
	if (get(schema, "properties") || get(schema, "additionalProperties"))
		return "object";
	if (get(schema, "items"))
		return "array";
	e = get(schema, "enum");
	n = json_object_is_type(e, json_type_array) ? json_object_array_length(e) : 0;
	for (i = 0; i < n && json_object_is_type(json_object_array_get_idx(e, i), json_type_string); i++)
		;
	return n && i == n ? "string" : NULL;
}

static void type_of(struct json_object *root, struct json_object *schema, struct sig *s, int depth)
{
	struct json_object *items, *more, *props;
	const char *name, *format;

	schema = resolve(root, schema);
	if (!json_object_is_type(schema, json_type_object) || depth > MAX_TYPE_DEPTH || is_true(get(schema, "nullable"))
	    || get(schema, "anyOf") || get(schema, "oneOf") || get(schema, "allOf") || get(schema, "not")
	    || !(name = type_name(schema))) {
		put(s, "v");
	} else if (!strcmp(name, "string")) {
		put(s, "s");
	} else if (!strcmp(name, "boolean")) {
		put(s, "b");
	} else if (!strcmp(name, "number")) {
		put(s, "d");
	} else if (!strcmp(name, "integer")) {
		format = get_string(schema, "format");
		put(s, !format ? "x" : !strcmp(format, "int32") ? "i" : !strcmp(format, "uint32") ? "u"
		       : !strcmp(format, "uint64") ? "t" : "x");
	} else if (!strcmp(name, "array")) {
		items = resolve(root, get(schema, "items"));
		if (json_object_is_type(items, json_type_object)) {
			put(s, "a");
			type_of(root, items, s, depth + 1);
		} else {
			put(s, "av");
		}
	} else if (!strcmp(name, "object")) {
		more = resolve(root, get(schema, "additionalProperties"));
		props = get(schema, "properties");
		if (json_object_is_type(more, json_type_object) && (!props || !json_object_object_length(props))) {
			/* a map: every member of one type */
			put(s, "a{s");
			type_of(root, more, s, depth + 1);
			put(s, "}");
		} else {
			put(s, "a{sv}");
		}
	} else {
		put(s, "v");	/* "null", or unknown */
	}
}

/* ---------------------------------------------------------------- shapes */

static int copy_generic(struct dbus_shape *shape, enum role role)
{
	const char *type = role == ARGS ? "a{sv}" : "v";
	size_t len = strlen(value_names[role]) + 1;

	memset(shape, 0, sizeof *shape);
	shape->kind = DBUS_SHAPE_VALUE;
	shape->type = strdup(type);
	shape->signature = strdup(type);
	shape->names = calloc(1, len + 1);	/* and the empty name that ends the list */
	shape->names_len = len;
	if (!shape->type || !shape->signature || !shape->names)
		return -ENOMEM;
	memcpy(shape->names, value_names[role], len);
	return 0;
}

/* Appends 'name' and its NUL to the names of 'shape', that an empty name ends. */
static int add_name(struct dbus_shape *shape, const char *name)
{
	size_t len = strlen(name) + 1;
	char *n = realloc(shape->names, shape->names_len + len + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n + shape->names_len, name, len);
	n[shape->names_len + len] = 0;
	shape->names = n;
	shape->names_len += len;
	return 0;
}

static int is_required(struct json_object *required, const char *key)
{
	size_t i, n = json_object_is_type(required, json_type_array) ? json_object_array_length(required) : 0;

	for (i = 0; i < n; i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(required, i)) ?: "", key))
			return 1;
	return 0;
}

/*
 * FIELDS from the object schema 's' (resolved). Returns 0, 1 (a signature or
 * an argument name too long: use the generic shape), -ENOMEM.
 */
static int make_fields(struct json_object *root, struct json_object *s, enum role role, struct dbus_shape *shape)
{
	struct json_object *props = get(s, "properties"), *required = get(s, "required"), *more;
	struct sig sig = { .len = 0 };
	struct sig one;
	char *label, rest_name[16];
	int i, n = json_object_is_type(props, json_type_object) ? json_object_object_length(props) : 0, rc = 0;

	memset(shape, 0, sizeof *shape);
	shape->kind = DBUS_SHAPE_FIELDS;
	shape->fields = calloc((size_t)n + 1, sizeof *shape->fields);
	if (!shape->fields)
		return -ENOMEM;
	more = get(s, "additionalProperties");
	shape->open = is_true(more) || json_object_is_type(more, json_type_object);
	shape->rest = shape->open;
	snprintf(rest_name, sizeof rest_name, "%s", rest_names[role]);
	i = 0;
	if (n) {
		json_object_object_foreach(props, key, prop) {
			struct dbus_field *f = &shape->fields[i++];

			shape->nfields = i;
			f->required = is_required(required, key);
			one.len = 0;
			one.overflow = 0;
			one.text[0] = 0;
			type_of(root, prop, &one, 0);
			f->key = strdup(key);
			f->type = strdup(one.overflow ? "v" : one.text);
			if (!f->key || !f->type)
				return -ENOMEM;
			if (!f->required) {
				shape->rest = 1;
				continue;
			}
			put(&sig, f->type);
			label = dbus_name_escape(key);
			if (!label)
				return -ENOMEM;
			if (strlen(label) > MAX_SIGNATURE) {
				free(label);
				return 1;	/* not a member name: generic */
			}
			if (!strcmp(label, rest_name))
				strcat(rest_name, "_");	/* a label never ends with a lone '_' */
			rc = add_name(shape, label);
			free(label);
			if (rc < 0)
				return rc;
		}
	}
	if (shape->rest) {
		put(&sig, "a{sv}");
		rc = add_name(shape, rest_name);
		if (rc < 0)
			return rc;
	}
	if (sig.overflow)
		return 1;
	shape->signature = strdup(sig.text);
	if (!shape->names)
		shape->names = calloc(1, 1);	/* no argument */
	return shape->signature && shape->names ? 0 : -ENOMEM;
}

/* The shape of 'schema' (NULL: none) in 'role'. Returns 0 or -ENOMEM. */
static int make_shape(struct json_object *root, struct json_object *schema, enum role role, struct dbus_shape *shape)
{
	struct json_object *s = resolve(root, schema);
	struct sig sig = { .len = 0 };
	const char *name = s ? type_name(s) : NULL;
	int rc;

	if (s && json_object_is_type(s, json_type_object) && name && !strcmp(name, "object")
	    && !get(s, "anyOf") && !get(s, "oneOf") && !get(s, "allOf") && !is_true(get(s, "nullable"))
	    && (json_object_is_type(get(s, "properties"), json_type_object) || is_false(get(s, "additionalProperties")))) {
		rc = make_fields(root, s, role, shape);
		if (rc <= 0)
			return rc;
		dbus_shape_clear(shape);	/* too long */
		return copy_generic(shape, role);
	}
	if (!s)
		return copy_generic(shape, role);
	type_of(root, s, &sig, 0);
	/* an object without members: a response or event may be null */
	if (sig.overflow || (role != ARGS && !strcmp(sig.text, "a{sv}")))
		return copy_generic(shape, role);
	memset(shape, 0, sizeof *shape);
	shape->kind = DBUS_SHAPE_VALUE;
	shape->type = strdup(sig.text);
	shape->signature = strdup(sig.text);
	if (!shape->type || !shape->signature)
		return -ENOMEM;
	return add_name(shape, value_names[role]);
}

/* ---------------------------------------------------------------- verbs */

/* The operation of a path item: "get", else "post", else the first object member. */
static struct json_object *operation(struct json_object *item)
{
	struct json_object *op = get(item, "get");

	if (!op)
		op = get(item, "post");
	if (!op && json_object_is_type(item, json_type_object)) {
		json_object_object_foreach(item, key, value) {
			(void)key;
			if (json_object_is_type(value, json_type_object) && strcmp(key, "parameters"))
				return value;
		}
	}
	return op;
}

/* Adds the parameters of the array 'list' to the object schema 'synth'. */
static int add_parameters(struct json_object *root, struct json_object *list, struct json_object *synth)
{
	struct json_object *p, *schema, *props = get(synth, "properties"), *required = get(synth, "required");
	size_t i, n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	const char *name;

	for (i = 0; i < n; i++) {
		p = resolve(root, json_object_array_get_idx(list, i));
		if (!(name = get_string(p, "name")))
			continue;
		schema = get(p, "schema");
		schema = schema ? json_object_get(schema) : json_object_new_object();
		if (!schema || json_object_object_add(props, name, schema) < 0)
			return -ENOMEM;
		if (is_true(get(p, "required")) && !is_required(required, name)
		    && json_object_array_add(required, json_object_new_string(name)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The schema of the arguments of 'op' (of the path item 'item'): borrowed,
 * or made in *made (to release). NULL when none is given.
 */
static struct json_object *args_schema(struct json_object *root, struct json_object *item, struct json_object *op,
				       struct json_object **made)
{
	struct json_object *body = resolve(root, get(op, "requestBody")), *schema, *synth;

	*made = NULL;
	schema = get(get(get(body, "content"), "application/json"), "schema");
	if (schema)
		return schema;
	if (!get(item, "parameters") && !get(op, "parameters"))
		return NULL;
	synth = json_tokener_parse("{\"type\":\"object\",\"properties\":{},\"required\":[],\"additionalProperties\":false}");
	if (!synth || add_parameters(root, get(item, "parameters"), synth) < 0
	    || add_parameters(root, get(op, "parameters"), synth) < 0) {
		json_object_put(synth);
		return NULL;
	}
	*made = synth;
	return synth;
}

/* The schema of the response of 'op', or NULL. */
static struct json_object *response_schema(struct json_object *root, struct json_object *op)
{
	struct json_object *ok = resolve(root, get(get(op, "responses"), "200"));
	struct json_object *schema = get(get(get(ok, "content"), "application/json"), "schema");
	struct json_object *props = get(resolve(root, schema), "properties");

	/* the envelope of the 2017 binder's replies: the response is its member "response" */
	if (get(props, "jtype"))
		return get(props, "response");
	return schema;
}

/* The names of the typed method: in, out, then the info string. */
static int verb_names(struct dbus_schema_verb *v)
{
	const char *info = "info", *p;
	size_t len, i;

	for (i = 0; i < v->out.names_len; i += strlen(p) + 1)
		if (!strcmp(p = v->out.names + i, "info"))
			info = "info_";
	len = v->in.names_len + v->out.names_len + strlen(info) + 2;	/* an empty name ends the list */
	v->names = calloc(1, len);
	if (!v->names)
		return -ENOMEM;
	memcpy(v->names, v->in.names, v->in.names_len);
	memcpy(v->names + v->in.names_len, v->out.names, v->out.names_len);
	strcpy(v->names + v->in.names_len + v->out.names_len, info);
	return 0;
}

static int read_verb(struct json_object *root, const char *api, const char *key, struct json_object *item,
		     struct dbus_schema_verb *v)
{
	struct json_object *op = operation(item), *made, *schema;
	int rc;

	v->name = strdup(key + 1);
	if (!v->name)
		return -ENOMEM;
	v->member = dbus_name_member_of_verb(v->name);
	if (!v->member)
		LOGW("D-Bus: api %s: verb %s has no method (name too long); use Call", api, v->name);
	schema = args_schema(root, item, op, &made);
	rc = make_shape(root, schema, ARGS, &v->in);
	json_object_put(made);
	if (rc >= 0)
		rc = make_shape(root, response_schema(root, op), RESPONSE, &v->out);
	if (rc >= 0 && strlen(v->out.signature) + 1 > MAX_SIGNATURE) {
		dbus_shape_clear(&v->out);
		rc = copy_generic(&v->out, RESPONSE);
	}
	if (rc >= 0 && asprintf(&v->out_signature, "%ss", v->out.signature) < 0) {
		v->out_signature = NULL;
		rc = -ENOMEM;
	}
	return rc < 0 ? rc : verb_names(v);
}

static int read_event(struct dbus_schema *schema, struct json_object *root, const char *name,
		      struct json_object *decl, struct dbus_schema_event *e)
{
	int i;

	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->member = dbus_name_member_of_verb(name);
	for (i = 0; e->member && i < schema->nverbs; i++)
		if (schema->verbs[i].member && !strcmp(schema->verbs[i].member, e->member)) {
			free(e->member);	/* a method has that member: the generic signal carries it */
			e->member = NULL;
		}
	return make_shape(root, get(resolve(root, decl), "schema"), EVENT, &e->data);
}

/* ---------------------------------------------------------------- life */

struct dbus_schema *dbus_schema_new(struct json_object *desc, const char *api)
{
	struct dbus_schema *s = calloc(1, sizeof *s);
	struct json_object *paths = get(desc, "paths"), *events = get(desc, "x-events");
	const char *info = get_string(get(desc, "info"), "description");
	int rc = 0, n;

	if (!s)
		return NULL;
	atomic_init(&s->refcount, 1);
	s->info = strdup(info ? info : "");
	n = json_object_is_type(paths, json_type_object) ? json_object_object_length(paths) : 0;
	s->verbs = calloc((size_t)n + 1, sizeof *s->verbs);
	n = json_object_is_type(events, json_type_object) ? json_object_object_length(events) : 0;
	s->events = calloc((size_t)n + 1, sizeof *s->events);
	if (!s->info || !s->verbs || !s->events)
		rc = -ENOMEM;
	if (rc >= 0 && json_object_is_type(paths, json_type_object)) {
		json_object_object_foreach(paths, key, item) {
			if (rc < 0 || key[0] != '/')
				continue;
			rc = read_verb(desc, api, key, item, &s->verbs[s->nverbs++]);
		}
	}
	if (rc >= 0 && json_object_is_type(events, json_type_object)) {
		json_object_object_foreach(events, name, decl) {
			if (rc < 0)
				continue;
			rc = read_event(s, desc, name, decl, &s->events[s->nevents++]);
		}
	}
	if (rc < 0) {
		dbus_schema_unref(s);
		return NULL;
	}
	return s;
}

struct dbus_schema *dbus_schema_ref(struct dbus_schema *s)
{
	atomic_fetch_add(&s->refcount, 1);
	return s;
}

void dbus_schema_unref(struct dbus_schema *s)
{
	int i;

	if (!s || atomic_fetch_sub(&s->refcount, 1) != 1)
		return;
	for (i = 0; i < s->nverbs; i++) {
		free(s->verbs[i].name);
		free(s->verbs[i].member);
		free(s->verbs[i].out_signature);
		free(s->verbs[i].names);
		dbus_shape_clear(&s->verbs[i].in);
		dbus_shape_clear(&s->verbs[i].out);
	}
	for (i = 0; i < s->nevents; i++) {
		free(s->events[i].name);
		free(s->events[i].member);
		dbus_shape_clear(&s->events[i].data);
	}
	free(s->verbs);
	free(s->events);
	free(s->info);
	free(s);
}

const struct dbus_schema_event *dbus_schema_event(const struct dbus_schema *s, const char *name)
{
	int i;

	for (i = 0; i < s->nevents; i++)
		if (s->events[i].member && !strcmp(s->events[i].name, name))
			return &s->events[i];
	return NULL;
}
