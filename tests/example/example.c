/* example.c - a program written against the installed libuccn alone (<uccn/uccn.h>, found
 * through pkg-config), as someone outside the project would write one: it makes a node in a
 * folder, writes a best practice, reads it back and prints it. tests/installed.sh builds it
 * against a staged `meson install` and runs it. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <uccn/uccn.h>

static uint64_t wall_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int print_record(void *userdata, const struct uccn_record *r) {
	(void)userdata;
	const struct uccn_value *title = uccn_record_field(r, "title");
	if (title == NULL || title->type != UCCN_VALUE_STR) {
		return UCCN_ECORRUPT;
	}
	printf("%s %s: %.*s\n", uccn_record_kind(r), uccn_record_id(r), (int)title->str_len,
		title->str);
	return 0;
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: %s HOME (a folder that does not hold a node yet)\n", argv[0]);
		return 2;
	}
	const struct uccn_node_init_options opt = {
		.name = "Adelaide", .country = "AU", .field = "music"};
	struct uccn_node *node = NULL;
	int err = uccn_node_init(argv[1], &opt, wall_ms(), &node);
	if (err < 0) {
		fprintf(stderr, "example: init: %s\n", uccn_strerror(err));
		return 1;
	}
	const struct uccn_field fields[] = {
		{.name = "title",
			.name_len = 5,
			.value = {.type = UCCN_VALUE_STR, .str = "Music in schools", .str_len = 16}},
	};
	char id[UCCN_ID_MAX + 1];
	err = uccn_node_put(node, "best_practice", NULL, fields, 1, wall_ms(), id);
	if (err == UCCN_OK) {
		err = uccn_node_get(node, "best_practice", id, print_record, NULL);
	}
	if (err < 0) {
		/* The node keeps the last failure's reason, as sqlite3_errmsg does. */
		fprintf(stderr, "example: %s %s\n", uccn_strerror(err), uccn_node_errmsg(node));
	}
	uccn_node_close(node);
	return err < 0 ? 1 : 0;
}
