// SPDX-License-Identifier: GPL-2.0
/* The JSON writer's exact output, compact and pretty, captured with open_memstream. */
#include <errno.h>
#include <float.h>
#include <math.h>

#include "../tap.h"
#include "../jsonp.h"
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
		cap_check(&c, "\"say \\\"hi\\\" \\\\ back/slash \\u007f caf\xc3\xa9\"",
			  "quotes and backslashes escaped; DEL as \\u007f; '/' and UTF-8 as they are");
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

/* One string through the writer; the caller frees. */
static char *write_string(const char *s)
{
	struct capture c;

	if (!cap_start(&c, false))
		return NULL;
	jw_string(c.jw, s);
	jw_free(c.jw);
	fclose(c.f);
	return c.buf;
}

static void test_utf8(void)
{
	static const struct {
		const char *in, *out, *what;
	} cases[] = {
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		  "2-, 3- and 4-byte UTF-8 pass through" },
		{ "\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\xef\xbf\xbd",
		  "\"\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\xef\xbf\xbd\"",
		  "U+D7FF, U+E000, U+10FFFF and U+FFFD itself pass through" },
		{ "a\x80z", "\"a\\ufffdz\"", "a stray continuation byte is U+FFFD" },
		{ "\xfe\xff\xf5\xf8", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
		  "bytes that never start UTF-8 (FE FF F5 F8) are U+FFFD each" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"", "overlong '/' (C0 AF): one U+FFFD per byte" },
		{ "\xc1\xbf", "\"\\ufffd\\ufffd\"", "overlong C1 BF" },
		{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"", "overlong 3-byte E0 80 AF" },
		{ "\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "overlong 4-byte F0 80 80 AF" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "high surrogate U+D800 (ED A0 80)" },
		{ "\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"", "low surrogate U+DFFF (ED BF BF)" },
		{ "\xed\xa0\xbd\xed\xb8\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"",
		  "a surrogate pair in CESU-8 form" },
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "above U+10FFFF (F4 90 80 80)" },
		{ "ab\xe2\x82", "\"ab\\ufffd\\ufffd\"", "3-byte sequence cut by the end of the string" },
		{ "\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"", "4-byte sequence cut by the end" },
		{ "x\xc3", "\"x\\ufffd\"", "2-byte lead byte at the end" },
		{ "\xe2\x82X\xc3\xa9", "\"\\ufffd\\ufffdX\xc3\xa9\"",
		  "a cut sequence does not swallow the ASCII and UTF-8 after it" },
		{ "\xc2\x85\xc2\x9f\xc2\xa0", "\"\\u0085\\u009f\xc2\xa0\"",
		  "C1 controls escaped; U+00A0 as it is" },
		{ "\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa", "\"\\u2028\\u2029\xe2\x80\xaa\"",
		  "U+2028 / U+2029 escaped (JavaScript line breaks); U+202A as it is" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = write_string(cases[i].in);

		ASSERT_STREQ(out, cases[i].out, cases[i].what);
		free(out);
	}
}

/* Every string of one and two bytes, and many random ones: always valid, and valid text kept. */
static void test_utf8_everything(void)
{
	unsigned int seed = 1, bad = 0, changed = 0, n = 0;
	char in[8], *out;
	struct jp *v;
	int a, b, i, len;

	for (a = 1; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			in[2] = '\0';
			out = write_string(in);
			if (!jp_valid(out) && bad++ < 3)
				tap_diag("  bytes %02x %02x -> %s", a, b, out);
			free(out);
			n++;
		}
	}
	for (i = 0; i < 200000; i++) {
		unsigned int cp;
		int k, at;

		len = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 6;
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			in[k] = (char)(0x80 | (seed >> 16)); /* mostly high bytes: the hard cases */
			if (!in[k] || (seed & 0x300000) == 0)
				in[k] = (char)(0x20 + (seed >> 8) % 0x5f);
			if (in[k] == '"' || in[k] == '\\')
				in[k] = 'q';
		}
		in[len] = '\0';
		out = write_string(in);
		v = out ? jp_parse(out, NULL) : NULL;
		if (!v && bad++ < 3)
			tap_diag("  %d random bytes -> invalid JSON: %s", len, jp_error);
		/* a string that was valid UTF-8 (and has no escaped characters) reads back equal */
		for (at = 0; at < len; at += k) {
			k = jp_utf8((const unsigned char *)in + at, &cp);
			if (!k || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
			    cp == 0x2028 || cp == 0x2029)
				break;
		}
		if (v && at >= len && strcmp(v->str, in))
			changed++;
		jp_free(v);
		free(out);
		n++;
	}
	ASSERT_EQ(bad, 0, "every 2-byte string and 200000 random ones give valid JSON");
	ASSERT_EQ(changed, 0, "valid UTF-8 reads back unchanged");
	ASSERT_EQ(n, 255 * 256 + 200000, "strings tried");
}

/* The validator the tests rely on: it must reject what is not JSON. */
static void test_validator(void)
{
	static const char *const bad[] = {
		"\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"ab\xe2\x82\"", "\"\x01\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\x41\"", "\"\\u12\"",
		"01", "+1", ".5", "1.", "1e", "-", "NaN", "Infinity", "0x10", "[1,]", "{\"a\":1,}",
		"[1 2]", "{\"a\" 1}", "{1:2}", "truex", "nul", "\"open", "[", "{} {}", "",
	};
	struct jp *v;
	size_t i;
	int accepted = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = jp_parse(bad[i], NULL);
		if (v) {
			accepted++;
			tap_diag("  accepted invalid JSON: %s", bad[i]);
		}
		jp_free(v);
	}
	ASSERT_EQ(accepted, 0, "the test reader rejects invalid JSON (30 cases)");
	v = jp_parse("{\"s\":\"\\ud83d\\ude00\\u00e9\\/\\n\",\"n\":-1.5e+2,\"t\":true,\"f\":false,"
		     "\"z\":null,\"a\":[0,{}]}", NULL);
	ASSERT_STREQ(v ? jp_str(v, "s") : NULL, "\xf0\x9f\x98\x80\xc3\xa9/\n",
		     "escapes decode to UTF-8, surrogate pairs joined");
	ASSERT_EQ(jp_num(v, "n"), -150, "a number with fraction and exponent");
	ASSERT_EQ(jp_bool(v, "t"), 1, "true");
	ASSERT_EQ(jp_bool(v, "f"), 0, "false");
	ASSERT_TRUE(jp_is_null(v, "z"), "null");
	ASSERT_EQ(jp_len(v, "a"), 2, "array length");
	/* the accessors tell missing from wrong type, and fail both */
	ASSERT_TRUE(isnan(jp_num(v, "a")), "jp_num of an array is NaN, not a number");
	ASSERT_TRUE(isnan(jp_num(v, "missing")), "jp_num of a missing member is NaN");
	ASSERT_EQ(jp_len(v, "n"), -1, "jp_len of a number is -1");
	ASSERT_TRUE(!jp_str(v, "n"), "jp_str of a number is NULL");
	ASSERT_EQ(jp_bool(v, "z"), -1, "jp_bool of null is -1");
	jp_free(v);
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
	test_utf8();
	test_utf8_everything();
	test_validator();
	test_numbers();
	test_errors();
	return tap_done();
}
