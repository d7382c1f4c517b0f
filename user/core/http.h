/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small, strict HTTP/1.1 server for `kmscope exporter`, run inside the session loop
 * (core/session.h poll_fds / on_fds): non-blocking, one request per connection, GET and
 * HEAD only, bounded request size, a deadline per connection and a cap on connections,
 * so that a slow or stuck client costs a slot, never the tracer's time.
 */
#ifndef KMSCOPE_HTTP_H
#define KMSCOPE_HTTP_H

#include <stddef.h>
#include <linux/types.h>

struct pollfd;

#define HTTP_MAX_REQUEST 8192 /* request line and headers */
#define HTTP_MAX_CONNS	 16
#define HTTP_DEADLINE	 10.0 /* seconds from accept to the last byte of the response */

/* What was refused or went wrong, counted (the exporter shows them as metrics). */
enum http_error {
	HTTP_ERR_NOT_FOUND,	/* 404: a path other than the handler's */
	HTTP_ERR_METHOD,	/* 405: not GET or HEAD */
	HTTP_ERR_BAD_REQUEST,	/* 400: not an HTTP/1.x request line */
	HTTP_ERR_TOO_LARGE,	/* 431: no end of headers in HTTP_MAX_REQUEST bytes */
	HTTP_ERR_TIMEOUT,	/* closed at its deadline */
	HTTP_ERR_CONNS_FULL,	/* closed at once: HTTP_MAX_CONNS were open */
	HTTP_ERR_HANDLER,	/* 500: the handler failed */
	HTTP_ERR_NR,
};

struct http_stats {
	__u64 served; /* 200 responses */
	__u64 errors[HTTP_ERR_NR];
};

/*
 * Makes the body of path (the one path served, e.g. "/metrics") in a malloc()ed
 * buffer; accept is the request's Accept header ("" without). 0 or -errno.
 */
typedef int (*http_handler)(void *ctx, const char *accept, char **body, size_t *len,
			    const char **content_type);

struct http_server;

/*
 * Listens on "ADDR:PORT" ("127.0.0.1:9633", "[::1]:9633", ":9633" for every address).
 * NULL with errno set: EINVAL for an address that does not parse (why in *why), else
 * what bind or listen said.
 */
struct http_server *http_server_open(const char *addr, const char *path, http_handler fn,
				     void *ctx, const char **why);
const char *http_error_name(enum http_error e); /* "not_found", "timeout", ... */
int http_server_poll_fds(struct http_server *s, struct pollfd *pfd, int max);
/* After poll: accepts, reads, answers and closes; 0 (client trouble is counted, not fatal). */
int http_server_on_fds(struct http_server *s, const struct pollfd *pfd, int n);
const struct http_stats *http_server_stats(const struct http_server *s);
void http_server_close(struct http_server *s);

#endif
