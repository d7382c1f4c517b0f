// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes that are not UTF-8 in what kmscope echoes (a --comm, CMD's path, a --caller)
 * still give valid JSON: checked by jsonp's strict reader and by python3's json.
 *
 * vm-kernels: host -- JSON encoding is user space (the comm and CMD path reach it the same way on every kernel), and python3 -m json.tool under qemu TCG took ~90 s a kernel (test-6.1, load 9)
 */
#include <sys/stat.h>
#include "live.h"

#define KM(...) ((char *[]){ (char *)kmscope_path(), __VA_ARGS__, NULL })

/* python3 -m json.tool reads the file as strict UTF-8 JSON; -1 when there is no python3. */
static int python_json_ok(const char *text)
{
	char path[] = "/tmp/kmscope-json-XXXXXX", cmd[256];
	int fd, status;

	if (system("command -v python3 >/dev/null 2>&1"))
		return -1;
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		if (fd >= 0)
			close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 -m json.tool %s >/dev/null", path);
	status = system(cmd);
	unlink(path);
	return status == 0;
}

static void check_valid(const char *what, const char *out)
{
	char name[160];
	int py;

	snprintf(name, sizeof(name), "%s: valid JSON (strict reader)", what);
	ASSERT_TRUE(jp_valid(out), name);
	py = python_json_ok(out);
	snprintf(name, sizeof(name), "%s: valid JSON (python3 -m json.tool)", what);
	if (py < 0)
		tap_skip(name, "python3 is not installed");
	else
		ASSERT_TRUE(py == 1, name);
}

int main(void)
{
	char dir[] = "/tmp/kmscope-utf8-XXXXXX", cmd[320], bin[256];
	struct proc p;
	struct jp *doc;

	live_require();

	/* an invalid --comm: stray byte, overlong '/', a control character */
	run(&p, KM("trace", "--json", "-d", "0.2", "--comm", "\xff\xc0\xafx\x01"));
	ASSERT_EQ(p.status, 0, "--comm with invalid UTF-8: exit 0");
	check_valid("--comm with invalid UTF-8", p.out);
	doc = jp_parse(p.out, NULL);
	ASSERT_STREQ(doc ? jp_str(doc, "scope") : NULL,
		     "comm \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx\x01",
		     "scope: each invalid byte is U+FFFD, the control character kept (escaped)");
	jp_free(doc);
	proc_free(&p);

	/* CMD in a directory whose name is a surrogate and a truncated sequence */
	if (!mkdtemp(dir)) {
		tap_skip("CMD path with invalid UTF-8", "cannot make a directory in /tmp");
	} else {
		snprintf(bin, sizeof(bin), "%s/\xed\xa0\x80-\xe2\x82", dir);
		snprintf(cmd, sizeof(cmd), "cp /bin/true '%s'", bin);
		if (system(cmd)) {
			tap_skip("CMD path with invalid UTF-8", "cannot copy /bin/true");
		} else {
			run(&p, KM("trace", "--json", "--", bin));
			ASSERT_EQ(p.status, 0, "CMD path with invalid UTF-8: exit 0");
			check_valid("CMD path with invalid UTF-8", p.out);
			proc_free(&p);
			unlink(bin);
		}
		rmdir(dir);
	}

	/* an error document that quotes the bad bytes */
	run(&p, KM("trace", "--json", "--caller", "\xf4\x90\x80\x80" "fn"));
	ASSERT_EQ(p.status, 2, "--caller with invalid UTF-8: a usage error");
	check_valid("--json error quoting invalid UTF-8", p.out);
	doc = jp_parse(p.out, NULL);
	ASSERT_CONTAINS(doc ? jp_str(doc, "error") : NULL,
			"'\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "fn' is not a kernel function",
			"the error names the function with U+FFFD for each bad byte");
	jp_free(doc);
	proc_free(&p);
	return tap_done();
}
