/* merge.h - materialising records from changes: field-level last-writer-wins ordered by
 * (HLC, author), deletes as tombstones. Pure functions on decoded structs: the result depends only
 * on the set of changes applied, never on their order, which is what lets replicas converge. */
#ifndef NODE_MERGE_H
#define NODE_MERGE_H

#include <stdbool.h>

#include <uccn/change.h>

#include "proto/codec.h"

/* An empty state (no change applied yet). */
void uccn_merge_init(struct uccn_state *s);

/* Folds change c into s. Values that win are copied as borrowed views of c's strings, so c's
 * bytes must outlive s (or s be encoded first). Applying the same change twice is a no-op.
 * Returns UCCN_OK or UCCN_ESCHEMA when the record would exceed UCCN_FIELDS_MAX/UCCN_ITEMS_MAX. */
UCCN_NODISCARD int uccn_merge_apply(struct uccn_state *s, const struct uccn_change *c);

/* Whether the record is deleted: a tombstone newer than every field write. */
bool uccn_merge_is_deleted(const struct uccn_state *s);

/* Fills r's visible fields (written after the tombstone, not NIL) and dates from s; the caller
 * fills kind, owner and id. r borrows s's strings. */
void uccn_merge_view(const struct uccn_state *s, struct uccn_record *r);

/* Orders two clocks: negative, 0 or positive as (hlc_a, author_a) is below, equal to or above
 * (hlc_b, author_b). */
int uccn_merge_clock_cmp(
	uint64_t hlc_a, const uint8_t *author_a, uint64_t hlc_b, const uint8_t *author_b);

#endif
