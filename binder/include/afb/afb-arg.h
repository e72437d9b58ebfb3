/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An argument of a request, returned by value by the 'get' slot of the
 * request tables of every version (24 bytes).
 */
#pragma once

struct afb_arg {
	const char *name;	/* the name asked, or NULL when the argument is absent */
	const char *value;	/* its value as a string; for an upload, the client's file name */
	const char *path;	/* an upload: the local file, removed when the request ends; else NULL */
};
