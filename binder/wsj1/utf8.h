/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 validation of WebSocket text messages (RFC 6455 5.6, RFC 3629):
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
#pragma once

#include <stddef.h>

/* 1 when 'len' bytes of 'text' are valid UTF-8, else 0. */
int utf8_valid(const void *text, size_t len);
