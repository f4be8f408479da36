/* Boot-loop counters: the counting rule and the variable's encoding. */
#include "fixtures.h"

#include <stdio.h>
#include <string.h>

#include "boot/bootcount.h"

static struct boot_entry entry(const char *kernel, const char *cmdline)
{
	struct boot_entry be;

	memset(&be, 0, sizeof(be));
	snprintf(be.kernel, sizeof(be.kernel), "%s", kernel);
	snprintf(be.cmdline, sizeof(be.cmdline), "%s", cmdline);
	return be;
}

static void quick_reboots_count_up(void **state)
{
	struct bootcount bc = { .n = 0 };
	struct boot_entry be = entry("/boot/vmlinuz-6.1", "root=/dev/vda2");
	uint64_t k = bootcount_key(&be, "uuid-a");
	uint32_t t = 1800000000u;

	assert_int_equal(bootcount_failed(&bc, k, t), 0);
	for (unsigned i = 1; i <= 3; i++) {
		bootcount_note(&bc, k, t);
		t += 60;                        /* back a minute later: it did not stay up */
		assert_int_equal(bootcount_failed(&bc, k, t), i);
	}
}

static void a_long_gap_means_it_booted_healthily(void **state)
{
	struct bootcount bc = { .n = 0 };
	struct boot_entry be = entry("/boot/vmlinuz-6.1", "root=/dev/vda2");
	uint64_t k = bootcount_key(&be, "uuid-a");
	uint32_t t = 1800000000u;

	bootcount_note(&bc, k, t);
	bootcount_note(&bc, k, t + 10);
	assert_int_equal(bootcount_failed(&bc, k, t + 20), 2);
	t += 10 + BOOTCOUNT_HEALTHY_S;
	assert_int_equal(bootcount_failed(&bc, k, t), 0);
	bootcount_note(&bc, k, t);
	assert_int_equal(bootcount_failed(&bc, k, t + 5), 1);
	/* A clock that went backwards does not read as "stayed up". */
	assert_int_equal(bootcount_failed(&bc, k, t - 100000), 1);
}

static void another_kernel_or_cmdline_is_another_entry(void **state)
{
	struct boot_entry a = entry("/boot/vmlinuz-6.1", "root=/dev/vda2");
	struct boot_entry b = entry("/boot/vmlinuz-6.2", "root=/dev/vda2");
	struct boot_entry c = entry("/boot/vmlinuz-6.1", "root=/dev/vda2 quiet");

	assert_true(bootcount_key(&a, "u") != bootcount_key(&b, "u"));
	assert_true(bootcount_key(&a, "u") != bootcount_key(&c, "u"));
	assert_true(bootcount_key(&a, "u") != bootcount_key(&a, "v"));
	assert_true(bootcount_key(&a, "u") == bootcount_key(&a, "u"));
}

static void table_round_trips_and_evicts_the_oldest(void **state)
{
	struct bootcount bc = { .n = 0 }, back;
	uint8_t buf[BOOTCOUNT_BYTES];
	size_t len;

	for (uint32_t i = 0; i < BOOTCOUNT_RECORDS + 1; i++)
		bootcount_note(&bc, 1000 + i, 1800000000u + i);
	assert_int_equal(bc.n, BOOTCOUNT_RECORDS);
	assert_int_equal(bootcount_failed(&bc, 1000, 1800000100u), 0);   /* evicted */
	assert_int_equal(bootcount_failed(&bc, 1016, 1800000100u), 1);
	len = bootcount_encode(&bc, buf);
	assert_int_equal(len, BOOTCOUNT_BYTES);
	assert_int_equal(bootcount_decode(buf, len, &back), 0);
	assert_int_equal(back.n, bc.n);
	assert_memory_equal(back.rec, bc.rec, sizeof(bc.rec));
}

static void foreign_or_torn_tables_decode_empty(void **state)
{
	struct bootcount bc;
	uint8_t buf[BOOTCOUNT_BYTES] = "SNT1";

	assert_int_equal(bootcount_decode((const uint8_t *)"XXXX", 4, &bc), -1);
	assert_int_equal(bootcount_decode(buf, 4 + 15, &bc), -1);     /* torn record */
	assert_int_equal(bootcount_decode(buf, sizeof(buf) + 16, &bc), -1);
	assert_int_equal(bc.n, 0);
	assert_int_equal(bootcount_decode(buf, 4, &bc), 0);
	assert_int_equal(bc.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quick_reboots_count_up),
		cmocka_unit_test(a_long_gap_means_it_booted_healthily),
		cmocka_unit_test(another_kernel_or_cmdline_is_another_entry),
		cmocka_unit_test(table_round_trips_and_evicts_the_oldest),
		cmocka_unit_test(foreign_or_torn_tables_decode_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
