/* BLS entries: parsing, the UAPI version order, boot counting, grubenv
 * variables, against a systemd-boot ESP and a CentOS 8 Stream /boot. */
#include "fixtures.h"

#include <stdlib.h>
#include <string.h>

#include "boot/bls.h"
#include "boot/bootcfg.h"
#include "boot/vercmp.h"
#include "bootfs_dir.h"

static void vercmp_follows_the_uapi_rules(void **state)
{
	assert_true(uapi_vercmp("1.10", "1.9") > 0);
	assert_true(uapi_vercmp("1~rc1", "1") < 0);          /* ~ before the end */
	assert_true(uapi_vercmp("1-2", "1.1") < 0);          /* - before . */
	assert_true(uapi_vercmp("1^patch", "1") > 0);
	assert_true(uapi_vercmp("001", "1") == 0);
	assert_true(uapi_vercmp("a", "1") < 0);              /* numbers beat letters */
	assert_true(uapi_vercmp("abc", "abcde") < 0);
	assert_true(uapi_vercmp("6.5.12-300.fc39", "6.5.6-300.fc39") > 0);
	assert_true(uapi_vercmp("", "0") < 0);
	assert_true(uapi_vercmp("b", "a-10") > 0);
	assert_true(uapi_vercmp("a-10", "a-5") > 0);
	assert_int_equal(uapi_vercmp("5.14.1", "5.14.1"), 0);
}

static void counter_is_split_from_the_file_name(void **state)
{
	char id[64];
	int left, done;

	bls_split_counter("fedora-6.5+2-1", id, sizeof(id), &left, &done);
	assert_string_equal(id, "fedora-6.5");
	assert_int_equal(left, 2);
	assert_int_equal(done, 1);
	bls_split_counter("x+3", id, sizeof(id), &left, &done);
	assert_string_equal(id, "x");
	assert_int_equal(left, 3);
	assert_int_equal(done, 0);
	bls_split_counter("c++-lib+x", id, sizeof(id), &left, &done);   /* not a counter */
	assert_string_equal(id, "c++-lib+x");
	assert_int_equal(left, -1);
	assert_int_equal(done, -1);
}

static int parse(const char *text, const char *path, struct bls_entry *b, struct sn_err *e)
{
	return bls_parse(text, strlen(text), path, NULL, NULL, b, NULL, NULL, e);
}

static void parse_reports_the_reason_with_file_and_line(void **state)
{
	struct bls_entry b;
	struct sn_err e;

	assert_int_equal(parse("title T\nlinux /k\ninitrd /a\ninitrd b\noptions x  y\noptions z\n",
			       "/loader/entries/t.conf", &b, &e), SN_OK);
	assert_string_equal(b.be.kernel, "/k");
	assert_int_equal(b.be.n_initrds, 2);
	assert_string_equal(b.be.initrds[1], "/b");
	assert_string_equal(b.be.cmdline, "x y z");
	assert_string_equal(b.be.id, "t");

	assert_int_equal(parse("title T\n\nlinux /k\ndevicetree /d.dtb\n", "/e/d.conf", &b, &e),
			 SN_E_BLS_DEVICETREE);
	assert_non_null(strstr(e.ctx, "/e/d.conf:4"));
	assert_int_equal(parse("title T\nefi /x.efi\n", "/e/u.conf", &b, &e), SN_E_BLS_NO_LINUX);
	assert_int_equal(parse("linux /k\narchitecture aa64\n", "/e/a.conf", &b, &e), SN_E_BLS_ARCH);
	assert_int_equal(parse("linux /k\narchitecture X64\n", "/e/a.conf", &b, &e), SN_OK);
	assert_string_equal(b.be.label, "a");      /* no title, no version: the id */
}

/* systemd's own test-bootspec case: sort-key first (ascending), then
 * version descending; without sort-key, file names descending. */
static void sort_matches_systemd(void **state)
{
	static const struct { const char *name, *text; } in[] = {
		{ "a-10.conf", "title A\nversion 10\nmachine-id dd23\nlinux /k\n" },
		{ "a-5.conf", "title A\nversion 5\nmachine-id dd23\nlinux /k\n" },
		{ "b.conf", "title B\nversion 3\nmachine-id b754\nlinux /k\n" },
		{ "c.conf", "title C\nsort-key xxxx\nversion 5\nmachine-id 309d\nlinux /k\n" },
		{ "cx.conf", "title C\nsort-key xxxx\nversion 10\nmachine-id 309d\nlinux /k\n" },
		{ "d.conf", "title D\nsort-key kkkk\nversion 100\nmachine-id 81c6\nlinux /k\n" },
	};
	static const char *want[] = { "d", "cx", "c", "b", "a-10", "a-5" };
	struct bls_entry v[6];
	struct sn_err e;

	for (int i = 0; i < 6; i++)
		assert_int_equal(parse(in[i].text, in[i].name, &v[i], &e), SN_OK);
	qsort(v, 6, sizeof(v[0]), (int (*)(const void *, const void *))bls_compare);
	for (int i = 0; i < 6; i++)
		assert_string_equal(v[i].be.id, want[i]);
}

static void sdboot_esp_with_boot_counting(void **state)
{
	struct tfs t = { .root = "sdboot_esp" };
	struct boot_list *l = malloc(sizeof(*l));
	struct sn_err e;

	tfs_list_init(l);
	assert_int_equal(bootcfg_scan(&tfs_ops, &t, l, &e), SN_OK);
	assert_int_equal(l->n, 4);
	assert_string_equal(l->v[0].id, "3a9d668b4db749398a4a5e78a03bffa5-6.5.12-300.fc39.x86_64");
	assert_int_equal(l->v[0].tries_left, 2);
	assert_int_equal(l->v[0].tries_done, 1);
	assert_string_equal(l->v[0].kernel,
			    "/3a9d668b4db749398a4a5e78a03bffa5/6.5.12-300.fc39.x86_64/linux");
	assert_string_equal(l->v[0].initrds[0],
			    "/3a9d668b4db749398a4a5e78a03bffa5/6.5.12-300.fc39.x86_64/initrd");
	assert_string_equal(l->v[0].cmdline,
			    "root=UUID=6d3a1c6e-0b5c-4d0e-9a47-3a2f1e3c9b11 ro rootflags=subvol=root rhgb quiet");
	assert_string_equal(l->v[0].label, "Fedora Linux 39 (Workstation Edition)");
	assert_string_equal(l->v[0].source, "bls");
	assert_string_equal(l->v[1].id, "3a9d668b4db749398a4a5e78a03bffa5-6.5.10-300.fc39.x86_64");
	assert_int_equal(l->v[1].tries_left, -1);
	assert_string_equal(l->v[2].id, "emergency");          /* no sort-key: after */
	assert_string_equal(l->v[2].cmdline, "systemd.unit=emergency.target console=ttyS0");
	assert_int_equal(l->v[2].tries_left, 3);
	/* Newest, but no tries left: last. */
	assert_string_equal(l->v[3].id, "3a9d668b4db749398a4a5e78a03bffa5-6.5.6-300.fc39.x86_64");
	assert_int_equal(l->v[3].tries_left, 0);
	assert_int_equal(l->v[3].tries_done, 3);
	assert_int_equal(l->def, 0);
	assert_true(tfs_warned(&t, "E0943"));   /* devicetree refused */
	assert_true(tfs_warned(&t, "arm-board.conf:4"));
	assert_true(tfs_warned(&t, "E0942"));   /* memtest: efi, no linux */
	free(l);
}

static void centos8_kernelopts_and_saved_entry_from_grubenv(void **state)
{
	struct tfs t = { .root = "centos8_root" };
	struct boot_list *l = malloc(sizeof(*l));
	struct sn_err e;

	tfs_list_init(l);
	assert_int_equal(bootcfg_scan(&tfs_ops, &t, l, &e), SN_OK);
	assert_int_equal(l->n, 4);
	assert_string_equal(l->v[0].id, "3370cc3add884b58835edcc89eeb00a0-5.14.1");
	assert_string_equal(l->v[1].id, "3370cc3add884b58835edcc89eeb00a0-4.18.0-348.2.1.el8_5.x86_64");
	assert_string_equal(l->v[2].id, "3370cc3add884b58835edcc89eeb00a0-4.18.0-338.el8.x86_64");
	assert_string_equal(l->v[3].id, "3370cc3add884b58835edcc89eeb00a0-0-rescue");
	assert_int_equal(l->def, 1);     /* saved_entry */
	assert_string_equal(l->v[1].kernel, "/boot/vmlinuz-4.18.0-348.2.1.el8_5.x86_64");
	assert_int_equal(l->v[1].n_initrds, 1);    /* "$tuned_initrd" is empty */
	assert_string_equal(l->v[1].cmdline,
			    "root=UUID=53cfb120-9300-4afd-9ba7-a60a7277c252 ro crashkernel=auto net.ifnames=0 console=ttyS1,57600n8 nomodeset");
	assert_string_equal(l->v[1].label, "CentOS Linux (4.18.0-348.2.1.el8_5.x86_64) 8");
	assert_string_equal(l->v[1].part, "");
	free(l);
}

static void empty_partition_says_what_was_looked_for(void **state)
{
	struct tfs t = { .root = "empty" };
	struct boot_list *l = malloc(sizeof(*l));
	struct sn_err e;

	tfs_list_init(l);
	assert_int_equal(bootcfg_scan(&tfs_ops, &t, l, &e), SN_E_BOOTCFG_NONE);
	assert_non_null(strstr(e.ctx, "/loader/entries"));
	assert_int_equal(l->n, 0);
	assert_int_equal(l->def, -1);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vercmp_follows_the_uapi_rules),
		cmocka_unit_test(counter_is_split_from_the_file_name),
		cmocka_unit_test(parse_reports_the_reason_with_file_and_line),
		cmocka_unit_test(sort_matches_systemd),
		cmocka_unit_test(sdboot_esp_with_boot_counting),
		cmocka_unit_test(centos8_kernelopts_and_saved_entry_from_grubenv),
		cmocka_unit_test(empty_partition_says_what_was_looked_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
