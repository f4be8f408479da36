/* kexec: joining initrds, explaining errnos, refusing bad images. Only
 * paths that stop before kexec_file_load are run here: the host must never
 * load or reboot into anything. */
#include "fixtures.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_pads_to_4),
		cmocka_unit_test(test_join_large),
		cmocka_unit_test(test_join_bad_fd),
		cmocka_unit_test(test_errno_codes),
		cmocka_unit_test(test_refuses_bad_images),
	};
	log_set_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
