/* fuzz_change.c - libFuzzer target: arbitrary bytes into uccn_codec_decode_change().
 * The input is copied into a buffer of exactly its size, so ASan catches a read even one byte
 * past the end. Besides "no crash, no leak", it checks the decoder's contract (proto/codec.h):
 * only UCCN_OK or UCCN_EPROTO come back, and on success every borrowed pointer lies inside the
 * input and the shape rules hold. Not UCCN_ENOMEM: a change is at most 64 KiB, so decoding one
 * never runs short of memory here, and msgpack-c reports an object nested past its stack as
 * out of memory, which the decoder must refuse as malformed instead. A broken rule aborts, which
 * libFuzzer reports like a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what) {
	fprintf(stderr, "fuzz_change: contract broken: %s\n", what);
	abort();
}

static void check_inside(
	const void *p, size_t len, const uint8_t *buf, size_t size, const char *what) {
	const uint8_t *b = p;
	if (len == 0) {
		return;
	}
	if (b == NULL || b < buf || len > size || (size_t)(b - buf) > size - len) {
		fail(what);
	}
}

static void check_value(
	const struct uccn_value *v, const struct uccn_change *c, const uint8_t *buf, size_t size) {
	switch (v->type) {
	case UCCN_VALUE_NIL:
	case UCCN_VALUE_INT:
		break;
	case UCCN_VALUE_STR:
		check_inside(v->str, v->str_len, buf, size, "string value outside the input");
		break;
	case UCCN_VALUE_LIST:
		if (v->count > UCCN_LIST_MAX) {
			fail("list longer than UCCN_LIST_MAX");
		}
		if (v->count > 0 &&
			(v->items < c->items || v->items + v->count > c->items + c->nitems)) {
			fail("list items outside the change's items array");
		}
		for (size_t i = 0; i < v->count; i++) {
			if (v->items[i].type == UCCN_VALUE_LIST) {
				fail("nested list");
			}
			check_value(&v->items[i], c, buf, size);
		}
		break;
	default:
		fail("unknown value type");
	}
}

static void check_change(const struct uccn_change *c, const uint8_t *buf, size_t size) {
	if (c->raw != buf || c->raw_len != size) {
		fail("raw is not the whole input");
	}
	check_inside(c->body, c->body_len, buf, size, "body outside the input");
	check_inside(c->sig, UCCN_SIG_BYTES, buf, size, "signature outside the input");
	if (c->seq < 1 || (c->has_prev && c->seq == 1)) { /* only a later change names a prev */
		fail("seq and prev disagree");
	}
	if (memchr(c->kind, '\0', sizeof(c->kind)) == NULL ||
		memchr(c->id, '\0', sizeof(c->id)) == NULL) {
		fail("kind or id not NUL-terminated");
	}
	if (c->op != UCCN_OP_PUT && c->op != UCCN_OP_DELETE) {
		fail("unknown op");
	}
	if (c->nfields > UCCN_FIELDS_MAX || c->nitems > UCCN_ITEMS_MAX) {
		fail("too many fields or items");
	}
	for (size_t i = 0; i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		if (f->name_len > UCCN_NAME_MAX) {
			fail("field name longer than UCCN_NAME_MAX");
		}
		check_inside(f->name, f->name_len, buf, size, "field name outside the input");
		for (size_t j = 0; j < i; j++) {
			if (c->fields[j].name_len == f->name_len &&
				memcmp(c->fields[j].name, f->name, f->name_len) == 0) {
				fail("duplicate field name");
			}
		}
		check_value(&f->value, c, buf, size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	/* Large (about 16 KiB with its items), so not on the stack; static is fine, libFuzzer
	 * runs one input at a time. */
	static struct uccn_change change;
	char why[160];

	uint8_t *buf = malloc(size);
	if (buf == NULL && size > 0) {
		return 0;
	}
	if (size > 0) {
		memcpy(buf, data, size);
	}
	memset(&change, 0, sizeof(change));
	memset(why, 'x', sizeof(why));
	int err = uccn_codec_decode_change(buf, size, &change, why, sizeof(why));
	if (err == UCCN_OK) {
		check_change(&change, buf, size);
	} else if (err == UCCN_EPROTO) {
		if (memchr(why, '\0', sizeof(why)) == NULL) {
			fail("why not NUL-terminated after UCCN_EPROTO");
		}
	} else {
		fail("an error other than UCCN_EPROTO (UCCN_ENOMEM: a deep object taken for a lack "
		     "of memory?)");
	}
	free(buf);
	return 0;
}
