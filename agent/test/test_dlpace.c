/* Download pacing: progress lines and retry backoff. */
#include "fixtures.h"

#include <stdio.h>
#include <string.h>

#include "http/dlpace.h"

#define MIB (1024u * 1024u)

static void test_quarters_once_each(void **state)
{
	struct dl_progress p;
	uint64_t total = 8 * MIB, t = 1000;
	unsigned lines = 0;

	dl_progress_start(&p, total, t);
	/* fast: 64 KiB every 10 ms, never 2 s between lines */
	for (uint64_t done = 65536; done <= total; done += 65536) {
		t += 10;
		if (dl_progress_due(&p, done, t)) {
			lines++;
			assert_int_equal(done % (total / 4), 0);
		}
	}
	assert_int_equal(lines, 3);   /* 25, 50, 75 %; 100 % is the summary's */
}

static void test_slow_download_every_2s(void **state)
{
	struct dl_progress p;
	uint64_t t = 0;
	unsigned lines = 0;

	dl_progress_start(&p, 100 * MIB, t);
	for (int i = 1; i <= 100; i++) {   /* 100 ms per 64 KiB */
		t += 100;
		lines += (unsigned)dl_progress_due(&p, (uint64_t)i * 65536, t);
	}
	assert_int_equal(lines, 5);        /* 10 s, no quarter reached */
}

static void test_unknown_total(void **state)
{
	struct dl_progress p;

	dl_progress_start(&p, 0, 0);
	assert_int_equal(dl_progress_due(&p, 50 * MIB, 1999), 0);
	assert_int_equal(dl_progress_due(&p, 50 * MIB, 2000), 1);
	assert_int_equal(dl_progress_due(&p, 60 * MIB, 2100), 0);
}

static void test_tiny_totals(void **state)
{
	struct dl_progress p;

	for (uint64_t total = 1; total < 9; total++) {
		dl_progress_start(&p, total, 0);
		for (uint64_t done = 0; done <= total; done++)
			(void)dl_progress_due(&p, done, done);
		assert_true(p.last_quarter <= 3);
	}
}

static void test_format(void **state)
{
	char buf[64];

	dl_progress_format(buf, sizeof(buf), 4 * MIB, 8 * MIB + 100 * 1024, 1250);
	assert_string_equal(buf, "4.0/8.1 MiB 49% 3.2 MiB/s");
	dl_progress_format(buf, sizeof(buf), 3 * MIB / 2, 0, 500);
	assert_string_equal(buf, "1.5 MiB 3.0 MiB/s");
	dl_progress_format(buf, sizeof(buf), 0, 10, 0);
	assert_string_equal(buf, "0.0/0.0 MiB 0% 0.0 MiB/s");
}

static void test_backoff(void **state)
{
	static const unsigned base[] = { 1000, 1000, 2000, 4000, 8000, 16000, 16000, 16000 };

	for (unsigned f = 0; f < sizeof(base) / sizeof(base[0]); f++) {
		unsigned lo = dl_backoff_ms(f, 0), hi = dl_backoff_ms(f, UINT32_MAX);
		assert_int_equal(lo, base[f] * 3 / 4);
		assert_true(hi <= base[f] * 5 / 4 && hi >= lo);
		for (uint32_t r = 0; r < 5000; r += 7) {
			unsigned w = dl_backoff_ms(f, r);
			assert_true(w >= base[f] * 3 / 4 && w <= base[f] * 5 / 4);
		}
	}
	assert_int_equal(dl_backoff_ms(1000, 1), 12001);
}

static void test_meminfo_real_file(void **state)
{
	static char buf[8192];
	FILE *f = fopen("agent/test/data/meminfo/debian12-host.txt", "r");
	size_t n;
	uint64_t b = 0;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(dl_meminfo_available(buf, n, &b), 0);
	assert_true(b == 23872688ull * 1024);
}

static void test_meminfo_malformed(void **state)
{
	uint64_t b = 7;
	const char *ok = "MemTotal: 1 kB\nMemAvailable:  2048 kB\n";
	const char *bad[] = {
		"MemTotal: 1 kB\n",                       /* missing */
		"MemAvailable: kB\n",                      /* no digits */
		"MemAvailable: 12 MB\n",                   /* wrong unit */
		"MemAvailable: 12 kB trailing\n",
		"MemAvailable: 99999999999999999999 kB\n", /* overflow */
		"MemAvailableX: 12 kB\n",
	};

	assert_int_equal(dl_meminfo_available(ok, strlen(ok), &b), 0);
	assert_true(b == 2048ull * 1024);
	/* the length bounds the parse: the line cut before its unit */
	assert_int_equal(dl_meminfo_available(ok, strlen(ok) - 3, &b), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dl_meminfo_available(bad[i], strlen(bad[i]), &b), -1);
}

static void test_mem_limit(void **state)
{
	assert_true(dl_mem_limit(0) == 0);
	assert_true(dl_mem_limit(DL_MEM_RESERVE) == 0);
	assert_true(dl_mem_limit(DL_MEM_RESERVE + 3 * 100ull * MIB) == 100ull * MIB);
	/* a 1 GiB VM with ~900 MiB available holds a 256 MiB initrd */
	assert_true(dl_mem_limit(900ull * MIB) > 256ull * MIB);
	assert_true(dl_mem_limit(512ull * MIB) < 256ull * MIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quarters_once_each),
		cmocka_unit_test(test_slow_download_every_2s),
		cmocka_unit_test(test_unknown_total),
		cmocka_unit_test(test_tiny_totals),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_meminfo_real_file),
		cmocka_unit_test(test_meminfo_malformed),
		cmocka_unit_test(test_mem_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
