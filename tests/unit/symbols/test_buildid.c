/* test_buildid — unit tests for build-ids (src/symbols/buildid.c): the
 * note walker on good and hostile buffers, the notes file reader, the
 * build-id of the fixture vmlinux (against readelf when it is installed),
 * truncated and garbage ELF files, and the hex form.
 *
 * Fixtures in tests/fixtures/vmlinux/ (raw /sys/kernel/notes format, this
 * machine's byte order: little-endian):
 *   notes, notes-other      Linux and Xen notes around the GNU build-id of
 *                           the fixture vmlinux / of vmlinux-other
 *   notes-none              no GNU note
 *   notes-truncated         the GNU descriptor cut short
 *   notes-short-header      5 bytes of a note header at the end
 *   notes-namesz-overflow   namesz 0xfffffffe (its padding would wrap 32 bits)
 *   notes-descsz-overflow   descsz 0xffffffff
 *   notes-empty-id          a GNU build-id of 0 bytes
 *   notes-huge-id           a GNU build-id of 65 bytes
 *   notes-gnu-other-type    a GNU note of another type, a "GNUX" note of
 *                           type 3, then the real one
 * The fixture ELF files are built by the GNUmakefile (mkvmlinux.sh) and
 * named by -D defines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/symbols/buildid.h"
#include "dropprof/util/error.h"
#include "testutil.h"

#ifndef DP_FIXTURE_VMLINUX
#error "built by the GNUmakefile, which defines the fixture paths"
#endif

#define NOTES(name) "tests/fixtures/vmlinux/" name

static void assert_id(const struct dp_buildid *b, const char *hex)
{
	char buf[DP_BUILDID_HEX_SIZE];

	assert_string_equal(dp_buildid_hex(b, buf, sizeof(buf)), hex);
}

/* The walker on an exact-size heap copy, so ASan sees any over-read. */
static int walk(const void *buf, size_t len, struct dp_buildid *out)
{
	void *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	r = dp_buildid_from_notes(copy, len, out);
	free(copy);
	return r;
}

static void test_notes_fixture(void **state)
{
	struct dp_buildid b;

	assert_int_equal(dp_buildid_read_notes(NOTES("notes"), &b), 0);
	assert_int_equal(b.len, 20);
	assert_id(&b, DP_FIXTURE_BUILDID);
	assert_int_equal(dp_buildid_read_notes(NOTES("notes-other"), &b), 0);
	assert_id(&b, DP_FIXTURE_BUILDID_OTHER);
	assert_int_equal(dp_buildid_read_notes(NOTES("notes-gnu-other-type"), &b), 0);
	assert_id(&b, DP_FIXTURE_BUILDID);
}

static void test_notes_hostile_files(void **state)
{
	static const struct {
		const char *name;
		int ret;
	} cases[] = {
		{ "notes-none", -ENOENT },
		{ "notes-truncated", -EINVAL },
		{ "notes-short-header", -EINVAL },
		{ "notes-namesz-overflow", -EINVAL },
		{ "notes-descsz-overflow", -EINVAL },
		{ "notes-empty-id", -EINVAL },
		{ "notes-huge-id", -EINVAL },
		{ "no-such-notes", -ENOENT },
	};
	struct dp_buildid b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[256];
		int r;

		snprintf(path, sizeof(path), NOTES("%s"), cases[i].name);
		b.len = 7;
		r = dp_buildid_read_notes(path, &b);
		if (r != cases[i].ret)
			fail_msg("%s: %d, want %d", cases[i].name, r, cases[i].ret);
		assert_int_equal(b.len, 0);
	}
}

/* Every prefix of a good notes file: an id only once the whole GNU
 * descriptor is in, -EINVAL for a cut inside a note, -ENOENT for a cut
 * between notes before it. */
static void test_notes_every_prefix(void **state)
{
	size_t len = 0, gnu_start = 0x3c, gnu_end = 0x3c + 12 + 4 + 20;
	char *buf = dp_test_slurp(NOTES("notes"), &len);
	struct dp_buildid b;

	assert_non_null(buf);
	assert_memory_equal(buf + gnu_start + 12, "GNU", 4);
	for (size_t n = 0; n <= len; n++) {
		int r = walk(buf, n, &b);

		if (n >= gnu_end) {
			assert_int_equal(r, 0);
			assert_id(&b, DP_FIXTURE_BUILDID);
		} else if (n == 0 || n == 0x18 || n == gnu_start) {
			assert_int_equal(r, -ENOENT);     /* whole notes, no GNU one */
		} else if (r != -EINVAL) {
			fail_msg("prefix of %zu bytes: %d", n, r);
		}
	}
	free(buf);
}

static size_t put_note(unsigned char *p, uint32_t namesz, uint32_t descsz,
		       uint32_t type, const char *name, size_t name_bytes,
		       const void *desc, size_t desc_bytes)
{
	uint32_t h[3] = { namesz, descsz, type };
	size_t off = sizeof(h);

	memcpy(p, h, sizeof(h));
	memcpy(p + off, name, name_bytes);
	off += (name_bytes + 3) & ~(size_t)3;
	memcpy(p + off, desc, desc_bytes);
	off += (desc_bytes + 3) & ~(size_t)3;
	return off;
}

static void test_notes_crafted(void **state)
{
	static const unsigned char id[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					      12, 13, 14, 15, 16, 17, 18, 19, 20 };
	unsigned char buf[256];
	struct dp_buildid b;
	size_t n;

	/* Nothing at all, and nothing but a header of zeros: a note with
	 * empty name and descriptor is a note, not the end. */
	assert_int_equal(dp_buildid_from_notes(NULL, 0, &b), -ENOENT);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(walk(buf, 12, &b), -ENOENT);
	assert_int_equal(walk(buf, 24, &b), -ENOENT);
	assert_int_equal(walk(buf, 11, &b), -EINVAL);

	/* Odd sizes padded to 4: "Linux" (6) and a 5-byte descriptor. */
	n = put_note(buf, 6, 5, 0x100, "Linux", 6, "abcde", 5);
	assert_int_equal(n, 12 + 8 + 8);
	n += put_note(buf + n, 4, 20, 3, "GNU", 4, id, 20);
	assert_int_equal(walk(buf, n, &b), 0);
	assert_int_equal(b.len, 20);
	assert_memory_equal(b.id, id, 20);

	/* The last descriptor may end without its padding. */
	n = put_note(buf, 4, 5, 3, "GNU", 4, id, 5);
	assert_int_equal(walk(buf, n - 3, &b), 0);
	assert_int_equal(b.len, 5);

	/* Sizes that wrap in 32 bits, and that are merely huge. */
	n = put_note(buf, 0xfffffffd, 0, 1, "", 0, "", 0);
	assert_int_equal(walk(buf, 64, &b), -EINVAL);
	n = put_note(buf, 4, 0xfffffffc, 3, "GNU", 4, "", 0);
	assert_int_equal(walk(buf, 64, &b), -EINVAL);
	n = put_note(buf, 0x7fffffff, 0x7fffffff, 3, "GNU", 4, "", 0);
	assert_int_equal(walk(buf, 64, &b), -EINVAL);

	/* "GNU" without its NUL, or with a longer name, is not the one. */
	n = put_note(buf, 3, 20, 3, "GNU", 3, id, 20);
	assert_int_equal(walk(buf, n, &b), -ENOENT);
	n = put_note(buf, 5, 20, 3, "GNU\0\0", 5, id, 20);
	assert_int_equal(walk(buf, n, &b), -ENOENT);

	/* The largest id accepted, and one byte more. */
	{
		unsigned char big[12 + 4 + DP_BUILDID_MAX + 4], desc[DP_BUILDID_MAX + 1];

		memset(desc, 0x5a, sizeof(desc));
		n = put_note(big, 4, DP_BUILDID_MAX, 3, "GNU", 4, desc, DP_BUILDID_MAX);
		assert_int_equal(walk(big, n, &b), 0);
		assert_int_equal(b.len, DP_BUILDID_MAX);
		n = put_note(big, 4, DP_BUILDID_MAX + 1, 3, "GNU", 4, desc, DP_BUILDID_MAX + 1);
		assert_int_equal(walk(big, n, &b), -EINVAL);
	}
}

/* readelf's view of the file's build-id, or NULL when readelf is missing. */
static char *readelf_buildid(const char *path)
{
	char cmd[512], line[512], *id = NULL;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	while (fgets(line, sizeof(line), p)) {
		char *s = strstr(line, "Build ID: ");

		if (s && !id) {
			s += strlen("Build ID: ");
			s[strcspn(s, " \r\n")] = '\0';
			id = strdup(s);
		}
	}
	pclose(p);
	return id;
}

static void test_elf_fixture(void **state)
{
	struct dp_err err = DP_ERR_INIT;
	struct dp_buildid b;
	char *ref;

	assert_int_equal(dp_buildid_read_elf(DP_FIXTURE_VMLINUX, &b, &err), 0);
	assert_id(&b, DP_FIXTURE_BUILDID);
	ref = readelf_buildid(DP_FIXTURE_VMLINUX);
	if (ref)
		assert_string_equal(ref, DP_FIXTURE_BUILDID);
	else
		print_message("readelf not found: the build-id is checked against the make variable only\n");
	free(ref);

	assert_int_equal(dp_buildid_read_elf(DP_FIXTURE_VMLINUX_OTHER, &b, &err), 0);
	assert_id(&b, DP_FIXTURE_BUILDID_OTHER);

	/* No build-id is not an error: len 0. */
	b.len = 3;
	assert_int_equal(dp_buildid_read_elf(DP_FIXTURE_VMLINUX_NOID, &b, &err), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(err.code, 0);
	dp_err_release(&err);
}

static void assert_one_line(const struct dp_err *err, const char *needle)
{
	const char *msg = dp_err_msg(err);

	assert_null(strchr(msg, '\n'));
	if (!strstr(msg, needle))
		fail_msg("'%s' does not say '%s'", msg, needle);
}

static void test_elf_bad_files(void **state)
{
	struct dp_err err = DP_ERR_INIT;
	char *dir = dp_test_tmpdir(), *path = NULL, *img;
	struct dp_buildid b;
	size_t len = 0;
	/* Cuts inside the ELF header, inside the first page, half way, and
	 * just before the end (the section headers are last). */
	size_t cuts[] = { 0, 10, 63, 100, 4096, 0, 0 };

	assert_int_equal(dp_buildid_read_elf("/nonexistent/vmlinux", &b, &err), -ENOENT);
	assert_one_line(&err, "/nonexistent/vmlinux");

	assert_true(asprintf(&path, "%s/bad", dir) > 0);
	dp_test_spill(path, "this is no ELF file\n", 20);
	assert_int_equal(dp_buildid_read_elf(path, &b, &err), -EINVAL);
	assert_one_line(&err, "not an ELF file");

	img = dp_test_slurp(DP_FIXTURE_VMLINUX, &len);
	assert_non_null(img);
	cuts[5] = len / 2;
	cuts[6] = len - 1;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		int r;

		/* A cut file is refused even where the note survives. */
		dp_test_spill(path, img, cuts[i]);
		r = dp_buildid_read_elf(path, &b, &err);
		if (r != -EINVAL)
			fail_msg("cut at %zu of %zu bytes: %d", cuts[i], len, r);
		assert_one_line(&err, path);
		assert_int_equal(b.len, 0);
	}
	free(img);
	unlink(path);
	free(path);
	dp_test_rmdir(dir);
	dp_err_release(&err);
}

static void test_hex_parse_equal(void **state)
{
	struct dp_buildid a, b, none = { .len = 0 };
	char buf[DP_BUILDID_HEX_SIZE], small[5];

	assert_int_equal(dp_buildid_parse(DP_FIXTURE_BUILDID, &a), 0);
	assert_int_equal(a.len, 20);
	assert_id(&a, DP_FIXTURE_BUILDID);
	assert_int_equal(dp_buildid_parse("0D1E2F3A4B5C6D7E8F90A1B2C3D4E5F60718293A", &b), 0);
	assert_true(dp_buildid_equal(&a, &b));
	assert_int_equal(dp_buildid_parse(DP_FIXTURE_BUILDID_OTHER, &b), 0);
	assert_false(dp_buildid_equal(&a, &b));
	b = a;
	b.len = 19;
	assert_false(dp_buildid_equal(&a, &b));
	assert_false(dp_buildid_equal(&none, &none));
	assert_false(dp_buildid_equal(&a, &none));

	assert_string_equal(dp_buildid_hex(&none, buf, sizeof(buf)), "");
	assert_string_equal(dp_buildid_hex(&a, small, sizeof(small)), "0d1e");
	assert_string_equal(dp_buildid_hex(&a, small, 4), "0d");

	b.len = 9;
	assert_int_equal(dp_buildid_parse("", &b), -EINVAL);
	assert_int_equal(dp_buildid_parse("abc", &b), -EINVAL);
	assert_int_equal(dp_buildid_parse("0x12", &b), -EINVAL);
	assert_int_equal(dp_buildid_parse("zz", &b), -EINVAL);
	assert_int_equal(dp_buildid_parse("12 4", &b), -EINVAL);
	assert_int_equal(b.len, 9);     /* untouched on failure */
	{
		char longest[2 * DP_BUILDID_MAX + 3];

		memset(longest, 'a', sizeof(longest));
		longest[2 * DP_BUILDID_MAX] = '\0';
		assert_int_equal(dp_buildid_parse(longest, &b), 0);
		assert_int_equal(b.len, DP_BUILDID_MAX);
		longest[2 * DP_BUILDID_MAX] = 'a';
		longest[2 * DP_BUILDID_MAX + 2] = '\0';
		assert_int_equal(dp_buildid_parse(longest, &b), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notes_fixture),
		cmocka_unit_test(test_notes_hostile_files),
		cmocka_unit_test(test_notes_every_prefix),
		cmocka_unit_test(test_notes_crafted),
		cmocka_unit_test(test_elf_fixture),
		cmocka_unit_test(test_elf_bad_files),
		cmocka_unit_test(test_hex_parse_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
