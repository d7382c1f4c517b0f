// SPDX-License-Identifier: GPL-2.0
/* The JSON writer's exact output, compact and pretty, captured with open_memstream. */
#include <errno.h>
#include <float.h>
#include <math.h>

#include "../tap.h"
#include "report/json.h"

struct capture {
	FILE *f;
	char *buf;
	size_t len;
	struct json_writer *jw;
};

static bool cap_start(struct capture *c, bool pretty)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	c->jw = c->f ? jw_new(c->f, pretty) : NULL;
	return c->jw;
}

/* Ends the capture and compares; frees everything either way. */
static void cap_check(struct capture *c, const char *want, const char *what)
{
	jw_free(c->jw);
	fclose(c->f);
	ASSERT_STREQ(c->buf, want, what);
	free(c->buf);
}

static void write_sample(struct json_writer *jw)
{
	jw_object_start(jw);
	jw_kv_string(jw, "name", "kmscope");
	jw_kv_uint(jw, "count", 3);
	jw_key(jw, "sizes");
	jw_array_start(jw);
	jw_uint(jw, 8);
	jw_uint(jw, 16);
	jw_array_end(jw);
	jw_key(jw, "empty_obj");
	jw_object_start(jw);
	jw_object_end(jw);
	jw_key(jw, "empty_arr");
	jw_array_start(jw);
	jw_array_end(jw);
	jw_key(jw, "nested");
	jw_object_start(jw);
	jw_kv_bool(jw, "ok", true);
	jw_kv_bool(jw, "bad", false);
	jw_key(jw, "n");
	jw_null(jw);
	jw_kv_int(jw, "delta", -42);
	jw_kv_double(jw, "ratio", 0.25);
	jw_object_end(jw);
	jw_object_end(jw);
	jw_newline(jw);
}

static void test_structure(void)
{
	struct capture c;

	if (cap_start(&c, false)) {
		write_sample(c.jw);
		cap_check(&c,
			  "{\"name\":\"kmscope\",\"count\":3,\"sizes\":[8,16],\"empty_obj\":{},"
			  "\"empty_arr\":[],\"nested\":{\"ok\":true,\"bad\":false,\"n\":null,"
			  "\"delta\":-42,\"ratio\":0.25}}\n",
			  "compact: nested objects and arrays on one line");
	}
	if (cap_start(&c, true)) {
		write_sample(c.jw);
		cap_check(&c,
			  "{\n"
			  "  \"name\": \"kmscope\",\n"
			  "  \"count\": 3,\n"
			  "  \"sizes\": [\n"
			  "    8,\n"
			  "    16\n"
			  "  ],\n"
			  "  \"empty_obj\": {},\n"
			  "  \"empty_arr\": [],\n"
			  "  \"nested\": {\n"
			  "    \"ok\": true,\n"
			  "    \"bad\": false,\n"
			  "    \"n\": null,\n"
			  "    \"delta\": -42,\n"
			  "    \"ratio\": 0.25\n"
			  "  }\n"
			  "}\n",
			  "pretty: two-space indentation, one member per line");
	}
	if (cap_start(&c, true)) {
		jw_array_start(c.jw);
		jw_object_start(c.jw);
		jw_kv_uint(c.jw, "a", 1);
		jw_object_end(c.jw);
		jw_object_start(c.jw);
		jw_key(c.jw, "b");
		jw_array_start(c.jw);
		jw_string(c.jw, "x");
		jw_array_end(c.jw);
		jw_object_end(c.jw);
		jw_array_end(c.jw);
		jw_newline(c.jw);
		cap_check(&c,
			  "[\n"
			  "  {\n"
			  "    \"a\": 1\n"
			  "  },\n"
			  "  {\n"
			  "    \"b\": [\n"
			  "      \"x\"\n"
			  "    ]\n"
			  "  }\n"
			  "]\n",
			  "pretty: array of objects");
	}
	if (cap_start(&c, false)) {
		jw_object_start(c.jw);
		jw_object_end(c.jw);
		jw_newline(c.jw);
		jw_array_start(c.jw);
		jw_uint(c.jw, 1);
		jw_array_end(c.jw);
		jw_newline(c.jw);
		jw_uint(c.jw, 5);
		jw_newline(c.jw);
		cap_check(&c, "{}\n[1]\n5\n", "top-level documents take no commas");
	}
	if (cap_start(&c, false)) {
		jw_object_end(c.jw);
		jw_array_end(c.jw);
		jw_array_start(c.jw);
		jw_array_end(c.jw);
		jw_array_end(c.jw);
		cap_check(&c, "[]", "unbalanced ends are ignored");
	}
}

static void test_deep(void)
{
	char want[401];
	struct capture c;
	int i;

	if (!cap_start(&c, false))
		return;
	for (i = 0; i < 200; i++)
		jw_array_start(c.jw);
	for (i = 0; i < 200; i++)
		jw_array_end(c.jw);
	memset(want, '[', 200);
	memset(want + 200, ']', 200);
	want[400] = '\0';
	cap_check(&c, want, "200 nested arrays");
}

static void test_escapes(void)
{
	char all[32];
	struct capture c;
	int i;

	for (i = 1; i < 32; i++)
		all[i - 1] = (char)i;
	all[31] = '\0';
	if (cap_start(&c, false)) {
		jw_string(c.jw, all);
		cap_check(&c,
			  "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
			  "\\b\\t\\n\\u000b\\f\\r"
			  "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
			  "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"",
			  "every control character escaped");
	}
	if (cap_start(&c, false)) {
		jw_string(c.jw, "say \"hi\" \\ back/slash \x7f caf\xc3\xa9");
		cap_check(&c, "\"say \\\"hi\\\" \\\\ back/slash \x7f caf\xc3\xa9\"",
			  "quotes and backslashes escaped; '/', DEL and UTF-8 as they are");
	}
	if (cap_start(&c, false)) {
		jw_object_start(c.jw);
		jw_kv_string(c.jw, "k\"e\\y\n", "v\tw");
		jw_kv_string(c.jw, "nothing", NULL);
		jw_key(c.jw, "empty");
		jw_string(c.jw, "");
		jw_object_end(c.jw);
		cap_check(&c, "{\"k\\\"e\\\\y\\n\":\"v\\tw\",\"nothing\":null,\"empty\":\"\"}",
			  "keys escaped too; NULL string is null");
	}
}

static void test_numbers(void)
{
	struct capture c;

	if (cap_start(&c, false)) {
		jw_array_start(c.jw);
		jw_uint(c.jw, UINT64_MAX);
		jw_uint(c.jw, 0);
		jw_int(c.jw, INT64_MIN);
		jw_int(c.jw, INT64_MAX);
		jw_int(c.jw, -1);
		jw_array_end(c.jw);
		cap_check(&c,
			  "[18446744073709551615,0,-9223372036854775808,9223372036854775807,-1]",
			  "integers at their limits");
	}
	if (cap_start(&c, false)) {
		jw_array_start(c.jw);
		jw_double(c.jw, 0.1);
		jw_double(c.jw, 1.5);
		jw_double(c.jw, 100.0);
		jw_double(c.jw, 1.0 / 3.0);
		jw_double(c.jw, 2.5e-8);
		jw_double(c.jw, 1e300);
		jw_double(c.jw, DBL_MAX);
		jw_double(c.jw, -0.0);
		jw_array_end(c.jw);
		cap_check(&c,
			  "[0.1,1.5,100,0.3333333333333333,2.5e-08,1e+300,"
			  "1.7976931348623157e+308,-0]",
			  "doubles: shortest form that reads back the same");
	}
	if (cap_start(&c, false)) {
		jw_object_start(c.jw);
		jw_kv_double(c.jw, "nan", NAN);
		jw_kv_double(c.jw, "inf", INFINITY);
		jw_kv_double(c.jw, "-inf", -INFINITY);
		jw_object_end(c.jw);
		cap_check(&c, "{\"nan\":null,\"inf\":null,\"-inf\":null}",
			  "NaN and infinities are null");
	}
}

static void test_errors(void)
{
	errno = 0;
	ASSERT_TRUE(!jw_new(NULL, false), "jw_new(NULL): NULL");
	ASSERT_EQ(errno, EINVAL, "jw_new(NULL): errno EINVAL");
	jw_free(NULL);
	jw_uint(NULL, 1); /* a NULL writer is a no-op: a crash would fail the whole test */
}

int main(void)
{
	test_structure();
	test_deep();
	test_escapes();
	test_numbers();
	test_errors();
	return tap_done();
}
