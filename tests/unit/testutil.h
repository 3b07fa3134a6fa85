/* testutil — what several unit tests need: whole fixture files read and
 * written, golden output comparison (DP_UPDATE_GOLDEN=1 rewrites the
 * expected file), a scratch directory, tracepoint formats and /proc/net
 * counter snapshots read from fixtures.  Include after cmocka.h. */
#ifndef DROPPROF_TESTUTIL_H
#define DROPPROF_TESTUTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dropprof/kernel/procnet.h"
#include "dropprof/kernel/tp_format.h"

/* The whole file, NUL-terminated (*len, when not NULL, gets its size);
 * NULL when it cannot be read. */
static inline char *dp_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		rewind(f);
		buf = calloc(1, (size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf && len)
			*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* Write len bytes of buf to path (created or replaced). */
static inline void dp_test_spill(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A new empty directory under $TMPDIR (or /tmp); free() the name. */
static inline char *dp_test_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = NULL;

	assert_true(asprintf(&dir, "%s/dropprof-test-XXXXXX",
			     tmp && tmp[0] ? tmp : "/tmp") > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Remove dir and everything in it (directories too: a fixture /proc/net
 * has stat/), and free the name.  No-op on NULL. */
static inline void dp_test_rmdir(char *dir)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *path = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
		if (unlink(path) < 0)
			dp_test_rmdir(path);	/* frees path */
		else
			free(path);
	}
	if (d)
		closedir(d);
	if (dir)
		rmdir(dir);
	free(dir);
}

/* out must equal the file at path; DP_UPDATE_GOLDEN=1 writes it first. */
static inline void dp_test_golden(const char *out, const char *path)
{
	char *want;

	if (getenv("DP_UPDATE_GOLDEN"))
		dp_test_spill(path, out, strlen(out));
	want = dp_test_slurp(path, NULL);
	assert_non_null(want);
	assert_string_equal(out, want);
	free(want);
}

/* Parse tests/fixtures/tp/<name> into *fmt. */
static inline void dp_test_load_format(struct dp_tp_format *fmt, const char *name)
{
	char path[256], *text;

	snprintf(path, sizeof(path), "tests/fixtures/tp/%s", name);
	text = dp_test_slurp(path, NULL);
	assert_non_null(text);
	assert_int_equal(dp_tp_format_parse(fmt, text), 0);
	free(text);
}

/* Snapshot the counter files of dir (a fixture) into *c, which must work. */
static inline void dp_test_snapshot(struct dp_counters *c, const char *dir)
{
	*c = (struct dp_counters){ 0 };
	assert_int_equal(dp_counters_snapshot(c, dir), 0);
}

/* A snapshot is sorted by name, names unique. */
static inline void dp_test_assert_sorted(const struct dp_counters *c)
{
	for (size_t i = 1; i < c->nr; i++)
		if (strcmp(c->v[i - 1].name, c->v[i].name) >= 0)
			fail_msg("'%s' before '%s'", c->v[i - 1].name, c->v[i].name);
}

/* Drops a fixture profile lost on cpu: what the recorder's reconciliation
 * (record/demux.c) leaves in a profile. */
#define dp_test_add_lost(prof, cpu, n) do {			\
	(prof)->lost += (n);					\
	if ((size_t)(cpu) < (prof)->nr_cpu_slots)		\
		(prof)->cpu_lost[(cpu)] += (n);			\
} while (0)

#endif
