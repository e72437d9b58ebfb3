/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading bindings: shared objects of binding API v3, v2 or v1, told
 * apart by the symbols they export, probed in this order (as the 2021 AGL
 * binder): v3 (afbBindingV3 and/or afbBindingV3entry, with
 * afbBindingV3root), v2 (afbBindingV2 with afbBindingV2data), the 2018
 * "dynapi" (afbBindingVdyn, run as a v3 entry), v1
 * (afbBindingV1Register). A file exporting the symbols of several
 * versions is loaded as the first.
 *
 * Every error is logged on one line naming the file and the reason.
 */
#pragma once

struct apiset;

/* Loads the binding 'path' into 'set'. Returns 0 or -errno (logged). */
int api_so_load(struct apiset *set, const char *path);

/* Loads every "*.so" below the colon-separated directories 'dirs' (recursively). 0 or the first error. */
int api_so_load_dirs(struct apiset *set, const char *dirs);

/* Releases what the loaders keep for the daemon's life (end of main, after the apis are freed). */
void api_so_cleanup(void);
