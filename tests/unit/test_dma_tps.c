// SPDX-License-Identifier: GPL-2.0
/*
 * Which DMA API tracepoints trace --dma (and doctor) find in a kernel's BTF, from real
 * prototypes (fixtures/tp-protos/dma-*.h: 6.1 has only swiotlb_bounced, test-6.12 has
 * dma_map_page and a dma_alloc class with a direction, 6.18 dma_map_phys) and edits of
 * them: 6.12.0's dma_alloc without a direction, a layout kmscope does not read.
 */
#include <string.h>
#include <bpf/btf.h>
#include "tap.h"
#include "../fixture.h"
#include "../btf_fixture.h"
#include "kernel/dma_tps.h"

/* dma_alloc / dma_free as 6.12.0 had them: no direction after size */
static void no_direction(char *line)
{
	if (strstr(line, "btf_trace_dma_alloc)"))
		strcpy(line, "typedef void (*btf_trace_dma_alloc)(void *, struct device *, void *, "
			     "dma_addr_t, size_t, gfp_t, long unsigned int);");
	if (strstr(line, "btf_trace_dma_free)"))
		strcpy(line, "typedef void (*btf_trace_dma_free)(void *, struct device *, void *, "
			     "dma_addr_t, size_t, long unsigned int);");
}

/* dma_map_phys with its size before the address: not what the program reads */
static void swapped(char *line)
{
	if (strstr(line, "btf_trace_dma_map_phys)"))
		strcpy(line, "typedef void (*btf_trace_dma_map_phys)(void *, struct device *, "
			     "phys_addr_t, size_t, dma_addr_t, enum dma_data_direction, "
			     "long unsigned int);");
}

static struct btf *btf_of(const char *file, void (*edit)(char *))
{
	struct btf *btf = fixture_btf(file, edit);

	tap_ok(btf != NULL, "%s: a BTF from the fixture", file);
	return btf;
}

int main(void)
{
	char why[160];
	struct btf *btf;

	btf = btf_of("tp-protos/dma-6.18.h", NULL);
	ASSERT_TRUE(km_dma_tps_usable(btf, why, sizeof(why)), "6.18: usable");
	ASSERT_TRUE(km_dma_tp_named(btf, "dma_map_phys"), "6.18: dma_map_phys");
	ASSERT_TRUE(!km_dma_tp_named(btf, "dma_map_page"), "6.18: no dma_map_page");
	ASSERT_TRUE(km_dma_tp_named(btf, "dma_alloc"), "6.18: dma_alloc (with a direction)");
	ASSERT_TRUE(km_dma_tp_named(btf, "dma_map_sg"), "6.18: dma_map_sg");
	ASSERT_TRUE(km_dma_tp_named(btf, "swiotlb_bounced"), "6.18: swiotlb_bounced");
	btf__free(btf);

	btf = btf_of("tp-protos/dma-6.12.h", NULL);
	ASSERT_TRUE(km_dma_tps_usable(btf, why, sizeof(why)), "6.12: usable");
	ASSERT_TRUE(km_dma_tp_named(btf, "dma_map_page"), "6.12: dma_map_page");
	ASSERT_TRUE(km_dma_tp_named(btf, "dma_map_resource"), "6.12: dma_map_resource");
	ASSERT_TRUE(!km_dma_tp_named(btf, "dma_map_phys"), "6.12: no dma_map_phys");
	btf__free(btf);

	btf = btf_of("tp-protos/dma-6.12.h", no_direction);
	ASSERT_TRUE(km_dma_tps_usable(btf, why, sizeof(why)),
		    "6.12.0 (dma_alloc without a direction): usable");
	ASSERT_TRUE(km_dma_tp_named(btf, "dma_alloc") && km_dma_tp_named(btf, "dma_free"),
		    "6.12.0: dma_alloc and dma_free read the same leading arguments");
	btf__free(btf);

	btf = btf_of("tp-protos/dma-6.18.h", swapped);
	ASSERT_TRUE(!km_dma_tps_usable(btf, why, sizeof(why)), "a changed dma_map_phys: unusable");
	ASSERT_TRUE(strstr(why, "dma_map_page/dma_map_phys") != NULL, "the reason names it");
	btf__free(btf);

	btf = btf_of("tp-protos/dma-6.1.h", NULL);
	ASSERT_TRUE(!km_dma_tps_usable(btf, why, sizeof(why)), "6.1: not usable");
	ASSERT_STREQ(why, "this kernel has no dma: tracepoints (the DMA API's events appeared "
		     "in 6.12)", "6.1: the reason");
	ASSERT_TRUE(km_dma_tp_named(btf, "swiotlb_bounced"), "6.1: swiotlb_bounced is there");
	btf__free(btf);
	return tap_done();
}
