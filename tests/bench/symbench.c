/* symbench — the DWARF symbolizer at scale: every address of a file
 * resolved once, all in one dp_dwarf_resolve_many() call, as the report
 * does with the unique addresses of a profile (--one-by-one: one
 * dp_dwarf_resolve() per address instead, to measure that path).
 *
 *   symbench [--print] [--one-by-one] ELF ADDRFILE
 *
 * ADDRFILE has one address a line, in hex (0x optional).  The ELF's own
 * addresses are used (runtime_stext = 0).  On stderr: the time of
 * dp_dwarf_open and of the resolve loop, addresses/s, peak RSS, and what
 * was found (frames with file:line, inlined frames, a checksum of every
 * name and line), so a run that finds less or something else shows.
 * --print writes what addr2line -a -f -i writes, on stdout, for comparison:
 *
 *   0x0000000000401234
 *   inner_function
 *   file.c:12
 *   outer_function
 *   file.c:80
 *
 * ("??" and "??:0" for what is unknown).  Exit status: 0, 1 when the ELF
 * cannot be opened or an address line is not hex, 2 for usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "dropprof/symbols/dwarf.h"
#include "dropprof/util/error.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* FNV-1a, 64 bits. */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	return hash_bytes(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static int read_addrs(const char *path, uint64_t **out, size_t *nr)
{
	FILE *f = fopen(path, "r");
	uint64_t *v = NULL;
	size_t n = 0, cap = 0;
	char line[128];
	unsigned long lineno = 0;

	if (!f) {
		fprintf(stderr, "symbench: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *end;
		uint64_t a;

		lineno++;
		if (line[0] == '\n' || line[0] == '#')
			continue;
		errno = 0;
		a = strtoull(line, &end, 16);
		if (errno || end == line || (*end && *end != '\n')) {
			fprintf(stderr, "symbench: '%s' line %lu is not a hex address\n",
				path, lineno);
			goto fail;
		}
		if (n == cap) {
			uint64_t *nv;

			cap = cap ? 2 * cap : 1024;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				fprintf(stderr, "symbench: out of memory\n");
				goto fail;
			}
			v = nv;
		}
		v[n++] = a;
	}
	if (ferror(f)) {
		fprintf(stderr, "symbench: cannot read '%s'\n", path);
		goto fail;
	}
	fclose(f);
	*out = v;
	*nr = n;
	return 0;
fail:
	fclose(f);
	free(v);
	return -1;
}

static void print_info(uint64_t addr, int rc, const struct dp_src_info *info)
{
	printf("0x%016" PRIx64 "\n", addr);
	if (rc || !info->nr_frames) {
		/* No line information: the ELF symbol is all there is. */
		printf("%s\n??:0\n", rc == 0 && info->symbol ? info->symbol : "??");
		return;
	}
	for (size_t i = 0; i < info->nr_frames; i++) {
		const struct dp_src_frame *fr = &info->frames[i];

		printf("%s\n%s:%" PRIu32 "\n", fr->function ? fr->function : "??",
		       fr->file ? fr->file : "??", fr->line);
	}
}

int main(int argc, char **argv)
{
	struct dp_dwarf_opts o = { 0 };
	struct dp_err err = DP_ERR_INIT;
	struct dp_dwarf *d = NULL;
	uint64_t *addrs = NULL, sum = 0xcbf29ce484222325ULL;
	size_t nr = 0, resolved = 0, missing = 0, nomem = 0, frames = 0;
	size_t with_line = 0, inlined = 0, addrs_inlined = 0, max_depth = 0;
	bool print = false, one_by_one = false;
	struct dp_src_info *infos;
	int *rcs;
	double t0, t1, t2;
	struct stat st;
	int i = 1, ret;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--print"))
			print = true;
		else if (!strcmp(argv[i], "--one-by-one"))
			one_by_one = true;
		else
			break;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: symbench [--print] [--one-by-one] ELF ADDRFILE\n");
		return 2;
	}
	o.path = argv[i];
	if (read_addrs(argv[i + 1], &addrs, &nr))
		return 1;

	t0 = now();
	ret = dp_dwarf_open(&d, &o, &err);
	t1 = now();
	if (ret) {
		fprintf(stderr, "symbench: %s\n", dp_err_msg(&err));
		dp_err_release(&err);
		free(addrs);
		return 1;
	}
	infos = calloc(nr ? nr : 1, sizeof(*infos));
	rcs = calloc(nr ? nr : 1, sizeof(*rcs));
	if (!infos || !rcs) {
		fprintf(stderr, "symbench: out of memory\n");
		return 1;
	}
	if (one_by_one) {
		for (size_t k = 0; k < nr; k++)
			rcs[k] = dp_dwarf_resolve(d, addrs[k], &infos[k]);
	} else {
		ret = dp_dwarf_resolve_many(d, addrs, nr, infos);
		for (size_t k = 0; k < nr; k++)
			rcs[k] = ret ? ret : infos[k].symbol || infos[k].nr_frames ? 0 : -ENOENT;
	}
	/* The time is the resolving; printing and counting come after. */
	t2 = now();
	for (size_t k = 0; k < nr; k++) {
		struct dp_src_info info = infos[k];
		size_t depth = 0;

		ret = rcs[k];
		if (print)
			print_info(addrs[k], ret, &info);
		if (ret == -ENOMEM)
			nomem++;
		if (ret) {
			missing++;
			dp_src_info_release(&info);
			continue;
		}
		resolved++;
		sum = hash_str(sum, info.symbol);
		for (size_t f = 0; f < info.nr_frames; f++) {
			const struct dp_src_frame *fr = &info.frames[f];

			frames++;
			if (fr->file && fr->line)
				with_line++;
			if (fr->inlined) {
				inlined++;
				depth++;
			}
			sum = hash_str(sum, fr->function);
			sum = hash_str(sum, fr->file);
			sum = hash_bytes(sum, &fr->line, sizeof(fr->line));
		}
		if (depth)
			addrs_inlined++;
		if (depth > max_depth)
			max_depth = depth;
		dp_src_info_release(&info);
	}
	free(infos);
	free(rcs);
	if (print && fflush(stdout)) {
		fprintf(stderr, "symbench: cannot write the output: %s\n", strerror(errno));
		return 1;
	}

	fprintf(stderr, "symbench: %s", o.path);
	if (!stat(o.path, &st))
		fprintf(stderr, " (%.1f MiB)", (double)st.st_size / 1048576.0);
	fprintf(stderr, ", %zu addresses\n", nr);
	fprintf(stderr, "open: %.3f s\n", t1 - t0);
	fprintf(stderr, "resolve%s: %.3f s (%.0f addresses/s, %.1f us each)\n",
		one_by_one ? " (one by one)" : "", t2 - t1,
		(double)nr / (t2 - t1), (t2 - t1) * 1e6 / (double)(nr ? nr : 1));
	fprintf(stderr, "total: %.3f s\n", t2 - t0);
	fprintf(stderr, "resolved %zu, not found %zu%s; frames %zu, with file:line %zu, "
		"inlined %zu (on %zu addresses, up to %zu deep); checksum %016" PRIx64 "\n",
		resolved, missing, nomem ? " (out of memory on some)" : "", frames,
		with_line, inlined, addrs_inlined, max_depth, sum);
	fprintf(stderr, "peak RSS: %.1f MiB\n", (double)peak_rss_kib() / 1024.0);
	dp_dwarf_free(d);
	free(addrs);
	return 0;
}
