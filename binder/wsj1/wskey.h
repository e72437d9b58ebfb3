/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keys of the WebSocket opening handshake (RFC 6455 4.1, 4.2.2).
 * Shared by the server (binder/wsj1) and afb-client.
 */
#pragma once

#include <stddef.h>

/* base64 of 16 bytes: 24 characters */
#define WSKEY_KEY_LEN 24
/* base64 of a SHA-1 digest: 28 characters */
#define WSKEY_ACCEPT_LEN 28

/* 1 when 'key' (Sec-WebSocket-Key) is the base64 of exactly 16 bytes. */
int wskey_valid(const char *key);

/* Writes Sec-WebSocket-Accept of 'key' into 'accept' (NUL-terminated). */
void wskey_accept(const char *key, char accept[WSKEY_ACCEPT_LEN + 1]);

/* Writes a new random Sec-WebSocket-Key into 'key'. Returns 0 or -errno. */
int wskey_random(char key[WSKEY_KEY_LEN + 1]);
