/* fuzz_sync.c - libFuzzer target: what a peer could send the replication engine once a session
 * is established. The input is a series of payloads, each a 2-byte little-endian length then
 * that many bytes, fed in order to a fresh engine over an in-memory store, with a flush after
 * each (so the engine applies, acknowledges and answers). Besides "no crash, no leak", the
 * engine's contract holds: only UCCN_OK, UCCN_EPROTO or UCCN_ENOMEM come back, and after an
 * error nothing more is fed, as the event loop ends the session. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/changelog.h"
#include "node/store.h"
#include "node/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what) {
	fprintf(stderr, "fuzz_sync: contract broken: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static const uint8_t network[UCCN_KEY_BYTES] = {0};
	struct uccn_store *st = NULL;
	struct uccn_changelog *log = NULL;
	struct uccn_sync *s = NULL;
	if (uccn_store_open(":memory:", true, &st) < 0 ||
		uccn_changelog_create(st, network, &log) < 0) {
		fail("cannot make a store");
	}
	struct uccn_sync_config cfg = {
		.st = st, .log = log, .batch_changes = 4, .window = 2, .peer_secretariat = true};
	if (uccn_sync_create(&cfg, &s) < 0) {
		fail("cannot make an engine");
	}
	struct uccn_bytes out = {0};
	size_t at = 0;
	while (at + 2 <= size) {
		size_t len = (size_t)data[at] | (size_t)data[at + 1] << 8;
		at += 2;
		if (len > size - at) {
			len = size - at;
		}
		/* An exact-size copy, so a read past the payload is caught. */
		uint8_t *payload = malloc(len ? len : 1);
		if (payload == NULL) {
			break;
		}
		memcpy(payload, data + at, len);
		at += len;
		int err = uccn_sync_on_payload(s, payload, len, 1);
		if (err == UCCN_OK) {
			err = uccn_sync_flush(s, 1);
		}
		free(payload);
		if (err != UCCN_OK && err != UCCN_EPROTO && err != UCCN_ENOMEM) {
			fail("an error code the engine does not promise");
		}
		while (uccn_sync_pop_payload(s, &out)) {
		}
		if (err != UCCN_OK) {
			break;
		}
	}
	uccn_bytes_finish(&out);
	uccn_sync_destroy(s);
	uccn_changelog_destroy(log);
	uccn_store_close(st);
	return 0;
}
