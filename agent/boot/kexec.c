/* Loading a kernel (kexec-tools or kexec_file_load) and the reboot into it
 * (see kexec.h). */
#include "boot/kexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kexec.h>
#include <linux/reboot.h>

#include "core/fdio.h"
#include "core/log.h"

#define MiB (1024.0 * 1024.0)

static enum kexec_method method = KEXEC_TOOLS;
static const char *last_path;
static const char *tools_path = KEXEC_TOOLS_PATH;

void kexec_set_method(const char *word)
{
	method = word && strcmp(word, "file") == 0 ? KEXEC_FILE : KEXEC_TOOLS;
}

const char *kexec_last_path(void)
{
	return last_path;
}

void kexec_set_tools_path(const char *path)
{
	tools_path = path ? path : KEXEC_TOOLS_PATH;
}

struct errno_hint {
	int err;
	int code;
	const char *hint;
};

static const struct errno_hint hints[] = {
	{ EPERM, SN_E_KEXEC_PERM, "needs CAP_SYS_BOOT; kexec may be disabled by "
	  "kernel.kexec_load_disabled or by lockdown (Secure Boot wants a signed kernel)" },
	{ ENOEXEC, SN_E_KEXEC_NOEXEC, "not a bzImage this kernel can load: wrong "
	  "architecture, not 64-bit or not relocatable, or not a kernel at all" },
	{ EKEYREJECTED, SN_E_KEXEC_REJECTED, "the kernel's signature was rejected" },
	{ EKEYEXPIRED, SN_E_KEXEC_REJECTED, "the key that signed the kernel has expired" },
	{ EKEYREVOKED, SN_E_KEXEC_REJECTED, "the key that signed the kernel was revoked" },
	{ ENOKEY, SN_E_KEXEC_REJECTED, "no trusted key for the kernel's signature" },
	{ EBADMSG, SN_E_KEXEC_REJECTED, "the kernel's signature is malformed" },
	{ ENODATA, SN_E_KEXEC_REJECTED, "the kernel is not signed and signatures are enforced" },
	{ EINVAL, SN_E_KEXEC_INVAL, "the kernel refused the image or its arguments: "
	  "command line longer than the new kernel accepts, or an initrd it cannot place" },
	{ ENOSYS, SN_E_KEXEC_NOSYS, "this kernel was built without CONFIG_KEXEC_FILE" },
	{ ENOMEM, SN_E_KEXEC_NOMEM, "no room for the new kernel and initrd in memory" },
	{ EFBIG, SN_E_KEXEC_NOMEM, "an image is larger than the kernel reads (2 GiB)" },
	{ EBUSY, SN_E_KEXEC_LOAD, "another kexec load is in progress" },
	{ ETXTBSY, SN_E_KEXEC_LOAD, "an image file is open for writing somewhere "
	  "(the kernel only loads files nobody can change)" },
	{ EBADF, SN_E_KEXEC_LOAD, "an image descriptor is not open for reading" },
};

int kexec_errno_code(int err, const char **hint)
{
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		if (hints[i].err == err) {
			*hint = hints[i].hint;
			return hints[i].code;
		}
	}
	*hint = "unexpected error from kexec_file_load";
	return SN_E_KEXEC_LOAD;
}

/* Appends all of fd (from offset 0) to out; *total grows by its size. */
static int append_file(int out, int fd, uint64_t *total, char *buf, size_t buflen)
{
	off_t off = 0;

	for (;;) {
		ssize_t r = pread(fd, buf, buflen, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		if (fd_write_all(out, buf, (size_t)r))
			return -1;
		off += r;
		*total += (uint64_t)r;
	}
}

int initrd_join(const int *fds, int n, int *out_fd, size_t *size, struct sn_err *e)
{
	static const char zeros[4];
	char buf[64 * 1024];
	uint64_t total = 0;
	int out, rc;

	*out_fd = -1;
	*size = 0;
	out = memfd_create("snboot-initrd", MFD_CLOEXEC);
	if (out < 0)
		return sn_fail(e, SN_E_BOOT_INITRD, "memfd_create: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		/* the unpacker skips zeros between archives, but wants each
		 * cpio header 4-byte aligned */
		size_t pad = (4 - total % 4) % 4;
		if (pad && fd_write_all(out, zeros, pad)) {
			rc = sn_fail(e, SN_E_BOOT_INITRD, "padding before initrd %d of %d: %s",
				     i + 1, n, strerror(errno));
			goto err_close;
		}
		total += pad;
		if (append_file(out, fds[i], &total, buf, sizeof(buf))) {
			rc = sn_fail(e, SN_E_BOOT_INITRD, "copying initrd %d of %d: %s",
				     i + 1, n, strerror(errno));
			goto err_close;
		}
	}
	if (lseek(out, 0, SEEK_SET) < 0) {
		rc = sn_fail(e, SN_E_BOOT_INITRD, "lseek: %s", strerror(errno));
		goto err_close;
	}
	*out_fd = out;
	*size = (size_t)total;
	return SN_OK;

err_close:
	close(out);
	return rc;
}

static uint64_t fd_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

static int check_image(const struct boot_image *img, size_t *cmdline_len, struct sn_err *e)
{
	if (img->kernel_fd < 0)
		return sn_fail(e, SN_E_BOOT_IMAGE, "%s (%s): no kernel", img->label, img->source);
	if (fd_size(img->kernel_fd) == 0)
		return sn_fail(e, SN_E_BOOT_IMAGE, "%s (%s): kernel is empty or unreadable",
			       img->label, img->source);
	if (img->n_initrds < 0 || img->n_initrds > BOOTIMG_MAX_INITRDS)
		return sn_fail(e, SN_E_BOOT_IMAGE, "%s (%s): %d initrds, at most %d",
			       img->label, img->source, img->n_initrds, BOOTIMG_MAX_INITRDS);
	for (int i = 0; i < img->n_initrds; i++)
		if (img->initrd_fds[i] < 0)
			return sn_fail(e, SN_E_BOOT_IMAGE, "%s (%s): initrd %d has no file",
				       img->label, img->source, i + 1);
	*cmdline_len = strnlen(img->cmdline, sizeof(img->cmdline));
	if (*cmdline_len == sizeof(img->cmdline))
		return sn_fail(e, SN_E_BOOT_CMDLINE, "%s (%s): %zu bytes or more, no NUL",
			       img->label, img->source, sizeof(img->cmdline));
	return SN_OK;
}

/* The child's half: the image descriptors stay open across exec (the
 * memfds are close-on-exec), output goes to the pipe. */
static void tools_child(int out, const char *const argv[], int kernel_fd, int initrd_fd)
{
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	fcntl(kernel_fd, F_SETFD, 0);
	if (initrd_fd >= 0)
		fcntl(initrd_fd, F_SETFD, 0);
	execv(argv[0], (char *const *)argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The last non-empty line of the program's output, for the error. */
static const char *last_line(char *out, size_t len)
{
	char *p;

	while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	p = strrchr(out, '\n');
	return p ? p + 1 : out;
}

int kexec_tools_load(const struct boot_image *img, int initrd_fd, struct sn_err *e)
{
	char kernel_arg[32], initrd_arg[48], out[2048];
	char *cmdline_arg;
	const char *argv[10];
	size_t got = 0;
	int pipefd[2], status, n = 0;
	pid_t pid;

	if (asprintf(&cmdline_arg, "--command-line=%s", img->cmdline) < 0)
		return sn_fail(e, SN_E_NOMEM, "kexec-tools command line");
	snprintf(kernel_arg, sizeof(kernel_arg), "/proc/self/fd/%d", img->kernel_fd);
	snprintf(initrd_arg, sizeof(initrd_arg), "--initrd=/proc/self/fd/%d", initrd_fd);
	argv[n++] = tools_path;
	argv[n++] = "-l";            /* load only: the agent reboots */
	argv[n++] = "-c";            /* the kexec_load syscall */
	argv[n++] = "--no-checks";   /* purgatory skips its sha256 of the payload */
	argv[n++] = "--type=bzImage64";
	argv[n++] = cmdline_arg;
	if (initrd_fd >= 0)
		argv[n++] = initrd_arg;
	argv[n++] = kernel_arg;
	argv[n] = NULL;

	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		free(cmdline_arg);
		return sn_fail(e, SN_E_KEXEC_TOOLS, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0)
		tools_child(pipefd[1], argv, img->kernel_fd, initrd_fd);
	close(pipefd[1]);
	free(cmdline_arg);
	if (pid < 0) {
		close(pipefd[0]);
		return sn_fail(e, SN_E_KEXEC_TOOLS, "fork: %s", strerror(errno));
	}
	for (;;) {
		ssize_t r = read(pipefd[0], out + got, sizeof(out) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(out) - 1)   /* keep the tail: drop the oldest half */
			memmove(out, out + got / 2, got - got / 2), got -= got / 2;
	}
	out[got] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sn_fail(e, SN_E_KEXEC_TOOLS, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return SN_OK;
	if (WIFSIGNALED(status))
		return sn_fail(e, SN_E_KEXEC_TOOLS, "%s killed by signal %d: %s", tools_path,
			       WTERMSIG(status), last_line(out, got));
	return sn_fail(e, SN_E_KEXEC_TOOLS, "%s exit %d: %s", tools_path,
		       WEXITSTATUS(status), last_line(out, got));
}

static int file_load(const struct boot_image *img, int initrd_fd, size_t cmdline_len,
		     struct sn_err *e)
{
	unsigned long flags = initrd_fd < 0 ? KEXEC_FILE_NO_INITRAMFS : 0;
	const char *hint;
	int err, rc;

	/* the length counts the NUL: the kernel checks the string ends there */
	if (syscall(SYS_kexec_file_load, img->kernel_fd, initrd_fd, cmdline_len + 1,
		    img->cmdline, flags) != 0) {
		err = errno;
		rc = kexec_errno_code(err, &hint);
		return sn_fail(e, rc, "%s (%s): %s: %s", img->label, img->source, strerror(err),
			       hint);
	}
	return SN_OK;
}

int kexec_load_image(const struct boot_image *img, struct sn_err *e)
{
	uint64_t t0 = mono_ms();
	size_t cmdline_len, initrd_size = 0;
	int initrd_fd = -1, joined = 0, rc = SN_E_KEXEC_TOOLS;
	const char *path = "kexec_file_load", *why = "";
	struct sn_err tools_err;

	if ((rc = check_image(img, &cmdline_len, e)) != SN_OK)
		return rc;
	if (img->n_initrds == 1) {
		initrd_fd = img->initrd_fds[0];
		initrd_size = (size_t)fd_size(initrd_fd);
	} else if (img->n_initrds > 1) {
		rc = initrd_join(img->initrd_fds, img->n_initrds, &initrd_fd, &initrd_size, e);
		if (rc != SN_OK)
			return rc;
		joined = 1;
	}
	rc = SN_E_KEXEC_TOOLS;
	if (method == KEXEC_TOOLS) {
		rc = kexec_tools_load(img, initrd_fd, &tools_err);
		if (rc == SN_OK) {
			path = "kexec-tools";
			why = " (kexec_load, no purgatory checks)";
		} else {
			char msg[400];
			logmsg("kexec", "%s; falling back to kexec_file_load",
			       sn_format(&tools_err, msg, sizeof(msg)));
			why = " (kexec-tools refused)";
		}
	}
	if (rc != SN_OK)
		rc = file_load(img, initrd_fd, cmdline_len, e);
	if (joined)
		close(initrd_fd);   /* the kernel holds its own copy now */
	if (rc != SN_OK)
		return rc;
	last_path = path;
	logmsg("kexec", "loaded %s with %s%s: kernel %.1f MiB, initrd %.1f MiB%s, in %llu ms",
	       img->label, path, why, (double)fd_size(img->kernel_fd) / MiB,
	       (double)initrd_size / MiB, joined ? " (joined)" : "",
	       (unsigned long long)(mono_ms() - t0));
	return SN_OK;
}

int kexec_reboot_now(struct sn_err *e)
{
	sync();
	reboot(LINUX_REBOOT_CMD_KEXEC);
	return sn_fail(e, SN_E_KEXEC_REBOOT, "reboot(LINUX_REBOOT_CMD_KEXEC): %s",
		       strerror(errno));
}

int kexec_boot(const struct boot_image *img, struct sn_err *e)
{
	int rc = kexec_load_image(img, e);

	if (rc != SN_OK)
		return rc;
	logmsg("kexec", "rebooting into %s", img->label);
	return kexec_reboot_now(e);
}
