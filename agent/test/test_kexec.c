/* kexec: joining initrds, explaining errnos, refusing bad images. Only
 * paths that stop before kexec_file_load are run here: the host must never
 * load or reboot into anything. */
#include "fixtures.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/kexec.h"
#include "core/log.h"

static int memfd_with(const char *data, size_t len)
{
	int fd = memfd_create("test", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;   /* left at its end: initrd_join must not care */
}

static void test_join_pads_to_4(void **state)
{
	static const char want[] = "AAAAA\0\0\0CCCCCCC\0BB";
	int fds[4], out;
	size_t size;
	char got[32];
	struct sn_err e;

	fds[0] = memfd_with("AAAAA", 5);
	fds[1] = memfd_with("", 0);
	fds[2] = memfd_with("CCCCCCC", 7);
	fds[3] = memfd_with("BB", 2);
	assert_int_equal(initrd_join(fds, 4, &out, &size, &e), SN_OK);
	assert_int_equal(size, sizeof(want) - 1);
	assert_int_equal(lseek(out, 0, SEEK_CUR), 0);
	assert_int_equal(read(out, got, sizeof(got)), (ssize_t)size);
	assert_memory_equal(got, want, size);
	close(out);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}

static void test_join_large(void **state)
{
	/* larger than the copy buffer, odd size */
	size_t n = 200 * 1024 + 3;
	char *big = malloc(n), *got = malloc(n + 8);
	int fds[2], out;
	size_t size;
	struct sn_err e;

	for (size_t i = 0; i < n; i++)
		big[i] = (char)(i * 7);
	fds[0] = memfd_with(big, n);
	fds[1] = memfd_with("Z", 1);
	assert_int_equal(initrd_join(fds, 2, &out, &size, &e), SN_OK);
	assert_int_equal(size, n + 1 + 1);   /* one zero pads 200 KiB + 3 to 4 */
	assert_int_equal(pread(out, got, n + 8, 0), (ssize_t)size);
	assert_memory_equal(got, big, n);
	assert_int_equal(got[n], 0);
	assert_int_equal(got[n + 1], 'Z');
	close(out);
	close(fds[0]);
	close(fds[1]);
	free(big);
	free(got);
}

static void test_join_bad_fd(void **state)
{
	int fds[1] = { -1 }, out;
	size_t size;
	struct sn_err e;

	assert_int_equal(initrd_join(fds, 1, &out, &size, &e), SN_E_BOOT_INITRD);
	assert_int_equal(out, -1);
	assert_non_null(strstr(e.ctx, "initrd 1 of 1"));
}

static void test_errno_codes(void **state)
{
	const char *hint;

	assert_int_equal(kexec_errno_code(ENOEXEC, &hint), SN_E_KEXEC_NOEXEC);
	assert_non_null(strstr(hint, "bzImage"));
	assert_int_equal(kexec_errno_code(EPERM, &hint), SN_E_KEXEC_PERM);
	assert_int_equal(kexec_errno_code(EKEYREJECTED, &hint), SN_E_KEXEC_REJECTED);
	assert_int_equal(kexec_errno_code(EINVAL, &hint), SN_E_KEXEC_INVAL);
	assert_int_equal(kexec_errno_code(ENOSYS, &hint), SN_E_KEXEC_NOSYS);
	assert_int_equal(kexec_errno_code(ENOMEM, &hint), SN_E_KEXEC_NOMEM);
	assert_int_equal(kexec_errno_code(EIO, &hint), SN_E_KEXEC_LOAD);
	assert_non_null(hint);
}

static void image_init(struct boot_image *img)
{
	memset(img, 0, sizeof(*img));
	strcpy(img->label, "test");
	strcpy(img->source, "network");
	img->kernel_fd = -1;
}

/* Every case fails its checks before the syscall. */
static void test_refuses_bad_images(void **state)
{
	struct boot_image img;
	struct sn_err e;
	int kernel = memfd_with("not a kernel", 12), empty = memfd_with("", 0);

	image_init(&img);
	assert_int_equal(kexec_load_image(&img, &e), SN_E_BOOT_IMAGE);
	assert_non_null(strstr(e.ctx, "no kernel"));

	img.kernel_fd = empty;
	assert_int_equal(kexec_load_image(&img, &e), SN_E_BOOT_IMAGE);
	assert_non_null(strstr(e.ctx, "empty"));

	img.kernel_fd = kernel;
	img.n_initrds = BOOTIMG_MAX_INITRDS + 1;
	assert_int_equal(kexec_load_image(&img, &e), SN_E_BOOT_IMAGE);
	img.n_initrds = -1;
	assert_int_equal(kexec_load_image(&img, &e), SN_E_BOOT_IMAGE);
	img.n_initrds = 1;
	img.initrd_fds[0] = -1;
	assert_int_equal(kexec_load_image(&img, &e), SN_E_BOOT_IMAGE);
	assert_non_null(strstr(e.ctx, "initrd 1"));

	img.n_initrds = 0;
	memset(img.cmdline, 'x', sizeof(img.cmdline));
	assert_int_equal(kexec_load_image(&img, &e), SN_E_BOOT_CMDLINE);
	close(kernel);
	close(empty);
}

/* kexec-tools is run with kexec_load, --no-checks and the memfds as
 * /proc/self/fd paths the child can open: a stand-in program records its
 * arguments and copies both files, so the test sees what kexec would. */
static char fake_dir[64];
static char fake_tool[128];   /* kexec_set_tools_path keeps the pointer */

static void write_fake(const char *body)
{
	FILE *f;

	snprintf(fake_tool, sizeof(fake_tool), "%s/kexec", fake_dir);
	f = fopen(fake_tool, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	assert_int_equal(chmod(fake_tool, 0755), 0);
	kexec_set_tools_path(fake_tool);
}

static int fake_setup(void **state)
{
	strcpy(fake_dir, "/tmp/test_kexec.XXXXXX");
	assert_non_null(mkdtemp(fake_dir));
	return 0;
}

static int fake_teardown(void **state)
{
	char cmd[128];

	kexec_set_tools_path(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fake_dir);
	return system(cmd);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_tools_args_and_fds(void **state)
{
	struct boot_image img;
	struct sn_err e;
	char body[512], path[128], want[256];
	int kernel = memfd_with("KERNEL", 6), initrd = memfd_with("INITRD", 6);

	snprintf(body, sizeof(body),
		 "echo \"$@\" > %s/args\n"
		 "for a; do case $a in --initrd=*) cat ${a#--initrd=} > %s/initrd;; "
		 "/proc/*) cat $a > %s/kernel;; esac; done\n", fake_dir, fake_dir, fake_dir);
	write_fake(body);
	image_init(&img);
	img.kernel_fd = kernel;
	strcpy(img.cmdline, "console=ttyS0 quiet");
	assert_int_equal(kexec_tools_load(&img, initrd, &e), SN_OK);

	snprintf(path, sizeof(path), "%s/args", fake_dir);
	snprintf(want, sizeof(want), "-l -c --no-checks --type=bzImage64 "
		 "--command-line=console=ttyS0 quiet --initrd=/proc/self/fd/%d "
		 "/proc/self/fd/%d\n", initrd, kernel);
	assert_string_equal(slurp(path), want);
	snprintf(path, sizeof(path), "%s/kernel", fake_dir);
	assert_string_equal(slurp(path), "KERNEL");
	snprintf(path, sizeof(path), "%s/initrd", fake_dir);
	assert_string_equal(slurp(path), "INITRD");
	/* close-on-exec again in the agent: nothing leaks into the target */
	assert_int_equal(fcntl(kernel, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(kernel);
	close(initrd);
}

static void test_tools_refusal_is_explained(void **state)
{
	struct boot_image img;
	struct sn_err e;
	int kernel = memfd_with("KERNEL", 6);

	write_fake("echo 'Cannot determine the file type of /proc/self/fd/3' >&2\n"
		   "echo '' ; exit 255\n");
	image_init(&img);
	img.kernel_fd = kernel;
	assert_int_equal(kexec_tools_load(&img, -1, &e), SN_E_KEXEC_TOOLS);
	assert_non_null(strstr(e.ctx, "exit 255"));
	assert_non_null(strstr(e.ctx, "Cannot determine the file type"));

	kexec_set_tools_path("/nonexistent/kexec");
	assert_int_equal(kexec_tools_load(&img, -1, &e), SN_E_KEXEC_TOOLS);
	assert_non_null(strstr(e.ctx, "exit 127"));
	assert_non_null(strstr(e.ctx, "No such file"));
	close(kernel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_pads_to_4),
		cmocka_unit_test(test_join_large),
		cmocka_unit_test(test_join_bad_fd),
		cmocka_unit_test(test_errno_codes),
		cmocka_unit_test(test_refuses_bad_images),
		cmocka_unit_test_setup_teardown(test_tools_args_and_fds, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_tools_refusal_is_explained, fake_setup,
						fake_teardown),
	};
	log_set_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
