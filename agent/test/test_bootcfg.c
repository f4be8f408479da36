/* bootcfg_scan: the probe order, sources combined on one partition, the
 * default kept from an earlier partition, the entry cap. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/bootcfg.h"
#include "bootfs_dir.h"

static struct boot_list *new_list(void)
{
	struct boot_list *l = malloc(sizeof(*l));

	tfs_list_init(l);
	return l;
}

/* Fedora's /boot: grub2/grub.cfg runs blscfg on /loader/entries of the
 * same partition, reached through `search`; each entry is listed once. */
static void fedora_blscfg_entries_listed_once(void **state)
{
	struct tfs t = { .root = "fedora_boot",
			 .parts = { { "fboot", "fedora_boot" } },
			 .search = { { "fs-uuid", "0c8e2b7d-5f4a-4e1b-a3c6-9d8f7e6b5a4c", "fboot" } } };
	struct boot_list *l = new_list();
	struct sn_err e;

	assert_int_equal(bootcfg_scan(&tfs_ops, &t, l, &e), SN_OK);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->v[0].id, "b0e4f3a1c2d94e8f9a7b6c5d4e3f2a1b-6.5.12-300.fc39.x86_64");
	assert_string_equal(l->v[1].id, "b0e4f3a1c2d94e8f9a7b6c5d4e3f2a1b-6.5.6-300.fc39.x86_64");
	assert_string_equal(l->v[2].id, "b0e4f3a1c2d94e8f9a7b6c5d4e3f2a1b-0-rescue");
	assert_int_equal(l->def, 1);     /* grubenv saved_entry */
	assert_string_equal(l->v[1].part, "fboot");
	assert_string_equal(l->v[1].kernel, "/vmlinuz-6.5.6-300.fc39.x86_64");
	assert_string_equal(l->v[1].cmdline, "root=/dev/mapper/fedora-root ro rd.lvm.lv=fedora/root rhgb quiet");
	free(l);
}

/* RHEL 9 / Fedora UEFI: the ESP's stub finds /boot (--set=dev) and runs
 * its grub2/grub.cfg, which runs blscfg there with /boot's grubenv. */
static void rhel9_esp_stub_to_boot_partition(void **state)
{
	struct tfs t = { .root = "rhel9_esp",
			 .parts = { { "fboot", "fedora_boot" } },
			 .search = { { "fs-uuid", "0c8e2b7d-5f4a-4e1b-a3c6-9d8f7e6b5a4c", "fboot" } } };
	struct boot_list *l = new_list();
	struct sn_err e;

	assert_int_equal(bootcfg_scan(&tfs_ops, &t, l, &e), SN_OK);
	assert_int_equal(l->n, 3);
	assert_int_equal(l->def, 1);
	assert_string_equal(l->v[1].id, "b0e4f3a1c2d94e8f9a7b6c5d4e3f2a1b-6.5.6-300.fc39.x86_64");
	assert_string_equal(l->v[1].part, "fboot");
	assert_string_equal(l->v[1].config, "/loader/entries/b0e4f3a1c2d94e8f9a7b6c5d4e3f2a1b-6.5.6-300.fc39.x86_64.conf");
	free(l);
}

static void grub_first_then_extlinux_default_from_grub(void **state)
{
	struct tfs t = { .root = "mixed" };
	struct boot_list *l = new_list();
	struct sn_err e;

	assert_int_equal(bootcfg_scan(&tfs_ops, &t, l, &e), SN_OK);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->v[0].source, "grub");
	assert_string_equal(l->v[2].source, "extlinux");
	assert_string_equal(l->v[2].kernel, "/boot/x");
	assert_int_equal(l->def, 1);
	free(l);
}

static void appends_and_keeps_an_earlier_default(void **state)
{
	struct tfs a = { .root = "debian_ubootmenu" }, b = { .root = "mixed" };
	struct boot_list *l = new_list();
	struct sn_err e;

	assert_int_equal(bootcfg_scan(&tfs_ops, &a, l, &e), SN_OK);
	assert_int_equal(l->n, 4);
	assert_int_equal(l->def, 0);
	assert_int_equal(bootcfg_scan(&tfs_ops, &b, l, &e), SN_OK);
	assert_int_equal(l->n, 7);
	assert_int_equal(l->def, 0);
	assert_string_equal(l->v[4].label, "A");
	free(l);
}

static void more_than_64_entries_are_capped_with_one_warning(void **state)
{
	char dir[] = "/tmp/snboot-bootcfg-XXXXXX", path[128];
	struct tfs t = { 0 };
	struct boot_list *l = new_list();
	struct sn_err e;
	int warned = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/loader", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/loader/entries", dir);
	mkdir(path, 0700);
	for (int i = 0; i < 70; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/loader/entries/e%02d.conf", dir, i);
		f = fopen(path, "w");
		fprintf(f, "title E%d\nversion 1.%d\nlinux /k%d\n", i, i, i);
		fclose(f);
	}
	t.root = dir;
	assert_int_equal(bootcfg_scan(&tfs_ops, &t, l, &e), SN_OK);
	assert_int_equal(l->n, BOOTCFG_ENTRIES_MAX);
	assert_string_equal(l->v[0].id, "e69");     /* newest first */
	for (int i = 0; i < t.n_warns; i++)
		warned += strstr(t.warns[i], "E0941") != NULL;
	assert_int_equal(warned, 1);
	for (int i = 0; i < 70; i++) {
		snprintf(path, sizeof(path), "%s/loader/entries/e%02d.conf", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/loader/entries", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/loader", dir);
	rmdir(path);
	rmdir(dir);
	free(l);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* systemd-boot's loader.conf "default" glob, with and without ".conf". */
static void loader_conf_default_pattern(void **state)
{
	static const char *const patterns[] = { "default a-1.conf\n", "timeout 3\ndefault  a-1*\r\n",
						"default nothing-*\n", "default @saved\n" };
	static const int want[] = { 1, 1, 0, 0 };
	char dir[] = "/tmp/snboot-loader-XXXXXX", sub[128];

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/loader", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/loader/entries", dir);
	mkdir(sub, 0700);
	write_file(sub, "a-1.conf", "title A1\nlinux /a1\n");
	write_file(sub, "a-2.conf", "title A2\nlinux /a2\n");
	snprintf(sub, sizeof(sub), "%s/loader", dir);
	for (int k = 0; k < 4; k++) {
		struct tfs t = { .root = dir };
		struct boot_list *l = new_list();
		struct sn_err e;

		write_file(sub, "loader.conf", patterns[k]);
		assert_int_equal(bootcfg_scan(&tfs_ops, &t, l, &e), SN_OK);
		assert_int_equal(l->n, 2);
		assert_string_equal(l->v[0].id, "a-2");
		assert_int_equal(l->def, want[k]);
		assert_int_equal(tfs_warned(&t, "E0949"), k == 2);
		free(l);
	}
	snprintf(sub, sizeof(sub), "%s/loader/entries/a-1.conf", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/loader/entries/a-2.conf", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/loader/loader.conf", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/loader/entries", dir);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/loader", dir);
	rmdir(sub);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fedora_blscfg_entries_listed_once),
		cmocka_unit_test(rhel9_esp_stub_to_boot_partition),
		cmocka_unit_test(grub_first_then_extlinux_default_from_grub),
		cmocka_unit_test(appends_and_keeps_an_earlier_default),
		cmocka_unit_test(more_than_64_entries_are_capped_with_one_warning),
		cmocka_unit_test(loader_conf_default_pattern),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
