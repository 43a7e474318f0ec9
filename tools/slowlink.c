/* slowlink.c - uccn-slowlink: a TCP proxy that behaves like a slow link (a satellite or mobile
 * connection), for measuring sessions as the cities that have one would see them. This machine
 * has no netem, so the link is made in userspace: every byte one side writes waits for its turn
 * on a link of the given bandwidth, then for half the round trip, and a share of the writes is
 * delayed as a lost and retransmitted TCP segment would be (the bytes behind it wait too: TCP
 * delivers in order). It counts the bytes each way and the turns (a write in one direction
 * after bytes went the other way), and writes the totals to a file after each connection.
 *
 *   uccn-slowlink --listen 127.0.0.1:PORT --to 127.0.0.1:PORT [--kbit N] [--rtt MS]
 *                 [--loss PERCENT] [--seed N] [--stats FILE]
 *
 * PORT 0 for --listen: the kernel picks one, printed as "listening on 127.0.0.1:PORT". --kbit 0
 * (the default) is no bandwidth limit, --rtt 0 no delay. It runs until SIGINT or SIGTERM. It is a
 * tool for benchmarks on loopback, not a general proxy: IPv4 addresses only, one process. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
/* What one read takes: about one TCP segment, so that a delayed "segment" is a realistic size. */
#define SEGMENT 1448
/* Bytes in flight in one direction beyond which the proxy stops reading that side: a TCP
 * window. Without it the proxy would buffer all a fast sender writes and the sender would see no
 * back-pressure. */
#define WINDOW (64 * 1024)
/* The retransmission of a lost segment arrives this long after it would have: Linux's minimum
 * retransmission timeout (200 ms) plus one more round trip. */
#define RTO_MS 200

struct segment {
	struct segment *next;
	uint64_t due_us; /* when its bytes reach the other side */
	size_t len, off;
	uint8_t data[SEGMENT];
};

/* One direction of a connection: bytes read from `from`, written to `to` when due. */
struct pipe {
	int from, to;
	struct segment *head, *tail;
	size_t queued;
	uint64_t link_free_us; /* when the link has sent everything queued before */
	uint64_t last_due_us;  /* TCP order: no segment arrives before the one ahead of it */
	bool eof;              /* `from` closed: shut `to` for writing once the queue is empty */
	uint64_t bytes;
};

struct conn {
	bool used;
	struct pipe up, down; /* up: client to server */
	int last_dir;         /* 1 up, 2 down, 0 nothing yet */
	uint64_t turns;
};

static struct {
	uint64_t bits_per_s; /* 0: no limit */
	uint64_t rtt_us;
	double loss;
	uint64_t rng;
	const char *stats;
	uint64_t conns, bytes_up, bytes_down, turns, delayed;
} sim;

static struct conn conns[MAX_CONNS];
static volatile sig_atomic_t stop;

static void on_signal(int sig) {
	(void)sig;
	stop = 1;
}

static uint64_t now_us(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* xorshift64*: the losses of one seed are the same in every run. */
static double next_uniform(void) {
	sim.rng ^= sim.rng >> 12;
	sim.rng ^= sim.rng << 25;
	sim.rng ^= sim.rng >> 27;
	return (double)((sim.rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static bool parse_addr(const char *s, struct sockaddr_in *out) {
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host)) {
		return false;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	return *end == '\0' && port >= 0 && port <= 65535 &&
	       inet_pton(AF_INET, host, &out->sin_addr) == 1;
}

static void write_stats(void) {
	if (sim.stats == NULL) {
		return;
	}
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", sim.stats);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		return;
	}
	fprintf(f,
		"connections %" PRIu64 "\nbytes_up %" PRIu64 "\nbytes_down %" PRIu64
		"\nturns %" PRIu64 "\ndelayed %" PRIu64 "\n",
		sim.conns, sim.bytes_up, sim.bytes_down, sim.turns, sim.delayed);
	/* Renamed into place, so a reader never sees half a file. */
	if (fclose(f) == 0) {
		rename(tmp, sim.stats);
	}
}

static void pipe_free(struct pipe *p) {
	while (p->head != NULL) {
		struct segment *s = p->head;
		p->head = s->next;
		free(s);
	}
	p->tail = NULL;
	p->queued = 0;
}

static void conn_close(struct conn *c) {
	close(c->up.from);
	close(c->down.from);
	pipe_free(&c->up);
	pipe_free(&c->down);
	sim.bytes_up += c->up.bytes;
	sim.bytes_down += c->down.bytes;
	sim.turns += c->turns;
	memset(c, 0, sizeof(*c));
	write_stats();
}

/* Reads one segment from p->from and schedules it. Returns false when the connection is over. */
static bool pipe_read(struct conn *c, struct pipe *p, int dir) {
	struct segment *s = malloc(sizeof(*s));
	if (s == NULL) {
		return false;
	}
	ssize_t got = read(p->from, s->data, sizeof(s->data));
	if (got <= 0) {
		free(s);
		if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
			return true;
		}
		p->eof = true;
		return true;
	}
	uint64_t now = now_us();
	uint64_t send_us = sim.bits_per_s == 0
				   ? 0
				   : (uint64_t)got * 8 * 1000000 / sim.bits_per_s;
	uint64_t start = p->link_free_us > now ? p->link_free_us : now;
	p->link_free_us = start + send_us;
	uint64_t due = p->link_free_us + sim.rtt_us / 2;
	if (sim.loss > 0 && next_uniform() < sim.loss) {
		due += RTO_MS * 1000 + sim.rtt_us;
		sim.delayed++;
	}
	if (due < p->last_due_us) {
		due = p->last_due_us;
	}
	p->last_due_us = due;
	s->due_us = due;
	s->len = (size_t)got;
	s->off = 0;
	s->next = NULL;
	if (p->tail != NULL) {
		p->tail->next = s;
	} else {
		p->head = s;
	}
	p->tail = s;
	p->queued += (size_t)got;
	p->bytes += (uint64_t)got;
	if (c->last_dir != dir) {
		if (c->last_dir != 0) {
			c->turns++;
		}
		c->last_dir = dir;
	}
	return true;
}

/* Writes what is due. Returns false when the connection is over (a write failed, or both ends
 * closed and everything was delivered). */
static bool pipe_flush(struct pipe *p, uint64_t now) {
	while (p->head != NULL && p->head->due_us <= now) {
		struct segment *s = p->head;
		ssize_t put = write(p->to, s->data + s->off, s->len - s->off);
		if (put < 0) {
			return errno == EAGAIN || errno == EINTR;
		}
		s->off += (size_t)put;
		p->queued -= (size_t)put;
		if (s->off < s->len) {
			return true; /* the kernel's buffer is full: later */
		}
		p->head = s->next;
		if (p->head == NULL) {
			p->tail = NULL;
		}
		free(s);
	}
	if (p->eof && p->head == NULL) {
		shutdown(p->to, SHUT_WR);
	}
	return true;
}

static void accept_one(int listener, const struct sockaddr_in *to) {
	int client = accept(listener, NULL, NULL);
	if (client < 0) {
		return;
	}
	struct conn *c = NULL;
	for (size_t i = 0; i < MAX_CONNS && c == NULL; i++) {
		if (!conns[i].used) {
			c = &conns[i];
		}
	}
	int server = socket(AF_INET, SOCK_STREAM, 0);
	if (c == NULL || server < 0 ||
		connect(server, (const struct sockaddr *)to, sizeof(*to)) < 0) {
		fprintf(stderr, "uccn-slowlink: %s\n",
			c == NULL ? "too many connections" : strerror(errno));
		close(client);
		if (server >= 0) {
			close(server);
		}
		return;
	}
	/* The link adds the delays; Nagle's would add its own. */
	int one = 1;
	setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*c = (struct conn){.used = true,
		.up = {.from = client, .to = server},
		.down = {.from = server, .to = client}};
	sim.conns++;
}

static int usage(int status) {
	fprintf(status == 0 ? stdout : stderr,
		"usage: uccn-slowlink --listen HOST:PORT --to HOST:PORT [--kbit N] [--rtt MS]\n"
		"                     [--loss PERCENT] [--seed N] [--stats FILE]\n");
	return status;
}

int main(int argc, char **argv) {
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
		{"to", required_argument, NULL, 't'}, {"kbit", required_argument, NULL, 'k'},
		{"rtt", required_argument, NULL, 'r'}, {"loss", required_argument, NULL, 'p'},
		{"seed", required_argument, NULL, 's'}, {"stats", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct sockaddr_in listen_addr, to_addr;
	bool have_listen = false, have_to = false;
	sim.rng = 0x9e3779b97f4a7c15ULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			have_listen = parse_addr(optarg, &listen_addr);
			break;
		case 't':
			have_to = parse_addr(optarg, &to_addr);
			break;
		case 'k':
			sim.bits_per_s = strtoull(optarg, NULL, 10) * 1000;
			break;
		case 'r':
			sim.rtt_us = strtoull(optarg, NULL, 10) * 1000;
			break;
		case 'p':
			sim.loss = strtod(optarg, NULL) / 100.0;
			break;
		case 's':
			sim.rng = strtoull(optarg, NULL, 10) * 2 + 1;
			break;
		case 'o':
			sim.stats = optarg;
			break;
		case 'h':
			return usage(0);
		default:
			return usage(2);
		}
	}
	if (!have_listen || !have_to || sim.loss < 0 || sim.loss > 1) {
		fprintf(stderr, "uccn-slowlink: --listen and --to need IPv4 HOST:PORT; --loss is "
				"0 to 100\n");
		return usage(2);
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	int listener = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	socklen_t alen = sizeof(listen_addr);
	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		bind(listener, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) < 0 ||
		listen(listener, 16) < 0 ||
		getsockname(listener, (struct sockaddr *)&listen_addr, &alen) < 0) {
		fprintf(stderr, "uccn-slowlink: listening: %s\n", strerror(errno));
		return 1;
	}
	char host[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &listen_addr.sin_addr, host, sizeof(host));
	printf("listening on %s:%u\n", host, ntohs(listen_addr.sin_port));
	fflush(stdout);
	write_stats();

	while (!stop) {
		struct pollfd fds[1 + 2 * MAX_CONNS];
		struct conn *owner[1 + 2 * MAX_CONNS];
		nfds_t n = 0;
		fds[n++] = (struct pollfd){listener, POLLIN, 0};
		uint64_t now = now_us(), wake = UINT64_MAX;
		for (size_t i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			if (!c->used) {
				continue;
			}
			struct pipe *ps[2] = {&c->up, &c->down};
			for (int d = 0; d < 2; d++) {
				struct pipe *p = ps[d];
				short ev = 0;
				if (!p->eof && p->queued < WINDOW) {
					ev |= POLLIN;
				}
				if (p->head != NULL) {
					if (p->head->due_us <= now) {
						ev |= POLLOUT;
					} else if (p->head->due_us < wake) {
						wake = p->head->due_us;
					}
				}
				/* A socket polled for nothing would still wake the loop with
				 * POLLHUP once closed: only what is wanted is polled. POLLOUT
				 * concerns the other socket, on an entry of its own. */
				if (ev & POLLIN) {
					owner[n] = c;
					fds[n++] = (struct pollfd){p->from, POLLIN, 0};
				}
				if (ev & POLLOUT) {
					owner[n] = c;
					fds[n++] = (struct pollfd){p->to, POLLOUT, 0};
				}
			}
		}
		int timeout = wake == UINT64_MAX ? 100 : (int)((wake - now + 999) / 1000);
		if (timeout > 100) {
			timeout = 100;
		}
		if (poll(fds, n, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "uccn-slowlink: poll: %s\n", strerror(errno));
			break;
		}
		if (fds[0].revents & POLLIN) {
			accept_one(listener, &to_addr);
		}
		/* Reads first, then every pipe writes what is due, whatever poll said: a due
		 * segment may have become due during the poll. */
		for (nfds_t i = 1; i < n; i++) {
			struct conn *c = owner[i];
			if (!c->used || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				continue;
			}
			if (!(fds[i].events & POLLIN)) {
				continue;
			}
			if (fds[i].fd == c->up.from && !c->up.eof) {
				pipe_read(c, &c->up, 1);
			} else if (fds[i].fd == c->down.from && !c->down.eof) {
				pipe_read(c, &c->down, 2);
			}
		}
		now = now_us();
		for (size_t i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			if (!c->used) {
				continue;
			}
			bool ok = pipe_flush(&c->up, now) && pipe_flush(&c->down, now);
			bool done = c->up.eof && c->down.eof && c->up.head == NULL &&
				    c->down.head == NULL;
			if (!ok || done) {
				conn_close(c);
			}
		}
	}
	for (size_t i = 0; i < MAX_CONNS; i++) {
		if (conns[i].used) {
			conn_close(&conns[i]);
		}
	}
	close(listener);
	write_stats();
	return 0;
}
