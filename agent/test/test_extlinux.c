/* extlinux.conf / syslinux.cfg: Debian's u-boot-menu output, Alpine's
 * update-extlinux output, and a syslinux stick with INCLUDE. */
#include "fixtures.h"

#include <stdlib.h>
#include <string.h>

#include "boot/bootcfg.h"
#include "boot/extlinux.h"
#include "bootfs_dir.h"

static struct boot_list *scan(struct tfs *t, int want_rc)
{
	struct boot_list *l = malloc(sizeof(*l));
	struct sn_err e;

	tfs_list_init(l);
	assert_int_equal(bootcfg_scan(&tfs_ops, t, l, &e), want_rc);
	return l;
}

static void debian_u_boot_menu(void **state)
{
	struct tfs t = { .root = "debian_ubootmenu" };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 4);
	assert_int_equal(l->def, 0);
	assert_string_equal(l->v[0].id, "l0");
	assert_string_equal(l->v[0].label, "Debian GNU/Linux 6.1.0-13-amd64");
	assert_string_equal(l->v[0].kernel, "/boot/vmlinuz-6.1.0-13-amd64");
	assert_int_equal(l->v[0].n_initrds, 1);
	assert_string_equal(l->v[0].initrds[0], "/boot/initrd.img-6.1.0-13-amd64");
	assert_string_equal(l->v[0].cmdline, "root=UUID=b7c9e0a4-6f1d-4a8e-9c2b-1d3e5f7a9b0c ro quiet");
	assert_string_equal(l->v[0].source, "extlinux");
	assert_string_equal(l->v[0].config, "/boot/extlinux/extlinux.conf");
	assert_string_equal(l->v[3].label, "Debian GNU/Linux 6.1.0-12-amd64 (rescue target)");
	assert_string_equal(l->v[3].cmdline, "root=UUID=b7c9e0a4-6f1d-4a8e-9c2b-1d3e5f7a9b0c ro single");
	assert_int_equal(t.n_warns, 0);
	free(l);
}

static void alpine_relative_paths_and_menu_default(void **state)
{
	struct tfs t = { .root = "alpine_boot" };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 1);
	assert_int_equal(l->def, 0);
	assert_string_equal(l->v[0].label, "Linux virt");
	assert_string_equal(l->v[0].kernel, "/vmlinuz-virt");
	assert_string_equal(l->v[0].initrds[0], "/initramfs-virt");
	assert_int_equal(t.n_warns, 0);   /* DEFAULT menu.c32 is the UI, not a label */
	free(l);
}

static void syslinux_include_initrd_in_append_and_refusals(void **state)
{
	struct tfs t = { .root = "syslinux_usb" };
	struct boot_list *l = scan(&t, SN_OK);

	assert_int_equal(l->n, 3);
	assert_string_equal(l->v[0].id, "install");
	assert_string_equal(l->v[0].label, "Install");
	assert_string_equal(l->v[0].kernel, "/install.amd/vmlinuz");
	assert_int_equal(l->v[0].n_initrds, 2);
	assert_string_equal(l->v[0].initrds[1], "/install.amd/extra.gz");
	assert_string_equal(l->v[0].cmdline, "vga=788 --- quiet");
	assert_string_equal(l->v[0].config, "/syslinux/menu.cfg");
	/* No APPEND: the global one. */
	assert_string_equal(l->v[1].id, "rescue");
	assert_string_equal(l->v[1].cmdline, "vga=788 --- quiet");
	assert_string_equal(l->v[1].initrds[0], "/install.amd/initrd.gz");
	assert_string_equal(l->v[2].id, "expert");
	assert_string_equal(l->v[2].cmdline, "priority=low vga=788 ---");
	assert_int_equal(l->def, 1);            /* MENU DEFAULT beats DEFAULT */
	assert_true(tfs_warned(&t, "E0963"));   /* include missing.cfg */
	assert_true(tfs_warned(&t, "menu.cfg:18"));
	assert_true(tfs_warned(&t, "E0961"));   /* hdt.c32, localboot */
	assert_true(tfs_warned(&t, "E0962"));   /* fdt */
	assert_true(tfs_warned(&t, "syslinux.cfg:19"));
	free(l);
}

static void default_by_label_and_include_depth(void **state)
{
	struct tfs t = { .root = "syslinux_usb" };
	struct boot_list *l = malloc(sizeof(*l));
	int added, def, full = 0;

	tfs_list_init(l);
	/* menu.cfg alone: no DEFAULT there, MENU DEFAULT is rescue. */
	assert_int_equal(extlinux_load(&tfs_ops, &t, "/syslinux/menu.cfg", l, &full, &added, &def), 0);
	assert_int_equal(added, 3);
	assert_int_equal(def, 1);
	assert_int_equal(extlinux_load(&tfs_ops, &t, "/nope.cfg", l, &full, &added, &def), -1);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debian_u_boot_menu),
		cmocka_unit_test(alpine_relative_paths_and_menu_default),
		cmocka_unit_test(syslinux_include_initrd_in_append_and_refusals),
		cmocka_unit_test(default_by_label_and_include_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
