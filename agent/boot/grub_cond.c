/* grub conditions: [ ], test, true, false, with !, -a, -o; file tests
 * read the disk through ops. Anything else is unknown (-1). */
#include "boot/grub_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootcfg_util.h"

/* ---- tests */

static int file_test(struct gctx *g, const char *op, const char *in)
{
	char part[128], path[BOOTCFG_PATH_MAX], dir[BOOTCFG_PATH_MAX], **names = NULL;
	const char *base;
	int n, found = 0;

	if (grub_resolve(g, in, part, sizeof(part), path) < 0)
		return 0;
	if (op[1] == 's') {
		size_t len = 0;
		char *buf = g->ops->read_file(g->arg, part, path, BOOTCFG_FILE_MAX, &len);

		free(buf);
		return buf && len > 0;
	}
	if (op[1] == 'd') {
		n = g->ops->list_dir(g->arg, part, path, &names);
		found = n >= 0;
	} else {
		bcfg_dirname(dir, sizeof(dir), path);
		base = strrchr(path, '/') + 1;
		n = g->ops->list_dir(g->arg, part, dir, &names);
		for (int i = 0; i < n; i++)
			found |= !strcmp(names[i], base);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return found;
}

static int tnot(int v) { return v < 0 ? v : !v; }
static int tand(int a, int b) { return (!a || !b) ? 0 : (a < 0 || b < 0) ? -1 : 1; }
static int tor(int a, int b) { return (a == 1 || b == 1) ? 1 : (a < 0 || b < 0) ? -1 : 0; }

static int primary(struct gctx *g, char **a, int n)
{
	if (n > 0 && !strcmp(a[0], "!"))
		return tnot(primary(g, a + 1, n - 1));
	if (n == 0)
		return 0;
	if (n == 1)
		return a[0][0] != '\0';
	if (n == 2) {
		if (!strcmp(a[0], "-n"))
			return a[1][0] != '\0';
		if (!strcmp(a[0], "-z"))
			return a[1][0] == '\0';
		if (!strcmp(a[0], "-e") || !strcmp(a[0], "-f") || !strcmp(a[0], "-s") ||
		    !strcmp(a[0], "-d"))
			return file_test(g, a[0], a[1]);
		return -1;
	}
	if (n == 3) {
		const char *op = a[1];
		long x = strtol(a[0], NULL, 10), y = strtol(a[2], NULL, 10);

		if (!strcmp(op, "=") || !strcmp(op, "=="))
			return !strcmp(a[0], a[2]);
		if (!strcmp(op, "!="))
			return strcmp(a[0], a[2]) != 0;
		if (!strcmp(op, "-eq")) return x == y;
		if (!strcmp(op, "-ne")) return x != y;
		if (!strcmp(op, "-lt")) return x < y;
		if (!strcmp(op, "-le")) return x <= y;
		if (!strcmp(op, "-gt")) return x > y;
		if (!strcmp(op, "-ge")) return x >= y;
	}
	return -1;
}

/* -o of -a groups of primaries; 1 true, 0 false, -1 unknown. */
static int test_expr(struct gctx *g, char **a, int n)
{
	int result = 0, start = 0;

	for (int i = 0; i <= n; i++) {
		if (i < n && strcmp(a[i], "-o"))
			continue;
		int group = 1, s = start;

		for (int j = start; j <= i; j++)
			if (j == i || !strcmp(a[j], "-a")) {
				group = tand(group, primary(g, a + s, j - s));
				s = j + 1;
			}
		result = tor(result, group);
		start = i + 1;
	}
	return result;
}

int grub_eval_cond(struct gctx *g, const struct gcmd *c, int from, const char *file)
{
	char **a;
	int n, neg = 0, r;

	if (from >= c->n || grub_expand_cmd(g, c, from, file) < 0)
		return -1;
	a = g->words.w;
	n = g->words.n;
	while (n > 0 && !strcmp(a[0], "!")) {
		neg = !neg;
		a++;
		n--;
	}
	if (n == 0)
		return -1;
	if (!strcmp(a[0], "true"))
		r = 1;
	else if (!strcmp(a[0], "false"))
		r = 0;
	else if (!strcmp(a[0], "[") && n >= 2 && !strcmp(a[n - 1], "]"))
		r = test_expr(g, a + 1, n - 2);
	else if (!strcmp(a[0], "test"))
		r = test_expr(g, a + 1, n - 1);
	else
		r = -1;
	return neg ? tnot(r) : r;
}
