/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in api "monitor", compatible with the 2017 binder's: verbs
 * get (verbosities, api descriptions), set (verbosities) and trace
 * (hooks whose records come back as events monitor/<name>). Contract in
 * docs/web.md ("The monitor api").
 */
#pragma once

struct apiset;
struct json_object;

/* Adds the api "monitor" to 'set'. Returns 0 or -errno. */
int monitor_add(struct apiset *set);

/*
 * Verbosity names of the monitor api (2017): "error", "warning",
 * "notice", "info", "debug", to and from the levels of verbose.h
 * (notice is warning's level there). monitor_level_of_json returns 0 and
 * sets *level, or -1 when 'value' is not a level (ignored by set).
 */
int monitor_level_of_json(struct json_object *value, int *level);
struct json_object *monitor_level_to_json(int level);
