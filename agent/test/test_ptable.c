/* ptable: partitions of images made by sfdisk, GPT and MBR. */
#include "fixtures.h"

#include <stdlib.h>
#include <string.h>

#include "boot/ptable.h"
#include "core/fdio.h"

static void gpt_partitions_in_bytes_with_names(void **state)
{
	struct ptable_part p[PTABLE_MAX];
	size_t len = 0;
	char *buf = read_file("agent/test/data/ptable/gpt512.bin", PTABLE_READ_BYTES, &len);
	const char *kind;
	int n;

	assert_non_null(buf);
	n = ptable_parse((const uint8_t *)buf, len, p, PTABLE_MAX, &kind);
	assert_int_equal(n, 2);
	assert_string_equal(kind, "gpt");
	assert_int_equal(p[0].number, 1);
	assert_int_equal(p[0].start, 1u << 20);
	assert_int_equal(p[0].size, 8u << 20);
	assert_string_equal(p[0].name, "EFI System");
	assert_int_equal(p[1].start, 9u << 20);
	assert_int_equal(p[1].size, 32u << 20);
	/* A torn copy (entry array cut off) is not a GPT; its protective
	 * MBR is not a partition either. */
	assert_int_equal(ptable_parse((const uint8_t *)buf, 1024, p, PTABLE_MAX, &kind), 0);
	free(buf);
}

static void mbr_primaries_without_the_extended_one(void **state)
{
	struct ptable_part p[PTABLE_MAX];
	size_t len = 0;
	char *buf = read_file("agent/test/data/ptable/mbr.bin", 512, &len);
	const char *kind;
	int n;

	assert_non_null(buf);
	n = ptable_parse((const uint8_t *)buf, len, p, PTABLE_MAX, &kind);
	assert_string_equal(kind, "mbr");
	assert_int_equal(n, 2);
	assert_int_equal(p[0].number, 1);
	assert_int_equal(p[0].start, 2048u * 512);
	assert_int_equal(p[0].size, 16384u * 512);
	assert_int_equal(p[1].number, 2);
	buf[510] = 0;
	assert_int_equal(ptable_parse((const uint8_t *)buf, len, p, PTABLE_MAX, &kind), 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gpt_partitions_in_bytes_with_names),
		cmocka_unit_test(mbr_primaries_without_the_extended_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
