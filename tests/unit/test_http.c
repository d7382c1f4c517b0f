// SPDX-License-Identifier: GPL-2.0
/*
 * core/http.c without a session: the server on a loopback port driven by hand (its
 * poll_fds, poll, on_fds), a client in the same thread. Answers, refusals and their
 * counts, addresses that do not parse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tap.h"
#include "loopback.h"
#include "core/http.h"

struct handler_ctx {
	char accept[512];
	int calls;
	bool fail;
};

static int handler(void *ctx, const char *accept, char **body, size_t *len,
		   const char **type)
{
	struct handler_ctx *h = ctx;

	h->calls++;
	snprintf(h->accept, sizeof(h->accept), "%s", accept);
	if (h->fail)
		return -EIO;
	*body = strdup("metric_total 42\n");
	*len = strlen(*body);
	*type = "text/plain; version=0.0.4";
	return 0;
}

static void pump(struct http_server *s, int rounds)
{
	struct pollfd pfd[64];
	int i, n;

	for (i = 0; i < rounds; i++) {
		n = http_server_poll_fds(s, pfd, 64);
		poll(pfd, n, 5);
		http_server_on_fds(s, pfd, n);
	}
}

/* A non-blocking client: the server it talks to runs in this thread. */
static int connect_to(int port)
{
	int fd = loopback_connect(port);

	if (fd < 0)
		abort();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Sends request, serves until the server closed the connection; the response. */
static char *exchange(struct http_server *s, int port, const char *request)
{
	static char resp[65536];
	size_t len = 0;
	int fd = connect_to(port), i;

	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request))
		abort();
	for (i = 0; i < 400; i++) {
		ssize_t n;

		pump(s, 1);
		n = read(fd, resp + len, sizeof(resp) - 1 - len);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
		if (n > 0)
			len += n;
	}
	resp[len] = '\0';
	close(fd);
	return resp;
}

static void test_bad_addresses(void)
{
	static const char *const bad[] = { "9633", "127.0.0.1:", "127.0.0.1:0", ":65536", ":96x",
					   "[::1:9633", "[::1]x:9633" };
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http_server *s = http_server_open(bad[i], "/metrics", handler, NULL, &why);

		if (!ASSERT_TRUE(!s && errno == EINVAL && why, "a bad address is EINVAL, with why"))
			tap_diag("  '%s'", bad[i]);
		http_server_close(s);
	}
}

int main(void)
{
	struct handler_ctx h = { 0 };
	const struct http_stats *st;
	struct http_server *s, *again;
	char addr[64], big[HTTP_MAX_REQUEST + 100];
	const char *why, *r;
	int port = loopback_free_port();

	test_bad_addresses();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	s = http_server_open(addr, "/metrics", handler, &h, &why);
	if (!s)
		tap_plan_skip_all("cannot listen on %s: %s", addr, strerror(errno));
	again = http_server_open(addr, "/metrics", handler, &h, &why);
	ASSERT_TRUE(!again && errno == EADDRINUSE && !why, "the same port twice: EADDRINUSE");
	http_server_close(again);

	r = exchange(s, port, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: a/b;q=1\r\n\r\n");
	ASSERT_CONTAINS(r, "HTTP/1.1 200 OK\r\n", "GET /metrics: 200");
	ASSERT_CONTAINS(r, "Content-Type: text/plain; version=0.0.4\r\n", "the handler's type");
	ASSERT_CONTAINS(r, "Content-Length: 16\r\n", "its length");
	ASSERT_CONTAINS(r, "Connection: close\r\n\r\nmetric_total 42\n", "and its body");
	ASSERT_STREQ(h.accept, "a/b;q=1", "the handler gets the Accept header");
	r = exchange(s, port, "GET /metrics?x=1 HTTP/1.0\n\n");
	ASSERT_CONTAINS(r, "HTTP/1.1 200 OK", "a query string and bare newlines are fine");
	ASSERT_STREQ(h.accept, "", "no Accept header: empty");
	r = exchange(s, port, "HEAD /metrics HTTP/1.1\r\n\r\n");
	ASSERT_CONTAINS(r, "Content-Length: 16\r\n", "HEAD: the length");
	ASSERT_TRUE(!strstr(r, "metric_total"), "HEAD: no body");
	r = exchange(s, port, "GET /metrics/ HTTP/1.1\r\n\r\n");
	ASSERT_CONTAINS(r, "HTTP/1.1 404 Not Found", "another path: 404");
	r = exchange(s, port, "DELETE /metrics HTTP/1.1\r\n\r\n");
	ASSERT_CONTAINS(r, "HTTP/1.1 405 ", "another method: 405");
	r = exchange(s, port, "GET /metrics HTTP/2.0\r\n\r\n");
	ASSERT_CONTAINS(r, "HTTP/1.1 400 ", "not HTTP/1.x: 400");
	r = exchange(s, port, "GET metrics HTTP/1.1\r\n\r\n");
	ASSERT_CONTAINS(r, "HTTP/1.1 400 ", "a target without '/': 400");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	r = exchange(s, port, big);
	ASSERT_CONTAINS(r, "HTTP/1.1 431 ", "a head over 8 KiB: 431");
	h.fail = true;
	r = exchange(s, port, "GET /metrics HTTP/1.1\r\n\r\n");
	ASSERT_CONTAINS(r, "HTTP/1.1 500 ", "the handler failed: 500");
	st = http_server_stats(s);
	ASSERT_EQ(st->served, 3, "served: the three good requests");
	ASSERT_EQ(st->errors[HTTP_ERR_NOT_FOUND], 1, "counted: 404");
	ASSERT_EQ(st->errors[HTTP_ERR_METHOD], 1, "counted: 405");
	ASSERT_EQ(st->errors[HTTP_ERR_BAD_REQUEST], 2, "counted: 400");
	ASSERT_EQ(st->errors[HTTP_ERR_TOO_LARGE], 1, "counted: 431");
	ASSERT_EQ(st->errors[HTTP_ERR_HANDLER], 1, "counted: 500");
	ASSERT_EQ(h.calls, 4, "the handler ran for /metrics only");
	ASSERT_STREQ(http_error_name(HTTP_ERR_CONNS_FULL), "connections_full", "error names");
	http_server_close(s);
	return tap_done();
}
