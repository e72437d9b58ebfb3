/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-shape.h"
#include "dbus-text.h"
#include "dbus-typed.h"

const struct dbus_shape dbus_shape_args = {
	.kind = DBUS_SHAPE_VALUE,
	.type = "a{sv}",
	.signature = "a{sv}",
	.names = "args\0",
	.names_len = 5,
};

const struct dbus_shape dbus_shape_response = {
	.kind = DBUS_SHAPE_VALUE,
	.type = "v",
	.signature = "v",
	.names = "response\0",
	.names_len = 9,
};

void dbus_shape_clear(struct dbus_shape *shape)
{
	int i;

	for (i = 0; i < shape->nfields; i++) {
		free(shape->fields[i].key);
		free(shape->fields[i].type);
	}
	free(shape->fields);
	free(shape->type);
	free(shape->signature);
	free(shape->names);
	memset(shape, 0, sizeof *shape);
}

static int add_member(struct json_object *obj, const char *key, struct json_object *v)
{
	if (json_object_object_get_ex(obj, key, NULL)) {
		json_object_put(v);
		return -EEXIST;
	}
	if (json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Adds the members of the object 'rest' (consumed) to 'obj'. */
static int merge_rest(struct json_object *obj, struct json_object *rest)
{
	int rc = 0;

	json_object_object_foreach(rest, key, member) {
		if (rc >= 0)
			rc = add_member(obj, key, json_object_get(member));
	}
	json_object_put(rest);
	return rc;
}

int dbus_shape_read(const struct dbus_shape *shape, sd_bus_message *m, struct json_object **value,
		    size_t *budget)
{
	struct json_object *obj, *v;
	int i, rc = 0;

	*value = NULL;
	if (shape->kind == DBUS_SHAPE_VALUE)
		return dbus_typed_read(m, value, budget);
	obj = json_object_new_object();
	if (!obj)
		return -ENOMEM;
	for (i = 0; rc >= 0 && i < shape->nfields; i++) {
		if (!shape->fields[i].required)
			continue;
		rc = dbus_typed_read(m, &v, budget);
		if (rc >= 0)
			rc = add_member(obj, shape->fields[i].key, v);
	}
	if (rc >= 0 && shape->rest) {
		rc = dbus_typed_read(m, &v, budget);	/* an a{sv}: an object */
		if (rc >= 0)
			rc = merge_rest(obj, v);
	}
	if (rc < 0) {
		json_object_put(obj);
		return rc;
	}
	*value = obj;
	return 0;
}

static const struct dbus_field *field_of(const struct dbus_shape *shape, const char *key)
{
	int i;

	for (i = 0; i < shape->nfields; i++)
		if (!strcmp(shape->fields[i].key, key))
			return &shape->fields[i];
	return NULL;
}

/* The a{sv} of the members of 'value' that are not positional. */
static int append_rest(const struct dbus_shape *shape, sd_bus_message *m, struct json_object *value)
{
	const struct dbus_field *f;
	char *fixed;
	int rc = sd_bus_message_open_container(m, 'a', "{sv}");

	json_object_object_foreach(value, key, member) {
		if (rc < 0)
			break;
		f = field_of(shape, key);
		if (f ? f->required : !shape->open)
			continue;	/* an argument already, or not declared */
		rc = sd_bus_message_open_container(m, 'e', "sv");
		if (rc >= 0) {
			fixed = NULL;
			rc = sd_bus_message_append_basic(m, 's', dbus_text_plain(key, "D-Bus key", &fixed));
			free(fixed);
		}
		if (rc >= 0)
			rc = dbus_typed_append(m, "v", member, 2);
		if (rc >= 0)
			rc = sd_bus_message_close_container(m);
	}
	return rc < 0 ? rc : sd_bus_message_close_container(m);
}

int dbus_shape_append(const struct dbus_shape *shape, sd_bus_message *m, struct json_object *value)
{
	struct json_object *member;
	int i, rc = 0;

	if (shape->kind == DBUS_SHAPE_VALUE)
		return dbus_typed_append(m, shape->type, value, 0);
	if (!json_object_is_type(value, json_type_object))
		return -EPROTOTYPE;
	for (i = 0; rc >= 0 && i < shape->nfields; i++) {
		if (!shape->fields[i].required)
			continue;
		if (!json_object_object_get_ex(value, shape->fields[i].key, &member))
			return -EPROTOTYPE;
		rc = dbus_typed_append(m, shape->fields[i].type, member, 0);
	}
	if (rc >= 0 && shape->rest)
		rc = append_rest(shape, m, value);
	return rc;
}
