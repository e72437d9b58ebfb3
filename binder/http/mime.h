/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MIME types of static files, by file name extension.
 */
#pragma once

/*
 * The type for 'path' (its last extension, case-insensitive), or
 * "application/octet-stream". Static string.
 */
const char *mime_type(const char *path);
