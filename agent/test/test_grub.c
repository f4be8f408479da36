/* grub.cfg: real distributions' files (Debian 10/12, Ubuntu 22.04 with its
 * ESP stub, CentOS 7, CentOS 8 Stream with blscfg) and a hand-written one
 * for quoting and conditions. */
#include "fixtures.h"

#include <stdlib.h>
#include <string.h>

#include "boot/bootcfg.h"
#include "boot/grub.h"
#include "bootfs_dir.h"

static struct boot_list *scan(struct tfs *t, int want_rc)
{
	struct boot_list *l = malloc(sizeof(*l));
	struct sn_err e;

	tfs_list_init(l);
	assert_int_equal(bootcfg_scan(&tfs_ops, t, l, &e), want_rc);
	return l;
}

static void debian10_submenu_and_search(void **state)
{
	struct tfs t = { .root = "debian10_root",
			 .parts = { { "sda1", "debian10_root" } },
			 .search = { { "fs-uuid", "39ec20e2-83f5-44ce-8671-f31ce0856377", "sda1" } } };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 3);
	assert_int_equal(l->def, 0);
	assert_string_equal(l->v[0].label, "Debian GNU/Linux");
	assert_string_equal(l->v[0].id, "Debian GNU/Linux");
	assert_string_equal(l->v[0].kernel, "/boot/vmlinuz-4.19.0-9-amd64");
	assert_int_equal(l->v[0].n_initrds, 1);
	assert_string_equal(l->v[0].initrds[0], "/boot/initrd.img-4.19.0-9-amd64");
	assert_string_equal(l->v[0].cmdline,
			    "root=UUID=39ec20e2-83f5-44ce-8671-f31ce0856377 ro console=ttyS0 quiet");
	assert_string_equal(l->v[0].part, "sda1");
	assert_string_equal(l->v[0].source, "grub");
	assert_string_equal(l->v[0].config, "/boot/grub/grub.cfg");
	assert_string_equal(l->v[1].id, "Advanced options for Debian GNU/Linux>"
			    "Debian GNU/Linux, with Linux 4.19.0-9-amd64");
	assert_string_equal(l->v[2].label, "Debian GNU/Linux, with Linux 4.19.0-9-amd64 (recovery mode)");
	assert_string_equal(l->v[2].cmdline,
			    "root=UUID=39ec20e2-83f5-44ce-8671-f31ce0856377 ro single console=ttyS0");
	for (int i = 0; i < t.n_warns; i++)
		print_message("unexpected warning: %s\n", t.warns[i]);
	assert_int_equal(t.n_warns, 0);
	free(l);
}

static void debian12_saved_entry_inside_the_submenu(void **state)
{
	struct tfs t = { .root = "debian12_saved" };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 5);
	assert_int_equal(l->def, 3);
	assert_string_equal(l->v[3].label, "Debian GNU/Linux, with Linux 6.1.0-12-amd64");
	assert_string_equal(l->v[3].kernel, "/boot/vmlinuz-6.1.0-12-amd64");
	/* No search table: the UUID is not found, paths stay here, said once per entry. */
	assert_true(tfs_warned(&t, "E0952"));
	assert_string_equal(l->v[3].part, "");
	free(l);
}

static void debian12_next_entry_wins_over_saved_entry(void **state)
{
	struct tfs t = { .root = "debian12_next" };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->def, 2);       /* by id path */
	assert_string_equal(l->v[2].label, "Debian GNU/Linux, with Linux 6.1.0-13-amd64 (recovery mode)");
	free(l);
}

/* GRUB_DEFAULT="1>3" in /etc/default/grub: written into grub.cfg as is. */
static void debian12_default_by_index_path(void **state)
{
	struct tfs t = { .root = "debian12_index" };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->def, 4);
	assert_string_equal(l->v[4].label, "Debian GNU/Linux, with Linux 6.1.0-12-amd64 (recovery mode)");
	free(l);
}

static void centos7_linux16_and_saved_title(void **state)
{
	struct tfs t = { .root = "centos7_boot",
			 .parts = { { "boot", "centos7_boot" } },
			 .search = { { "fs-uuid", "0f337d2b-a156-4348-bd0a-6a23d67ea4c5", "boot" } } };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 2);
	assert_int_equal(l->def, 1);
	assert_string_equal(l->v[0].kernel, "/vmlinuz-3.10.0-957.el7.x86_64");
	assert_string_equal(l->v[0].initrds[0], "/initramfs-3.10.0-957.el7.x86_64.img");
	assert_string_equal(l->v[0].cmdline,
			    "root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root "
			    "rd.lvm.lv=centos/swap console=ttyS0,115200,8n1 LANG=en_US.UTF-8");
	assert_string_equal(l->v[1].label, "CentOS Linux (0-rescue-d2794e72bf4d44508b9ba5d447dd14ff) 7 (Core)");
	assert_string_equal(l->v[1].part, "boot");
	assert_int_equal(t.n_warns, 0);
	free(l);
}

static void centos8_esp_blscfg_on_the_searched_root(void **state)
{
	struct tfs t = { .root = "centos8_esp",
			 .parts = { { "root8", "centos8_root" }, { "esp", "centos8_esp" } },
			 .search = { { "fs-uuid", "53cfb120-9300-4afd-9ba7-a60a7277c252", "root8" },
				     { "fs-uuid", "B555-118C", "esp" } } };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 4);
	assert_int_equal(l->def, 0);      /* saved_entry ...-5.14.1 */
	assert_string_equal(l->v[0].id, "3370cc3add884b58835edcc89eeb00a0-5.14.1");
	assert_string_equal(l->v[0].part, "root8");
	assert_string_equal(l->v[0].kernel, "/boot/vmlinuz-5.14.1");
	assert_string_equal(l->v[0].cmdline,
			    "root=UUID=53cfb120-9300-4afd-9ba7-a60a7277c252 ro crashkernel=auto net.ifnames=0 console=ttyS1,57600n8 nomodeset");
	assert_string_equal(l->v[3].id, "3370cc3add884b58835edcc89eeb00a0-0-rescue");
	assert_true(tfs_warned(&t, "E0951"));     /* System setup: fwsetup */
	assert_true(tfs_warned(&t, "grub.cfg:196"));
	free(l);
}

static void ubuntu_esp_stub_configfile_to_boot(void **state)
{
	struct tfs t = { .root = "ubuntu_esp",
			 .parts = { { "boot", "ubuntu2204_boot" } },
			 .search = { { "fs-uuid", "07338180-4a96-4611-aa6a-a452600e4cfe", "boot" } } };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 6);
	assert_int_equal(l->def, 0);
	assert_string_equal(l->v[0].label, "Ubuntu");
	assert_string_equal(l->v[0].kernel, "/vmlinuz-5.15.0-91-generic");
	assert_string_equal(l->v[0].part, "boot");
	/* $vt_handoff from the gfxmode function is not run: empty. */
	assert_string_equal(l->v[0].cmdline, "root=/dev/mapper/ubuntu--vg-ubuntu--lv ro quiet splash");
	assert_string_equal(l->v[4].id, "Advanced options for Ubuntu>"
			    "Ubuntu, with Linux 5.15.0-88-generic (recovery mode)");
	assert_string_equal(l->v[5].label, "Memory test (memtest86+x64.efi)");
	assert_string_equal(l->v[0].config, "(boot)/grub/grub.cfg");
	free(l);
}

/* openSUSE: btrfs root, ${extra_cmdline} (set only by snapshot entries),
 * saved_entry by title, the snapper section sourcing an absent file. */
static void suse_saved_title_and_extra_cmdline(void **state)
{
	struct tfs t = { .root = "suse_root",
			 .parts = { { "suse", "suse_root" } },
			 .search = { { "fs-uuid", "c114d95e-bc0a-4b41-a2db-abd21aa9850f", "suse" } } };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 3);
	assert_int_equal(l->def, 0);
	assert_string_equal(l->v[0].label, "openSUSE Tumbleweed");
	assert_string_equal(l->v[0].kernel, "/boot/vmlinuz-4.11.8-2-default");
	assert_string_equal(l->v[0].initrds[0], "/boot/initrd-4.11.8-2-default");
	assert_string_equal(l->v[0].part, "suse");
	assert_string_equal(l->v[0].cmdline,
			    "root=UUID=c114d95e-bc0a-4b41-a2db-abd21aa9850f "
			    "resume=/dev/disk/by-uuid/b623e30b-c7a5-4f99-a250-45372da4c5b4 splash=silent quiet showopts");
	assert_string_equal(l->v[2].id, "Advanced options for openSUSE Tumbleweed>"
			    "openSUSE Tumbleweed, with Linux 4.11.8-2-default (recovery mode)");
	for (int i = 0; i < t.n_warns; i++)
		print_message("unexpected warning: %s\n", t.warns[i]);
	assert_int_equal(t.n_warns, 0);
	free(l);
}

static void quoting_conditions_and_errors(void **state)
{
	struct tfs t = { .root = "grub_syntax", .search = { { "fs-uuid", "abcd", "other" } } };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 2);
	assert_string_equal(l->v[0].label, "Quoted \"title\" with $dollar");
	assert_string_equal(l->v[0].cmdline, "one two x y $a x yz");
	assert_string_equal(l->v[1].label, "It's");
	assert_string_equal(l->v[1].kernel, "/k2");
	assert_int_equal(l->v[1].n_initrds, 2);
	assert_string_equal(l->v[1].initrds[1], "/i2");
	assert_int_equal(l->def, 1);                  /* elif, by title */
	assert_true(tfs_warned(&t, "E0959"));         /* (hd0,gpt2) without search */
	assert_true(tfs_warned(&t, "E0951"));         /* Windows */
	assert_true(tfs_warned(&t, "E0960"));         /* the for loop */
	assert_true(tfs_warned(&t, "grub.cfg:26: initrd (other)/i4 is on other, the kernel on this partition"));
	assert_true(tfs_warned(&t, "grub.cfg:28: unterminated quote"));
	free(l);
}

static void syntax_errors_skip_and_keep_reading(void **state)
{
	struct tfs t = { .root = "grub_recover" };
	struct boot_list *l = scan(&t, SN_OK);

	assert_true(tfs_warned(&t, "grub.cfg:5: then/else/fi/do/done outside a block"));
	assert_true(tfs_warned(&t, "grub.cfg:6: } without a block"));
	assert_true(tfs_warned(&t, "grub.cfg:14: source (hd0,gpt2/unclosed.cfg cannot be read, ignored"));
	assert_true(tfs_warned(&t, "grub.cfg:15: load_env: (nodev cannot be read"));
	assert_true(tfs_warned(&t, "grub.cfg:17: if without then/fi"));
	assert_int_equal(l->n, 3);
	assert_string_equal(l->v[0].label, "first");
	assert_string_equal(l->v[1].label, "second");
	assert_string_equal(l->v[2].label, "third");
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debian10_submenu_and_search),
		cmocka_unit_test(debian12_saved_entry_inside_the_submenu),
		cmocka_unit_test(debian12_next_entry_wins_over_saved_entry),
		cmocka_unit_test(debian12_default_by_index_path),
		cmocka_unit_test(centos7_linux16_and_saved_title),
		cmocka_unit_test(centos8_esp_blscfg_on_the_searched_root),
		cmocka_unit_test(ubuntu_esp_stub_configfile_to_boot),
		cmocka_unit_test(suse_saved_title_and_extra_cmdline),
		cmocka_unit_test(quoting_conditions_and_errors),
		cmocka_unit_test(syntax_errors_skip_and_keep_reading),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
