// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "core/common.h"
#include "core/http.h"

struct http_conn {
	int fd;		/* -1: a free slot */
	double deadline;
	char req[HTTP_MAX_REQUEST + 1];
	size_t req_len;
	char *resp; /* once the request is read: what is left to send */
	size_t resp_len, resp_off;
};

struct http_server {
	int fd;
	const char *path;
	http_handler fn;
	void *ctx;
	struct http_conn conns[HTTP_MAX_CONNS];
	struct http_stats stats;
};

const char *http_error_name(enum http_error e)
{
	static const char *const names[HTTP_ERR_NR] = {
		"not_found", "method_not_allowed", "bad_request", "request_too_large",
		"timeout", "connections_full", "handler_failed",
	};

	return e < HTTP_ERR_NR ? names[e] : "unknown";
}

/* "HOST:PORT", "[HOST]:PORT" or ":PORT" into host (empty: any) and a port number. */
static int split_addr(const char *addr, char *host, size_t len, char *port, const char **why)
{
	const char *colon = strrchr(addr, ':'), *h = addr;
	size_t hlen;
	uint64_t v;

	if (!colon) {
		*why = "no ':PORT'";
		return -EINVAL;
	}
	hlen = colon - addr;
	if (*addr == '[') {
		if (hlen < 2 || addr[hlen - 1] != ']') {
			*why = "an IPv6 address goes in brackets: [::1]:PORT";
			return -EINVAL;
		}
		h++;
		hlen -= 2;
	}
	if (hlen >= len) {
		*why = "the host is too long";
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (parse_u64(colon + 1, 1, 65535, &v)) {
		*why = "the port is not a number from 1 to 65535";
		return -EINVAL;
	}
	snprintf(port, 8, "%u", (unsigned int)v);
	return 0;
}

struct http_server *http_server_open(const char *addr, const char *path, http_handler fn,
				     void *ctx, const char **why)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	struct http_server *s;
	char host[256], port[8];
	int err, one = 1, i;

	*why = NULL;
	err = split_addr(addr, host, sizeof(host), port, why);
	if (!err && getaddrinfo(*host ? host : NULL, port, &hints, &res)) {
		*why = "the host is not an address or a name that resolves";
		err = -EINVAL;
	}
	if (err) {
		errno = -err;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		freeaddrinfo(res);
		errno = ENOMEM;
		return NULL;
	}
	s->fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, res->ai_addr, res->ai_addrlen) || listen(s->fd, HTTP_MAX_CONNS)) {
		err = errno;
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		freeaddrinfo(res);
		errno = err;
		return NULL;
	}
	freeaddrinfo(res);
	s->path = path;
	s->fn = fn;
	s->ctx = ctx;
	for (i = 0; i < HTTP_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	return s;
}

static void conn_close(struct http_conn *c)
{
	close(c->fd);
	free(c->resp);
	c->fd = -1;
	c->resp = NULL;
	c->req_len = c->resp_len = c->resp_off = 0;
}

static void conn_respond(struct http_conn *c, int status, const char *reason, const char *type,
			 const char *body, size_t len, bool head)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f) {
		conn_close(c);
		return;
	}
	fprintf(f, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		   "Connection: close\r\n\r\n", status, reason, type, len);
	if (!head && len)
		fwrite(body, 1, len, f);
	if (fclose(f)) {
		free(buf);
		conn_close(c);
		return;
	}
	c->resp = buf;
	c->resp_len = n;
	c->resp_off = 0;
}

static void conn_error(struct http_server *s, struct http_conn *c, enum http_error e)
{
	static const struct {
		int status;
		const char *reason;
	} codes[] = {
		[HTTP_ERR_NOT_FOUND] = { 404, "Not Found" },
		[HTTP_ERR_METHOD] = { 405, "Method Not Allowed" },
		[HTTP_ERR_BAD_REQUEST] = { 400, "Bad Request" },
		[HTTP_ERR_TOO_LARGE] = { 431, "Request Header Fields Too Large" },
		[HTTP_ERR_HANDLER] = { 500, "Internal Server Error" },
	};
	char body[128];

	s->stats.errors[e]++;
	snprintf(body, sizeof(body), "%d %s\n", codes[e].status, codes[e].reason);
	conn_respond(c, codes[e].status, codes[e].reason, "text/plain; charset=utf-8", body,
		     strlen(body), false);
}

/* The value of header name in the request's headers, or "". */
static void header_value(const char *headers, const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);
	const char *p;

	*buf = '\0';
	for (p = strchr(headers, '\n'); p; p = strchr(p, '\n')) {
		p++;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1, *end;

			v += strspn(v, " \t");
			end = v + strcspn(v, "\r\n");
			snprintf(buf, len, "%.*s", (int)(end - v), v);
			return;
		}
	}
}

/* A whole request head is in c->req: answer it. */
static void conn_request(struct http_server *s, struct http_conn *c)
{
	char method[8], target[1024], version[16], accept[512];
	const char *type = "text/plain";
	char *body = NULL;
	size_t len = 0, plen;
	bool head;

	if (sscanf(c->req, "%7s %1023s %15[^\r\n]", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) || (version[7] != '0' && version[7] != '1') ||
	    version[8] || *target != '/') {
		conn_error(s, c, HTTP_ERR_BAD_REQUEST);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		conn_error(s, c, HTTP_ERR_METHOD);
		return;
	}
	plen = strcspn(target, "?");
	if (plen != strlen(s->path) || strncmp(target, s->path, plen)) {
		conn_error(s, c, HTTP_ERR_NOT_FOUND);
		return;
	}
	header_value(c->req, "Accept", accept, sizeof(accept));
	if (s->fn(s->ctx, accept, &body, &len, &type)) {
		free(body);
		conn_error(s, c, HTTP_ERR_HANDLER);
		return;
	}
	s->stats.served++;
	conn_respond(c, 200, "OK", type, body, len, head);
	free(body);
}

static void conn_read(struct http_server *s, struct http_conn *c)
{
	ssize_t n = recv(c->fd, c->req + c->req_len, HTTP_MAX_REQUEST - c->req_len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* gone before it asked */
		conn_close(c);
		return;
	}
	c->req_len += n;
	c->req[c->req_len] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		conn_request(s, c);
	else if (c->req_len == HTTP_MAX_REQUEST)
		conn_error(s, c, HTTP_ERR_TOO_LARGE);
}

static void conn_write(struct http_conn *c)
{
	ssize_t n = send(c->fd, c->resp + c->resp_off, c->resp_len - c->resp_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->resp_off += n;
	if (c->resp_off == c->resp_len) {
		shutdown(c->fd, SHUT_WR);
		conn_close(c);
	}
}

static void accept_all(struct http_server *s)
{
	int fd, i;

	while ((fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < HTTP_MAX_CONNS && s->conns[i].fd >= 0; i++)
			;
		if (i == HTTP_MAX_CONNS) {
			s->stats.errors[HTTP_ERR_CONNS_FULL]++;
			close(fd);
			continue;
		}
		s->conns[i].fd = fd;
		s->conns[i].deadline = km_now() + HTTP_DEADLINE;
	}
}

int http_server_poll_fds(struct http_server *s, struct pollfd *pfd, int max)
{
	int i, n = 0;

	if (max < 1)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	for (i = 0; i < HTTP_MAX_CONNS && n < max; i++)
		pfd[n++] = (struct pollfd){ .fd = s->conns[i].fd,
					    .events = s->conns[i].resp ? POLLOUT : POLLIN };
	return n;
}

int http_server_on_fds(struct http_server *s, const struct pollfd *pfd, int n)
{
	double now = km_now();
	int i;

	for (i = 1; i < n; i++) {
		struct http_conn *c = &s->conns[i - 1];
		short ev = pfd[i].revents;

		if (c->fd < 0 || pfd[i].fd != c->fd)
			continue;
		if (ev & (POLLERR | POLLNVAL)) {
			conn_close(c);
			continue;
		}
		if (!c->resp && (ev & (POLLIN | POLLHUP)))
			conn_read(s, c);
		if (c->fd >= 0 && c->resp) /* at once: a small response fits */
			conn_write(c);
	}
	for (i = 0; i < HTTP_MAX_CONNS; i++)
		if (s->conns[i].fd >= 0 && now >= s->conns[i].deadline) {
			s->stats.errors[HTTP_ERR_TIMEOUT]++;
			conn_close(&s->conns[i]);
		}
	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_all(s);
	return 0;
}

const struct http_stats *http_server_stats(const struct http_server *s)
{
	return &s->stats;
}

void http_server_close(struct http_server *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < HTTP_MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	close(s->fd);
	free(s);
}
