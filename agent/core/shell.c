/* Console shell, kexec path, test crash (see shell.h). */
#include "core/shell.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/kexec.h"
#include "core/log.h"

static pid_t shell_pid = -1;

static void shell_child(void)
{
	static char *const argv[] = { "-sh", NULL };   /* "-": a login shell */
	static char *const envp[] = { "PATH=/bin:/sbin", "HOME=/", "TERM=linux",
				      "PS1=snboot# ", "ENV=", NULL };
	int fd;

	setsid();
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		_exit(126);
	ioctl(fd, TIOCSCTTY, 1);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	execve(SHELL_PATH, argv, envp);
	_exit(127);
}

int shell_start(const char *why)
{
	pid_t pid;

	/* the previous shell may have exited: PID 1 reaps it here */
	if (shell_pid > 0 && waitpid(shell_pid, NULL, WNOHANG) == shell_pid)
		shell_pid = -1;
	if (shell_pid > 0)
		return shell_pid;
	if (access(SHELL_PATH, X_OK) != 0) {
		logmsg("shell", "%s: %s; no shell", SHELL_PATH, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		logmsg("shell", "fork: %s; no shell", strerror(errno));
		return -1;
	}
	if (pid == 0)
		shell_child();
	shell_pid = pid;
	logmsg("shell", "busybox shell on the console (%s), pid %d; the agent goes on",
	       why, (int)pid);
	return pid;
}

void shell_stage(struct agent *a)
{
	kexec_set_method(a->cfg.kexec);
	if (a->cfg.test_panic) {
		logmsg("init", "snboot.test_panic=1: PID 1 exits now; the kernel panics "
		       "and must reboot");
		exit(1);
	}
	if (a->cfg.shell)
		shell_start("snboot.shell=1");
}

void shell_on_failure(struct agent *a, const char *why)
{
	if (a->cfg.shell_on_failure)
		shell_start(why);
}
