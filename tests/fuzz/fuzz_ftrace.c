// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the ftrace (trace / trace_pipe) importer. */
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_one(data, size, REPLAY_TEXT_FTRACE);
}
