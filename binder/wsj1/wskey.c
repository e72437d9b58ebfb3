/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sec-WebSocket-Key and Sec-WebSocket-Accept, with nettle's SHA-1 and
 * base64 (nettle is already in the daemon's process through gnutls).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>

#include "wskey.h"

static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int wskey_valid(const char *key)
{
	struct base64_decode_ctx ctx;
	uint8_t raw[BASE64_DECODE_LENGTH(WSKEY_KEY_LEN)];
	size_t len = sizeof raw;

	if (!key || strlen(key) != WSKEY_KEY_LEN)
		return 0;
	base64_decode_init(&ctx);
	return base64_decode_update(&ctx, &len, raw, WSKEY_KEY_LEN, key)
	       && base64_decode_final(&ctx) && len == 16;
}

void wskey_accept(const char *key, char accept[WSKEY_ACCEPT_LEN + 1])
{
	struct sha1_ctx ctx;
	uint8_t digest[SHA1_DIGEST_SIZE];

	sha1_init(&ctx);
	sha1_update(&ctx, strlen(key), (const uint8_t *)key);
	sha1_update(&ctx, sizeof guid - 1, (const uint8_t *)guid);
	sha1_digest(&ctx, sizeof digest, digest);
	base64_encode_raw(accept, sizeof digest, digest);
	accept[WSKEY_ACCEPT_LEN] = 0;
}

int wskey_random(char key[WSKEY_KEY_LEN + 1])
{
	uint8_t raw[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof raw) {
		n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	base64_encode_raw(key, sizeof raw, raw);
	key[WSKEY_KEY_LEN] = 0;
	return 0;
}
