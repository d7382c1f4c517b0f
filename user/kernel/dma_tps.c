// SPDX-License-Identifier: GPL-2.0
/* The DMA API tracepoints of trace --dma (see dma_tps.h). */
#include <stdio.h>
#include <string.h>
#include "kernel/dma_tps.h"
#include "kernel/tp_layout.h"

#define MAP "void *, struct device *, phys_addr_t, dma_addr_t, size_t, enum dma_data_direction"
#define UNMAP "void *, struct device *, dma_addr_t"
#define ALLOC "void *, struct device *, void *, dma_addr_t, size_t"
#define FREE "void *, struct device *, void *, dma_addr_t"

const struct km_dma_tp km_dma_tps[] = {
	/* 6.12..6.16: dma_map_page; later dma_map_phys (one of each pair is present) */
	{ "dma_map_page", MAP, true },
	{ "dma_map_phys", MAP, true },
	{ "dma_map_resource", MAP, false },
	{ "dma_unmap_page", UNMAP, true },
	{ "dma_unmap_phys", UNMAP, true },
	{ "dma_unmap_resource", UNMAP, false },
	/* dma_alloc became an event class (a direction after size): the first four agree */
	{ "dma_alloc", ALLOC, true },
	{ "dma_free", FREE, true },
	{ "dma_alloc_pages", ALLOC, false },
	{ "dma_free_pages", FREE, false },
	{ "dma_map_sg", "void *, struct device *, struct scatterlist *, s32, s32, "
			"enum dma_data_direction", false },
	{ "dma_unmap_sg", "void *, struct device *, struct scatterlist *", false },
	/* older kernels had a fourth argument (enum swiotlb_force), not read */
	{ "swiotlb_bounced", "void *, struct device *, dma_addr_t, size_t", false },
};

const size_t km_dma_tps_nr = sizeof(km_dma_tps) / sizeof(km_dma_tps[0]);

bool km_dma_tp_present(const struct btf *btf, const struct km_dma_tp *tp)
{
	size_t n = strlen(tp->reads);
	char proto[512];

	if (km_tp_proto(btf, tp->tp, proto, sizeof(proto)) < 0)
		return false;
	return !strncmp(proto, tp->reads, n) && (proto[n] == '\0' || proto[n] == ',');
}

bool km_dma_tp_named(const struct btf *btf, const char *name)
{
	size_t i;

	for (i = 0; i < km_dma_tps_nr; i++)
		if (!strcmp(km_dma_tps[i].tp, name))
			return km_dma_tp_present(btf, &km_dma_tps[i]);
	return false;
}

bool km_dma_tps_usable(const struct btf *btf, char *why, size_t len)
{
	bool map = km_dma_tp_named(btf, "dma_map_page") ||
		   km_dma_tp_named(btf, "dma_map_phys");
	bool unmap = km_dma_tp_named(btf, "dma_unmap_page") ||
		     km_dma_tp_named(btf, "dma_unmap_phys");
	bool alloc = km_dma_tp_named(btf, "dma_alloc") && km_dma_tp_named(btf, "dma_free");

	if (why && len)
		why[0] = '\0';
	if (map && unmap && alloc)
		return true;
	if (!map && !unmap && !alloc && km_tp_proto(btf, "dma_alloc", NULL, 0) < 0)
		snprintf(why, len, "this kernel has no dma: tracepoints (the DMA API's events "
			 "appeared in 6.12)");
	else
		snprintf(why, len, "this kernel has no dma:%s%s%s tracepoint of the layout "
			 "kmscope reads", map ? "" : " dma_map_page/dma_map_phys",
			 unmap ? "" : " dma_unmap_page/dma_unmap_phys", alloc ? "" : " dma_alloc");
	return false;
}
