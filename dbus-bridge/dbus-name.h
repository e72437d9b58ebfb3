/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names on the bus: the one escaping rule of the D-Bus bridge.
 *
 * Rule (the label rule of sd_bus_path_encode): every byte that is not an
 * ASCII letter, or a digit that is not the first byte, becomes '_'
 * followed by its two lower-case hex digits; the empty string becomes "_".
 * The result is a valid object path element, interface/bus name element,
 * member name and error name element. It is invertible: dbus_name_unescape
 * gives back the original bytes, and refuses text that the rule cannot
 * produce.
 *
 *   api "hello"          bus name and per-api interface org.afb.api.hello
 *                        typed per-api interface org.afb.typed.hello
 *                        object /org/afb/api/hello
 *   api "my-api"         org.afb.api.my_2dapi, /org/afb/api/my_2dapi
 *   verb "ping"          member ping
 *   verb "get_x"         member get_5fx
 *   status "failed"      error org.afb.Error.failed
 *   status "bad-api-state" error org.afb.Error.bad_2dapi_2dstate
 *
 * Every function returns a new string (free it) or NULL: -ENOMEM, or a
 * name that would exceed the 255 bytes D-Bus allows (see each function).
 */
#pragma once

#define DBUS_NAME_API_PREFIX	"org.afb.api."		/* bus names and per-api interfaces */
#define DBUS_NAME_PATH_PREFIX	"/org/afb/api"		/* objects: DBUS_NAME_PATH_PREFIX/<label> */
#define DBUS_NAME_ROOT_PATH	"/org/afb"		/* the ObjectManager */
#define DBUS_NAME_ERROR_PREFIX	"org.afb.Error."	/* failures */
#define DBUS_NAME_API_ITF	"org.afb.Api1"		/* the static interface of every api */
#define DBUS_NAME_LINK_ITF	"org.afb.Link1"		/* binder-to-binder extension */
#define DBUS_NAME_TYPED_ITF	"org.afb.Typed1"	/* the static typed interface of every api */
#define DBUS_NAME_TYPED_PREFIX	"org.afb.typed."	/* typed per-api interfaces */
#define DBUS_NAME_MAX		255

/* The label of 's' (any bytes but NUL). */
char *dbus_name_escape(const char *s);

/* The bytes of 'label', or NULL when 'label' is not produced by the rule. */
char *dbus_name_unescape(const char *label);

/* "org.afb.api.<label>": the bus name and per-api interface of 'api'; NULL if too long. */
char *dbus_name_of_api(const char *api);

/* "org.afb.typed.<label>": the typed per-api interface of 'api'; NULL if too long. */
char *dbus_name_typed_of_api(const char *api);

/* "/org/afb/api/<label>" (no length limit on paths). */
char *dbus_name_path_of_api(const char *api);

/* The api of an object path, or NULL when it is not DBUS_NAME_PATH_PREFIX/<label>. */
char *dbus_name_api_of_path(const char *path);

/* A member name for 'verb', or NULL when its label exceeds 255 bytes. */
char *dbus_name_member_of_verb(const char *verb);

/*
 * "org.afb.Error.<label>" for 'status'. Never NULL but on -ENOMEM: a status
 * whose label would exceed the limit is cut (at a whole escape) so that
 * the name fits: the only case where the rule loses bytes.
 */
char *dbus_name_error_of_status(const char *status);

/* The status of an org.afb.Error.* name, or NULL for any other name. */
char *dbus_name_status_of_error(const char *error);
