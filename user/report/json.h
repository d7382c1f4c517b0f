/* SPDX-License-Identifier: GPL-2.0 */
/* A streaming JSON writer: commas, nesting and escaping handled here. */
#ifndef KMSCOPE_JSON_H
#define KMSCOPE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jw_new(FILE *out, bool pretty);
void jw_free(struct json_writer *jw); /* does not close out */
void jw_object_start(struct json_writer *jw);
void jw_object_end(struct json_writer *jw);
void jw_array_start(struct json_writer *jw);
void jw_array_end(struct json_writer *jw);
void jw_key(struct json_writer *jw, const char *key);
void jw_string(struct json_writer *jw, const char *s); /* NULL writes null */
void jw_uint(struct json_writer *jw, uint64_t v);
void jw_int(struct json_writer *jw, int64_t v);
void jw_double(struct json_writer *jw, double v); /* non-finite writes null */
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);
/* key + value in one call */
void jw_kv_string(struct json_writer *jw, const char *key, const char *s);
void jw_kv_uint(struct json_writer *jw, const char *key, uint64_t v);
void jw_kv_int(struct json_writer *jw, const char *key, int64_t v);
void jw_kv_double(struct json_writer *jw, const char *key, double v);
void jw_kv_bool(struct json_writer *jw, const char *key, bool v);
/*
 * Length of the well-formed UTF-8 sequence at p, or 0 when p does not start one: what
 * the writer replaces by U+FFFD (and the JUnit printer too, XML wanting UTF-8 as well).
 */
int jw_utf8_len(const unsigned char *p);
/* Ends a top-level document with a newline. */
void jw_newline(struct json_writer *jw);

#endif
