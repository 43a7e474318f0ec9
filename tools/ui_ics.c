/* ui_ics.c - the node's events as an iCalendar feed (/events.ics, RFC 5545), written with libical,
 * the one file that includes it: one VEVENT per event held that is not deleted and not meant
 * for the Secretariat alone, so any calendar program can subscribe to the network's events. */
#include "tools/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

/* The member cities' names, read before the events are walked: the node cannot be read
 * again inside its own walk. */
struct owner_name {
	uint8_t key[UCCN_KEY_BYTES], city[UCCN_KEY_BYTES];
	char name[128];
};

struct ics_walk {
	struct uccn_ui_call *c;
	icalcomponent *cal;
	struct owner_name *names;
	size_t n, cap;
};

static void value_text(const struct uccn_value *v, char *out, size_t len) {
	out[0] = '\0';
	if (v != NULL && v->type == UCCN_VALUE_STR) {
		snprintf(out, len, "%.*s", (int)v->str_len, v->str);
	}
}

static bool parse_day(const char *s, struct icaltimetype *out) {
	int y, m, d;
	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3) {
		return false;
	}
	*out = icaltime_null_date();
	out->year = y;
	out->month = m;
	out->day = d;
	out->is_date = 1;
	return icaltime_is_valid_time(*out);
}

static int keep_member(void *userdata, const struct uccn_member *m) {
	struct ics_walk *w = userdata;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct owner_name *a = realloc(w->names, cap * sizeof(*a));
		if (a == NULL) {
			return UCCN_ENOMEM;
		}
		w->names = a;
		w->cap = cap;
	}
	struct owner_name *o = &w->names[w->n++];
	memcpy(o->key, m->key, UCCN_KEY_BYTES);
	memcpy(o->city, m->city, UCCN_KEY_BYTES);
	snprintf(o->name, sizeof(o->name), "%s", m->name != NULL ? m->name : "");
	return 0;
}

static const char *owner_name(const struct ics_walk *w, const uint8_t *key) {
	for (size_t i = 0; i < w->n; i++) {
		if (memcmp(w->names[i].key, key, UCCN_KEY_BYTES) == 0 ||
			memcmp(w->names[i].city, key, UCCN_KEY_BYTES) == 0) {
			return w->names[i].name;
		}
	}
	return NULL;
}

static int add_event(void *userdata, const struct uccn_record *r) {
	struct ics_walk *w = userdata;
	char buf[UCCN_STR_MAX + 1];
	value_text(uccn_record_field(r, "audience"), buf, sizeof(buf));
	if (strcmp(buf, UCCN_AUDIENCE_SECRETARIAT) == 0) {
		return 0;
	}
	struct icaltimetype start, end;
	value_text(uccn_record_field(r, "starts"), buf, sizeof(buf));
	if (!parse_day(buf, &start)) {
		return 0;
	}
	value_text(uccn_record_field(r, "ends"), buf, sizeof(buf));
	if (!parse_day(buf, &end)) {
		end = start;
	}
	/* DTEND of a whole-day event is the day after its last (RFC 5545 §3.6.1). */
	icaltime_adjust(&end, 1, 0, 0, 0);
	icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	char uid[UCCN_ID_MAX + 16];
	snprintf(uid, sizeof(uid), "%s@uccn", uccn_record_id(r));
	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	icalcomponent_add_property(ev, icalproperty_new_dtstart(start));
	icalcomponent_add_property(ev, icalproperty_new_dtend(end));
	time_t stamp = (time_t)((uccn_record_updated_hlc(r) >> 16) / 1000);
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
					       stamp, 0, icaltimezone_get_utc_timezone())));
	value_text(uccn_record_field(r, "title"), buf, sizeof(buf));
	icalcomponent_add_property(ev, icalproperty_new_summary(buf));
	value_text(uccn_record_field(r, "place"), buf, sizeof(buf));
	if (buf[0] != '\0') {
		icalcomponent_add_property(ev, icalproperty_new_location(buf));
	}
	value_text(uccn_record_field(r, "description"), buf, sizeof(buf));
	if (buf[0] != '\0') {
		icalcomponent_add_property(ev, icalproperty_new_description(buf));
	}
	value_text(uccn_record_field(r, "url"), buf, sizeof(buf));
	if (buf[0] != '\0') {
		icalcomponent_add_property(ev, icalproperty_new_url(buf));
	}
	const char *city = owner_name(w, uccn_record_owner(r));
	if (city != NULL && city[0] != '\0') {
		/* The organiser is the city; it has no address to write to, only a name. */
		icalproperty *org = icalproperty_new_organizer("urn:uccn:city");
		icalproperty_add_parameter(org, icalparameter_new_cn(city));
		icalcomponent_add_property(ev, org);
	}
	icalcomponent_add_component(w->cal, ev);
	return 0;
}

void uccn_ui_events_ics(struct uccn_ui_call *c) {
	struct ics_walk w = {.c = c};
	w.cal = icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
		icalproperty_new_prodid("-//UNESCO Creative Cities Network//uccn//EN"),
		icalproperty_new_calscale("GREGORIAN"), (void *)0);
	if (w.cal == NULL) {
		uccn_ui_error(c, 500, "internal", NULL, "out of memory");
		return;
	}
	int err = uccn_node_registry(uccn_ui_node(c->ui), keep_member, &w);
	if (err == UCCN_OK) {
		err = uccn_node_list(uccn_ui_node(c->ui), "event", false, add_event, &w);
	}
	free(w.names);
	if (err < 0) {
		icalcomponent_free(w.cal);
		uccn_ui_error(
			c, 500, "internal", NULL, "reading the events: %s", uccn_strerror(err));
		return;
	}
	char *text = icalcomponent_as_ical_string_r(w.cal);
	icalcomponent_free(w.cal);
	if (text == NULL) {
		uccn_ui_error(c, 500, "internal", NULL, "out of memory");
		return;
	}
	c->res->status = 200;
	uccn_ui_header(c, "Content-Type", "text/calendar; charset=utf-8");
	uccn_ui_header(c, "Cache-Control", "no-cache");
	if (uccn_bytes_append(&c->res->body, text, strlen(text)) < 0) {
		c->res->status = 500;
	}
	free(text);
}
