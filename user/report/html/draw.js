/*
 * kmscope's HTML report: draws the embedded report (the JSON of docs/json.md) and, with
 * --stack, a flame graph of its folded stacks. Every name from the kernel is data: it
 * goes into the page through textContent and setAttribute only, never as markup.
 * Each bar carries data-chart, data-label and data-value (the number it stands for), so
 * a test reads back what was drawn.
 */
'use strict';
(function () {
	const SVG = 'http://www.w3.org/2000/svg';
	const MAX_BARS = 40;
	const W = 1240, LABEL_W = 460, ROW = 18;

	function data(id) {
		const e = document.getElementById(id);
		return e ? JSON.parse(e.textContent) : null;
	}

	function el(tag, attrs, text) {
		const e = document.createElement(tag);
		for (const k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function svg(tag, attrs, text) {
		const e = document.createElementNS(SVG, tag);
		for (const k in attrs || {})
			e.setAttribute(k, String(attrs[k]));
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function count(n) {
		return n === null || n === undefined ? 'n/a' : Number(n).toLocaleString('en-US');
	}

	function bytes(n) {
		const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		let i = 0, v = Number(n);
		while (v >= 1024 && i < units.length - 1) {
			v /= 1024;
			i++;
		}
		return i ? v.toFixed(1) + ' ' + units[i] : v + ' B';
	}

	function section(id, title) {
		const s = el('section', { id: id });
		s.appendChild(el('h2', {}, title));
		document.getElementById('report').appendChild(s);
		return s;
	}

	function note(parent, text) {
		parent.appendChild(el('p', { class: 'note' }, text));
	}

	function fit(text, px) {
		const n = Math.floor(px / 7.2);
		return text.length <= n ? text : text.slice(0, Math.max(n - 1, 1)) + '\u2026';
	}

	function setData(g, chart, r) {
		g.setAttribute('class', 'bar');
		g.setAttribute('data-chart', chart);
		g.setAttribute('data-label', r.label);
		g.setAttribute('data-value', String(r.value));
		for (const k in r.extra || {})
			g.setAttribute('data-' + k, String(r.extra[k]));
		g.appendChild(svg('title', {}, r.label + ': ' + (r.title || r.fmt(r.value))));
	}

	/* Horizontal bars, largest first (rows of value 0 are not drawn unless keep). */
	function bars(parent, chart, rows, fmt, opts) {
		opts = opts || {};
		rows = rows.filter(r => opts.keep || r.value > 0);
		if (!opts.ordered)
			rows.sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : 1));
		const shown = rows.slice(0, MAX_BARS);
		if (!shown.length) {
			parent.appendChild(el('p', { class: 'empty', 'data-chart': chart }, 'nothing to show'));
			return;
		}
		const max = Math.max(1, ...shown.map(r => r.value));
		const s = svg('svg', { class: 'chart', 'data-chart': chart, width: W,
				       height: shown.length * ROW + 4, viewBox: `0 0 ${W} ${shown.length * ROW + 4}` });
		shown.forEach((r, i) => {
			const g = svg('g', { transform: `translate(0,${i * ROW})` });
			const w = (W - LABEL_W - 140) * r.value / max;
			r.fmt = fmt;
			setData(g, chart, r);
			g.appendChild(svg('text', { x: LABEL_W - 6, y: 13, 'text-anchor': 'end' },
					  fit(r.label, LABEL_W - 10)));
			g.appendChild(svg('rect', { class: 'b', x: LABEL_W, y: 2, width: w.toFixed(2),
						    height: ROW - 4 }));
			g.appendChild(svg('text', { x: (LABEL_W + w + 4).toFixed(2), y: 13 }, fmt(r.value)));
			s.appendChild(g);
		});
		parent.appendChild(s);
		if (rows.length > shown.length)
			note(parent, `${rows.length - shown.length} more rows not drawn (all are in the ` +
			     'embedded JSON, script#kmscope-report)');
	}

	/* Vertical columns in the order given: a histogram. */
	function columns(parent, chart, rows, fmt) {
		if (!rows.length) {
			parent.appendChild(el('p', { class: 'empty', 'data-chart': chart }, 'nothing to show'));
			return;
		}
		const H = 220, colW = Math.min(90, Math.floor((W - 20) / rows.length));
		const max = Math.max(1, ...rows.map(r => r.value));
		const s = svg('svg', { class: 'chart', 'data-chart': chart, width: W, height: H + 50,
				       viewBox: `0 0 ${W} ${H + 50}` });
		rows.forEach((r, i) => {
			const h = (H - 20) * r.value / max, x = 10 + i * colW;
			const g = svg('g', {});
			r.fmt = fmt;
			setData(g, chart, r);
			g.appendChild(svg('rect', { class: 'b', x: x + 2, y: (H - h).toFixed(2),
						    width: colW - 4, height: h.toFixed(2) }));
			g.appendChild(svg('text', { x: x + colW / 2, y: (H - h - 4).toFixed(2),
						    'text-anchor': 'middle' }, fit(fmt(r.value), colW)));
			g.appendChild(svg('text', { x: x + colW / 2, y: H + 16, 'text-anchor': 'middle' },
					  fit(r.short || r.label, colW)));
			s.appendChild(g);
		});
		parent.appendChild(s);
	}

	function table(parent, id, head, rows) {
		const t = el('table', { 'data-table': id });
		const tr = el('tr');
		head.forEach(h => tr.appendChild(el('th', {}, h)));
		t.appendChild(tr);
		rows.forEach(r => {
			const row = el('tr');
			r.forEach((c, i) => {
				const td = el('td', {}, i ? c.text : c);
				if (i && c.key) {
					td.setAttribute('data-key', c.key);
					td.setAttribute('data-value', String(c.value));
				}
				row.appendChild(td);
			});
			t.appendChild(row);
		});
		parent.appendChild(t);
	}

	function site(r) {
		const where = r.function + (r.offset ? '+0x' + r.offset.toString(16) : '') +
			      (r.module ? ' [' + r.module + ']' : '');
		return where + ' (' + r.cache + ')';
	}

	function summary(R) {
		const S = R.summary, s = section('summary', 'Summary');
		const c = (key, v, f) => ({ key: key, value: v, text: (f || count)(v) });
		table(s, 'summary', ['', 'value'], [
			['allocations', c('allocations', S.allocations)],
			['  kmalloc', c('kmalloc', S.kmalloc)],
			['  kmem_cache', c('kmem_cache', S.kmem_cache)],
			['bytes requested', c('bytes_req', S.bytes_req, bytes)],
			['bytes allocated', c('bytes_alloc', S.bytes_alloc, bytes)],
			['waste', c('waste', S.waste, bytes)],
			['failures', c('failures', S.failures)],
			['frees', c('frees', S.frees)],
			['page requests', c('page_requests', S.page_requests)],
			['pages', c('pages', S.pages)],
			['page failures', c('page_failures', S.page_failures)],
		]);
		if (S.waste_pct !== null)
			note(s, `waste is ${S.waste_pct.toFixed(1)} % of the bytes allocated`);
		/* nothing lost silently: every bounded map's drops are on the page */
		const lost = [];
		for (const k in S.dropped)
			if (S.dropped[k])
				lost.push([k, c('dropped.' + k, S.dropped[k])]);
		if (S.unattributed)
			lost.push(['unattributed (no symbol)', c('unattributed', S.unattributed)]);
		if (R.outstanding && R.outstanding.dropped)
			for (const k in R.outstanding.dropped)
				if (R.outstanding.dropped[k])
					lost.push(['outstanding ' + k, c('outstanding.dropped.' + k,
									 R.outstanding.dropped[k])]);
		if (lost.length) {
			const box = el('div', { class: 'lost' });
			box.appendChild(el('strong', {}, 'Dropped or lost (not in the numbers above; docs/json.md says what each is):'));
			table(box, 'lost', ['counter', 'events'], lost);
			s.appendChild(box);
		}
	}

	function sizes(R) {
		const s = section('sizes', 'Request sizes (log2 buckets, successful requests)');
		columns(s, 'sizes', R.sizes.log2.map(b => ({
			label: bytes(b.min) + ' \u2013 ' + bytes(b.max), short: bytes(b.min),
			value: b.count, extra: { min: b.min, max: b.max } })), count);
		const w = section('waste-classes', 'Waste by kmalloc size class');
		bars(w, 'waste-classes', R.sizes.classes.map(r => ({ label: r.class, value: r.waste,
			title: `${bytes(r.waste)} of ${bytes(r.bytes_alloc)} in ${count(r.count)} allocations` })),
		     bytes);
	}

	function waste(R) {
		const s = section('waste-sites', 'Waste by call site');
		bars(s, 'waste-sites', R.callsites.map(r => ({ label: site(r), value: r.waste,
			title: `${bytes(r.waste)} of ${bytes(r.bytes_alloc)} in ${count(r.count)} allocations` +
			       (r.advice ? '; ' + r.advice : '') })), bytes);
		const c = section('waste-caches', 'Waste by cache');
		bars(c, 'waste-caches', R.caches.map(r => ({ label: r.name, value: r.waste,
			title: `${bytes(r.waste)} of ${bytes(r.bytes_alloc)} in ${count(r.count)} allocations` })),
		     bytes);
	}

	function failures(R) {
		const F = R.failures, s = section('failures', 'Failures by GFP context');
		const rows = [];
		for (const k of ['sleeping', 'atomic', 'nowait']) {
			rows.push({ label: 'slab ' + k, value: F[k],
				    title: `${count(F[k])} of ${count(F.requests[k])} requests` });
			rows.push({ label: 'pages ' + k, value: F.pages[k] });
		}
		bars(s, 'failures', rows, count, { keep: true, ordered: true });
		const f = section('failing-sites', 'Failing call sites');
		bars(f, 'failing-sites', F.callsites.map(r => ({ label: site(r), value: r.failed })), count);
	}

	function pages(R) {
		const P = R.pages, s = section('pages-order', 'Page allocations by order');
		columns(s, 'pages-order', P.by_order.map(r => ({ label: 'order ' + r.order,
			value: r.requests, extra: { pages: r.pages, failed: r.failed },
			title: `${count(r.requests)} requests, ${count(r.pages)} pages, ${count(r.failed)} failed` })),
			count);
		const z = section('pages-zone', 'Page allocations by zone');
		bars(z, 'pages-zone', P.by_zone.map(r => ({
			label: r.zone + (r.node >= 0 ? ' (node ' + r.node + ')' : ''), value: r.requests,
			extra: { pages: r.pages, failed: r.failed },
			title: `${count(r.requests)} requests, ${count(r.pages)} pages, ${count(r.failed)} failed` })),
		     count);
	}

	function dma(R) {
		const D = R.dma, s = section('dma', 'DMA');
		table(s, 'dma', ['', 'count', 'bytes requested'], [
			['slab GFP_DMA', { key: 'dma', value: D.slab.dma.count, text: count(D.slab.dma.count) },
			 { text: bytes(D.slab.dma.bytes_req) }],
			['slab GFP_DMA32', { key: 'dma32', value: D.slab.dma32.count,
					     text: count(D.slab.dma32.count) }, { text: bytes(D.slab.dma32.bytes_req) }],
		]);
		note(s, 'call sites asking for GFP_DMA / GFP_DMA32:');
		bars(s, 'dma-sites', D.callsites.map(r => ({ label: site(r), value: r.dma })), count);
		note(s, 'page requests placed in ZONE_DMA / ZONE_DMA32, by order:');
		bars(s, 'dma-zone-pages', D.zone_pages.map(r => ({
			label: `${r.zone} order ${r.order}`, value: r.requests, extra: { pages: r.pages } })),
		     count);
	}

	function outstanding(R) {
		const O = R.outstanding;
		if (!O)
			return;
		const s = section('outstanding', 'Outstanding (not freed) by call site');
		note(s, `${count(O.count)} objects (${bytes(O.bytes_alloc)}) and ${count(O.pages)} pages ` +
			'not freed by the end');
		bars(s, 'outstanding-sites', O.callsites.map(r => ({ label: site(r), value: r.bytes_alloc,
			extra: { count: r.count } })), bytes);
	}

	function ns(n) {
		const v = Number(n);
		return v >= 1e9 ? (v / 1e9).toFixed(2) + ' s' : v >= 1e6 ? (v / 1e6).toFixed(2) + ' ms' :
		       v >= 1e3 ? (v / 1e3).toFixed(1) + ' \u00b5s' : v + ' ns';
	}

	/* trace --reclaim: how long sleeping allocations were suspended, per call site */
	function reclaim(R) {
		const C = R.reclaim;
		if (!C)
			return;
		const s = section('reclaim', 'Reclaim and compaction stalls by call site');
		if (!C.enabled) {
			note(s, 'not traced: ' + (C.reason || 'no stall events'));
			return;
		}
		note(s, `${count(C.stalls)} stalls, ${ns(C.stall_ns)} suspended (direct reclaim ` +
		     `${ns(C.direct_reclaim_ns)}, memcg reclaim ${ns(C.memcg_reclaim_ns)}, compaction ` +
		     `${ns(C.compaction_ns)})`);
		bars(s, 'reclaim-sites', C.callsites.map(r => ({
			label: r.function + (r.offset ? '+0x' + r.offset.toString(16) : '') +
			       (r.module ? ' [' + r.module + ']' : '') + ' ' + r.kind +
			       (r.cache ? ' (' + r.cache + ')' : '') +
			       (r.order !== undefined && r.order !== null ? ' order ' + r.order : ''),
			value: r.stall_ns, extra: { stalls: r.stalls },
			title: `${count(r.stalls)} stalls, ${ns(r.stall_ns)}` })), ns);
		columns(s, 'reclaim-histogram', C.histogram.map(b => ({ label: '\u2265 ' + ns(b.ns),
			short: ns(b.ns), value: b.count, extra: { ns: b.ns } })), count);
	}

	/* trace --vmalloc: vmalloc areas (kvmalloc fallbacks marked) and per-CPU bytes, per call site */
	function vmalloc(R) {
		const parts = [['vmalloc', 'vmalloc areas by call site', 'bytes'],
			       ['percpu', 'Per-CPU allocations by call site (bytes on all possible CPUs)',
				'bytes_all_cpus']];
		parts.forEach(([key, title, field]) => {
			const V = R[key];
			if (!V)
				return;
			const s = section(key, title);
			if (!V.enabled) {
				note(s, 'not traced: ' + (V.reason || 'no events'));
				return;
			}
			note(s, key === 'vmalloc'
				? `${count(V.count)} areas, ${bytes(V.bytes)} (guard pages included), ` +
				  `${count(V.kvmalloc_fallbacks)} kvmalloc fallbacks ` +
				  `(${bytes(V.kvmalloc_fallback_bytes)}), ${bytes(V.outstanding_bytes)} ` +
				  `outstanding, ${count(V.failures)} failures`
				: `${count(V.count)} allocations, ${bytes(V.bytes)} per CPU x ` +
				  `${V.possible_cpus} possible CPUs = ${bytes(V.bytes_all_cpus)}, ` +
				  `${count(V.failures)} failures`);
			bars(s, key + '-sites', V.callsites.map(r => ({
				label: r.function + (r.offset ? '+0x' + r.offset.toString(16) : '') +
				       (r.module ? ' [' + r.module + ']' : '') +
				       (r.kvmalloc ? ' kvmalloc fallback' : '') +
				       (r.page_array ? ' page array' : ''),
				value: r[field], extra: { count: r.count, outstanding: r.outstanding_bytes },
				title: `${count(r.count)} x, ${bytes(r[field])}` })), bytes);
		});
	}

	/* trace --dma: the DMA API per device and per call site (docs/dma.md) */
	function dmaApi(R) {
		const A = R.dma_api;
		if (!A)
			return;
		const s = section('dma-api', 'DMA API by device and call site');
		if (!A.enabled) {
			note(s, 'not traced: ' + (A.reason || 'no DMA API events'));
			return;
		}
		const T = A.total, c = (key, v, f) => ({ key: key, value: v, text: (f || count)(v) });
		const coh = u => u.coherent.bytes + u.pages.bytes;
		const live = u => u.coherent.outstanding_bytes + u.pages.outstanding_bytes +
				  u.streaming.outstanding_bytes;
		const D = T.streaming.by_direction;
		table(s, 'dma-api', ['', 'count', 'bytes', 'outstanding', 'outstanding bytes'], [
			['coherent allocations', c('coherent', T.coherent.count + T.pages.count),
			 c('coherent_bytes', coh(T), bytes),
			 c('coherent_outstanding', T.coherent.outstanding + T.pages.outstanding),
			 c('coherent_outstanding_bytes', T.coherent.outstanding_bytes +
			   T.pages.outstanding_bytes, bytes)],
			['streaming mappings', c('mappings', T.streaming.count),
			 c('mapped_bytes', T.streaming.bytes, bytes),
			 c('mappings_outstanding', T.streaming.outstanding),
			 c('mapped_outstanding_bytes', T.streaming.outstanding_bytes, bytes)],
			['  to device', c('to_device', D.to_device.count),
			 c('to_device_bytes', D.to_device.bytes, bytes),
			 c('to_device_outstanding', D.to_device.outstanding), { text: '' }],
			['  from device', c('from_device', D.from_device.count),
			 c('from_device_bytes', D.from_device.bytes, bytes),
			 c('from_device_outstanding', D.from_device.outstanding), { text: '' }],
			['  bidirectional', c('bidirectional', D.bidirectional.count),
			 c('bidirectional_bytes', D.bidirectional.bytes, bytes),
			 c('bidirectional_outstanding', D.bidirectional.outstanding), { text: '' }],
			['swiotlb bounces', c('bounces', T.bounced.count),
			 c('bounced_bytes', T.bounced.bytes, bytes), { text: '' }, { text: '' }],
		]);
		const lost = [];
		for (const k in A.dropped)
			if (A.dropped[k])
				lost.push([k, c('dma_api.dropped.' + k, A.dropped[k])]);
		if (lost.length) {
			const box = el('div', { class: 'lost' });
			box.appendChild(el('strong', {}, 'DMA API events lost or counted in part (docs/dma.md):'));
			table(box, 'dma-lost', ['counter', 'events'], lost);
			s.appendChild(box);
		}
		const row = (r, label) => ({ label: label, value: coh(r) + r.streaming.bytes + r.bounced.bytes,
			extra: { coherent: coh(r), mapped: r.streaming.bytes, mappings: r.streaming.count,
				 bounced: r.bounced.bytes, outstanding: live(r) },
			title: `${bytes(coh(r))} coherent, ${count(r.streaming.count)} mappings of ` +
			       `${bytes(r.streaming.bytes)}, ${bytes(r.bounced.bytes)} bounced, ` +
			       `${bytes(live(r))} outstanding` });
		note(s, 'bytes allocated, mapped and bounced, by device:');
		bars(s, 'dma-devices', A.devices.map(r => row(r, r.device + ' [' +
			(r.driver || 'no driver') + ']')), bytes);
		note(s, 'by call site (the driver\'s function that called the DMA API) and device:');
		bars(s, 'dma-callsites', A.callsites.map(r => row(r, r.function +
			(r.offset ? '+0x' + r.offset.toString(16) : '') +
			(r.module ? ' [' + r.module + ']' : '') + ' (' + r.device + ')')), bytes);
	}

	/* ---- the flame graph: folded stacks, outermost frame at the bottom ---- */

	function tree(stacks) {
		const root = { name: 'all', value: 0, kids: new Map(), parent: null, depth: 0 };
		let depth = 0;
		for (const st of stacks) {
			let n = root;
			root.value += st.bytes;
			for (const f of st.frames.split(';')) {
				let k = n.kids.get(f);
				if (!k) {
					k = { name: f, value: 0, kids: new Map(), parent: n, depth: n.depth + 1 };
					n.kids.set(f, k);
				}
				k.value += st.bytes;
				n = k;
				depth = Math.max(depth, k.depth);
			}
		}
		root.maxDepth = depth;
		return root;
	}

	function hue(name) {
		let h = 0;
		for (let i = 0; i < name.length; i++)
			h = (h * 31 + name.charCodeAt(i)) >>> 0;
		/* a module's frames in blue-green, the kernel's in flame colours */
		return name.indexOf(' [') > 0 ? `hsl(${170 + h % 40},55%,65%)` : `hsl(${10 + h % 40},80%,${58 + h % 12}%)`;
	}

	function flame(D) {
		const s = section('flame', 'Flame graph of the allocation stacks (bytes allocated)');
		note(s, 'click a frame to zoom in, the bottom frame to zoom out');
		if (D.missing)
			note(s, `${D.missing} stacks were no longer in the stack map and are not shown`);
		if (!D.stacks.length) {
			s.appendChild(el('p', { class: 'empty', 'data-chart': 'flame' }, 'no stacks'));
			return;
		}
		const root = tree(D.stacks), H = 17;
		const height = (root.maxDepth + 1) * H + 4;
		const g = svg('svg', { class: 'flame', 'data-chart': 'flame', width: W, height: height,
				       viewBox: `0 0 ${W} ${height}` });
		const hidden = el('p', { class: 'note' });
		s.appendChild(g);
		s.appendChild(hidden);

		function frame(n, x, w, cls) {
			const f = svg('g', { class: cls, 'data-name': n.name, 'data-value': String(n.value),
					     'data-depth': n.depth });
			const y = height - (n.depth + 1) * H;
			f.appendChild(svg('title', {}, `${n.name}: ${bytes(n.value)} ` +
					  `(${(100 * n.value / root.value).toFixed(2)} %)`));
			f.appendChild(svg('rect', { x: x.toFixed(2), y: y, width: Math.max(w - 0.5, 0.1).toFixed(2),
						    height: H - 1, fill: hue(n.name) }));
			if (w > 30)
				f.appendChild(svg('text', { x: (x + 3).toFixed(2), y: y + 12 }, fit(n.name, w - 6)));
			f.addEventListener('click', () => draw(n === focus && n.parent ? n.parent : n));
			g.appendChild(f);
		}

		let focus = root;
		function draw(to) {
			focus = to;
			while (g.firstChild)
				g.removeChild(g.firstChild);
			let skipped = 0;
			for (let a = focus.parent; a; a = a.parent)
				frame(a, 0, W, 'frame ancestor');
			(function lay(n, x) {
				const w = W * n.value / focus.value;
				if (w < 0.3) {
					skipped++;
					return;
				}
				frame(n, x, w, 'frame');
				const kids = [...n.kids.values()].sort((a, b) => a.name < b.name ? -1 : 1);
				for (const k of kids) {
					lay(k, x);
					x += W * k.value / focus.value;
				}
			})(focus, 0);
			hidden.textContent = skipped ? `${skipped} frames too narrow to draw at this zoom` : '';
		}
		draw(root);
	}

	const R = data('kmscope-report');
	const stacks = data('kmscope-stacks');
	summary(R);
	sizes(R);
	waste(R);
	failures(R);
	dma(R);
	pages(R);
	outstanding(R);
	reclaim(R);
	vmalloc(R);
	dmaApi(R);
	if (stacks)
		flame(stacks);
	document.body.setAttribute('data-drawn', 'yes');
})();
