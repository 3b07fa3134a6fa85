/* Hostile and careless files for the profile reader (.dprof): cut
 * short, a byte flipped anywhere, a header that lies, versions it does not
 * read, the right magic with garbage after it, files that are no profile
 * at all.  Each must be one clear error line, never a crash, a leak, a
 * hang or a huge allocation, and the message must say the right thing: a
 * damaged file is "corrupted" or "truncated", only a sound header of a
 * higher major is "a newer version", and a file that is no profile is not
 * read whole.
 *
 * Payloads that pass the CRC but lie are test_profile_lies*.c's; files
 * that must load are test_profile_roundtrip.c's and
 * test_profile_versions.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <cmocka.h>

#include "profile_fixture.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the whole file ---- */

static void test_truncation(void **state)
{
	struct fixture *fx = *state;
	struct tbuf longer = { 0 };

	for (size_t cut = 0; cut < fx->len; cut++) {
		struct dp_profile p;
		struct dp_symmap m;
		struct dp_err err = DP_ERR_INIT;
		/* A copy of exactly cut bytes, so ASan and valgrind see any
		 * read past the end. */
		unsigned char *buf = malloc(cut ? cut : 1);

		assert_non_null(buf);
		memcpy(buf, fx->file, cut);
		assert_int_equal(dp_profile_decode(buf, cut, &p, &m, &err),
				 -EINVAL);
		assert_one_line(dp_err_msg(&err));
		assert_mentions(dp_err_msg(&err), cut < 8 ? "not a dropprof profile" : "truncated");
		assert_nothing_held(&p, &m);
		free(buf);
		dp_err_release(&err);
	}
	/* Bytes after the end are corruption too. */
	tput(&longer, fx->file, fx->len);
	tput(&longer, "\0\0\0", 3);
	expect_reject(longer.p, longer.len, -EINVAL, "corrupted");
	tfree(&longer);
}

/* Flip one byte of the file at each offset.  Outside the header it is
 * inside the zlib stream, so anything that still decodes must carry the
 * very same payload (CRC) and report the same. */
static void test_corrupt_file(void **state)
{
	struct fixture *fx = *state;
	const unsigned char masks[] = { 0xff, 0x01 };
	size_t step = fx->len < FULL_SCAN_MAX ? 1 : fx->len / 1024;
	size_t accepted = 0, rejected = 0;
	unsigned char *buf = malloc(fx->len);

	assert_non_null(buf);
	for (size_t off = 0; off < fx->len; off += step) {
		for (size_t k = 0; k < 2; k++) {
			struct dp_profile p;
			struct dp_symmap m;
			struct dp_err err = DP_ERR_INIT;
			int ret;

			memcpy(buf, fx->file, fx->len);
			buf[off] ^= masks[k];
			ret = dp_profile_decode(buf, fx->len, &p, &m, &err);
			if (ret) {
				unsigned major = (unsigned)get_le(buf + 8, 2);

				rejected++;
				assert_int_equal(ret, major > DP_PROFILE_MAJOR ?
						 -EPROTONOSUPPORT : -EINVAL);
				assert_one_line(dp_err_msg(&err));
				if (off < 8)
					assert_mentions(dp_err_msg(&err), "not a dropprof profile");
				if (ret == -EINVAL)
					assert_null(strstr(dp_err_msg(&err), "newer"));
				assert_nothing_held(&p, &m);
				/* Any newer minor version of this major loads;
				 * an older one may not know a section this
				 * file has (SCOP is 2.1). */
				if (off == 10 || off == 11)
					assert_true(get_le(buf + 10, 2) < DP_PROFILE_MINOR);
				dp_err_release(&err);
				continue;
			}
			accepted++;
			/* Magic, major, sizes and CRC are all checked. */
			if (off < 10 || (off >= 16 && off < 32))
				fail_msg("flip 0x%02x at %zu accepted", masks[k], off);
			check_sane(&p, &m);
			{
				char *text = render(&p, &m, DP_FORMAT_TEXT);

				assert_string_equal(text, fx->out[0]);
				free(text);
			}
			dp_profile_release(&p);
			dp_symmap_release(&m);
			dp_err_release(&err);
		}
	}
	assert_true(accepted >= 4);     /* the two minor-version bytes */
	assert_true(rejected > fx->len);
	free(buf);
}

/* ---- the header ---- */

static void test_lies_in_header(void **state)
{
	struct fixture *fx = *state;
	unsigned char *buf = malloc(fx->len);
	uint64_t plen = get_le(fx->file + 16, 8);
	const struct {
		int at, bytes;
		uint64_t value;
		const char *want;
	} lies[] = {
		{ 16, 8, 0, "impossible payload size" },
		{ 16, 8, DP_PROFILE_MAX_PAYLOAD + 1ULL, "impossible payload size" },
		{ 16, 8, UINT64_MAX, "impossible payload size" },
		{ 16, 8, plen + 1, "checksum" },
		{ 16, 8, plen - 1, "checksum" },
		{ 24, 4, 0, "checksum" },
		{ 28, 4, fx->len - 32 + 1, "truncated" },
		{ 28, 4, fx->len - 32 - 1, "corrupted" },
		{ 28, 4, UINT32_MAX, "impossible compressed size" },
	};

	assert_non_null(buf);
	for (size_t i = 0; i < ARRAY_SIZE(lies); i++) {
		memcpy(buf, fx->file, fx->len);
		set_le(buf + lies[i].at, lies[i].value, lies[i].bytes);
		expect_reject(buf, fx->len, -EINVAL, lies[i].want);
	}
	free(buf);
}

/* Majors 1 and 2 are read (1.x as reason strata: test_profile_versions.c),
 * 3 and up are newer, 0 was never written. */
static void test_version(void **state)
{
	struct fixture *fx = *state;
	unsigned char *buf = malloc(fx->len);
	char want[32];

	assert_non_null(buf);
	assert_int_equal(DP_PROFILE_MAJOR, 2);
	memcpy(buf, fx->file, fx->len);
	set_le(buf + 8, DP_PROFILE_MAJOR + 1, 2);
	snprintf(want, sizeof(want), "%u.%u", DP_PROFILE_MAJOR + 1, DP_PROFILE_MINOR);
	expect_reject(buf, fx->len, -EPROTONOSUPPORT, "newer dropprof");
	expect_reject(buf, fx->len, -EPROTONOSUPPORT, want);
	expect_reject(buf, fx->len, -EPROTONOSUPPORT, "(2.x)");
	set_le(buf + 8, 0xffff, 2);
	expect_reject(buf, fx->len, -EPROTONOSUPPORT, "newer dropprof");
	/* Version 0 was never written. */
	set_le(buf + 8, 0, 2);
	expect_reject(buf, fx->len, -EINVAL, "corrupted profile (format version 0");
	/* A 2.0 payload under a 1.x header is read as 1.x: damage, not a
	 * newer file, in every 1.x minor. */
	set_le(buf + 8, 1, 2);
	expect_reject(buf, fx->len, -EINVAL, "corrupted profile");
	set_le(buf + 10, 1, 2);
	expect_reject(buf, fx->len, -EINVAL, "corrupted profile");
	set_le(buf + 10, 7, 2);
	expect_reject(buf, fx->len, -EINVAL, "corrupted profile");
	/* The header of a newer file is enough to say so, when its sizes
	 * match the file; when they do not, it is damage. */
	memcpy(buf, fx->file, 32);
	set_le(buf + 8, 3, 2);
	set_le(buf + 28, 0, 4);
	expect_reject(buf, 32, -EPROTONOSUPPORT, "newer dropprof");
	set_le(buf + 28, 100, 4);
	expect_reject(buf, 32, -EINVAL, "corrupted profile (format version 3.");
	/* Damage under a readable major is damage too. */
	set_le(buf + 8, 1, 2);
	expect_reject(buf, 32, -EINVAL, "truncated");
	set_le(buf + 8, 2, 2);
	expect_reject(buf, 32, -EINVAL, "truncated");
	free(buf);
}

/* A pseudo-random byte (a fixed sequence: the test is the same on every
 * run). */
static unsigned char lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (unsigned char)(*s >> 16);
}

/* Regression: the right magic and garbage after it was called "a newer
 * version" whenever the garbage's major was not 1.  Only a header that
 * holds together says so. */
static void test_garbage_after_magic(void **state)
{
	struct fixture *fx = *state;
	const size_t lens[] = { 32, 33, 100, 4096 };
	uint32_t seed = 7;
	char *path = NULL;

	assert_true(asprintf(&path, "%s/garbage.dprof", fx->tmpdir) > 0);
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		for (int round = 0; round < 50; round++) {
			unsigned char *buf = malloc(lens[i]);
			struct dp_profile p;
			struct dp_symmap m;
			struct dp_err err = DP_ERR_INIT;
			int ret;

			assert_non_null(buf);
			memcpy(buf, DP_PROFILE_MAGIC, 8);
			for (size_t k = 8; k < lens[i]; k++)
				buf[k] = lcg(&seed);
			/* Mostly the majors this reader reads and majors
			 * above: what used to be "newer". */
			if (round % 5)
				set_le(buf + 8, 1 + lcg(&seed) % 4, 2);
			ret = dp_profile_decode(buf, lens[i], &p, &m, &err);
			if (ret != -EINVAL || strstr(dp_err_msg(&err), "newer") ||
			    (!strstr(dp_err_msg(&err), "corrupted profile") &&
			     !strstr(dp_err_msg(&err), "truncated profile")))
				fail_msg("%zu bytes of garbage: %d '%s'", lens[i], ret, dp_err_msg(&err));
			assert_nothing_held(&p, &m);
			dp_test_spill(path, buf, lens[i]);
			dp_err_release(&err);
			memset(&p, 0, sizeof(p));
			memset(&m, 0, sizeof(m));
			assert_int_equal(dp_profile_load(path, &p, &m, &err),
					 -EINVAL);
			assert_null(strstr(dp_err_msg(&err), "newer"));
			assert_mentions(dp_err_msg(&err), path);
			free(buf);
			dp_err_release(&err);
		}
	}
	assert_int_equal(unlink(path), 0);
	free(path);
}

static void test_not_a_profile(void **state)
{
	static const unsigned char elf[64] = {
		0x7f, 'E', 'L', 'F', 2, 1, 1, 0, [16] = 2, 0, 0x3e, 0, 1,
	};
	const char *text = "dropprof 0.1.0  kernel 6.18.0-test  host fixture\n"
			   "recorded 2.00 s on 2 CPUs (0-1)\n";
	unsigned char empty[1] = { 0 };
	(void)state;

	expect_reject((const unsigned char *)text, strlen(text), -EINVAL,
		      "not a dropprof profile");
	expect_reject(empty, 0, -EINVAL, "not a dropprof profile");
	expect_reject(elf, sizeof(elf), -EINVAL, "not a dropprof profile");
	expect_reject((const unsigned char *)"DPROF", 5, -EINVAL,
		      "not a dropprof profile");
	expect_reject((const unsigned char *)"DPROF\0\n\r" "0123456789abcdef"
		      "0123456789abcdef", 40, -EINVAL, "not a dropprof profile");
}

/* ---- files ---- */

static void load_expect(const char *path, int ret, const char *want)
{
	struct dp_profile p;
	struct dp_symmap m;
	struct dp_err err = DP_ERR_INIT;
	int got;

	/* Garbage in, so "nothing held" shows that load cleared it. */
	memset(&p, 0xa5, sizeof(p));
	memset(&m, 0xa5, sizeof(m));
	got = dp_profile_load(path, &p, &m, &err);
	if (got != ret)
		fail_msg("load '%s' returned %d (want %d): %s", path, got, ret, dp_err_msg(&err));
	assert_one_line(dp_err_msg(&err));
	assert_mentions(dp_err_msg(&err), path);
	assert_mentions(dp_err_msg(&err), want);
	assert_nothing_held(&p, &m);
	dp_err_release(&err);
}

/* Loads that cannot work name the path and say why; a FIFO without a
 * writer does not hang. */
static void test_load_refuses(void **state)
{
	struct fixture *fx = *state;
	char *missing = NULL, *dir = NULL, *empty = NULL, *cut = NULL, *fifo = NULL;

	assert_true(asprintf(&missing, "%s/no/such/dir/run.dprof", fx->tmpdir) > 0);
	assert_true(asprintf(&dir, "%s/adir", fx->tmpdir) > 0);
	assert_true(asprintf(&empty, "%s/empty.dprof", fx->tmpdir) > 0);
	assert_true(asprintf(&cut, "%s/cut.dprof", fx->tmpdir) > 0);
	assert_true(asprintf(&fifo, "%s/fifo.dprof", fx->tmpdir) > 0);
	load_expect(missing, -ENOENT, "cannot open");
	assert_int_equal(mkdir(dir, 0700), 0);
	load_expect(dir, -EINVAL, "not a regular file");
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	load_expect(fifo, -EINVAL, "not a regular file");
	assert_int_equal(unlink(fifo), 0);
	dp_test_spill(empty, "", 0);
	load_expect(empty, -EINVAL, "not a dropprof profile");
	dp_test_spill(cut, fx->file, fx->len / 2);
	load_expect(cut, -EINVAL, "truncated");
	dp_test_spill(cut, fx->file, 20);
	load_expect(cut, -EINVAL, "header cut short");
	load_expect("/proc/self/exe", -EINVAL, "not a dropprof profile");
	assert_int_equal(unlink(cut), 0);
	assert_int_equal(unlink(empty), 0);
	free(missing);
	free(dir);
	free(empty);
	free(cut);
	free(fifo);
}

/* Bytes this process has read(2) so far (/proc/self/io rchar), or -1. */
static long long bytes_read(void)
{
	char line[128];
	long long v = -1;
	FILE *f = fopen("/proc/self/io", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %lld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* Regression: a file that is no profile was read whole (and allocated
 * for) before its magic was checked, and a file over the size limit was
 * refused as "too large" without a look at what it is.  Now the header
 * comes first, and its sizes are checked against the file's before the
 * rest is read or allocated. */
static void test_load_reads_header_first(void **state)
{
	struct fixture *fx = *state;
	char *path = NULL;
	unsigned char hdr[32];
	long long before, after;
	int fd;

	assert_true(asprintf(&path, "%s/big.bin", fx->tmpdir) > 0);
	/* 4 MiB that start like an ELF file. */
	{
		unsigned char *big = calloc(1, 4 << 20);

		assert_non_null(big);
		memcpy(big, "\x7f" "ELF", 4);
		dp_test_spill(path, big, 4 << 20);
		free(big);
	}
	before = bytes_read();
	load_expect(path, -EINVAL, "not a dropprof profile");
	after = bytes_read();
	if (before < 0 || after < 0) {
		print_message("no /proc/self/io: read count not checked\n");
	} else if (after - before > 64 * 1024) {
		fail_msg("%lld bytes read to refuse a file that is no profile",
			 after - before);
	}

	/* Larger than any profile (sparse, no disk used): what it is
	 * decides the message, not its size. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x7f" "ELF", 4), 4);
	assert_int_equal(ftruncate(fd, (off_t)300 << 20), 0);
	assert_int_equal(close(fd), 0);
	load_expect(path, -EINVAL, "not a dropprof profile");

	/* The magic and a header that claims the whole (sparse) file: too
	 * big for any profile, refused from the header alone. */
	memcpy(hdr, fx->file, 32);
	set_le(hdr + 28, ((uint64_t)300 << 20) - 32, 4);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, hdr, 32), 32);
	assert_int_equal(ftruncate(fd, (off_t)300 << 20), 0);
	assert_int_equal(close(fd), 0);
	before = bytes_read();
	load_expect(path, -EINVAL, "impossible compressed size");
	after = bytes_read();
	if (before >= 0 && after >= 0 && after - before > 64 * 1024)
		fail_msg("%lld bytes read to refuse a profile by its header",
			 after - before);
	assert_int_equal(unlink(path), 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_corrupt_file),
		cmocka_unit_test(test_lies_in_header),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_garbage_after_magic),
		cmocka_unit_test(test_not_a_profile),
		cmocka_unit_test(test_load_refuses),
		cmocka_unit_test(test_load_reads_header_first),
	};

	return cmocka_run_group_tests_name("profile_hostile", tests,
					   fixture_setup, fixture_teardown);
}
