/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bindings of API version 3 (and the 2018 "dynapi" ones).
 */
#pragma once

struct apiset;
struct subloop;

/*
 * Loads the v3 binding 'path' opened as 'handle' into 'set'. Returns 0
 * when it is not one, 1 when loaded, or -errno after logging the file
 * and the reason.
 */
int api_so_v3_load(struct apiset *set, const char *path, void *handle);

/*
 * The event loop of the binding 'path' (made on the main thread before
 * serving, freed at the end), shared by all the apis the binding makes;
 * NULL when it cannot be made (the apis then get the daemon's loop).
 */
struct subloop *api_so_binding_loop(const char *path);

/* Frees the bindings' loops (end of main). */
void api_so_v3_cleanup(void);
