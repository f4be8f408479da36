/* Keywords are case-insensitive; a label ends at the next LABEL or the end
 * of the file. A global APPEND is the default for labels without one.
 * Labels that run something other than a Linux kernel (COM32 modules,
 * LOCALBOOT, boot sectors) or need a devicetree (FDT/FDTDIR: kexec cannot
 * pass it) are skipped with a warning. TIMEOUT, PROMPT, ONTIMEOUT, UI,
 * SAY and the rest of the menu's look are ignored. */
#include "boot/extlinux.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "boot/bootcfg_util.h"
#include "core/err.h"

#define XL_LINE_MAX   4096
#define XL_DEPTH_MAX  4
#define XL_FILES_MAX  16

struct xlabel {
	int open, bad, not_linux, has_append, menu_default;
	char append[2048];
	int line;
	char config[BOOTCFG_PATH_MAX];
	struct boot_entry be;
};

struct xctx {
	const struct bootfs_ops *ops;
	void *arg;
	struct boot_list *out;
	int *full_warned;
	char dir[BOOTCFG_PATH_MAX];     /* relative paths start here */
	int files, base;
	char global_append[2048];
	char def[256];
	int menu_def;                   /* index in out, -1 */
	struct xlabel cur;
};

static void label_fail(struct xctx *x, int code, const char *file, int line, const char *why)
{
	if (x->cur.bad)
		return;
	bcfg_warn(x->ops, x->arg, code, "%s:%d: label %s: %s, skipped", file, line,
		  x->cur.be.id[0] ? x->cur.be.id : "(none)", why);
	x->cur.bad = 1;
}

static void add_path(struct xctx *x, const char *file, int line, const char *p, size_t n)
{
	struct boot_entry *be = &x->cur.be;
	char rel[BOOTCFG_PATH_MAX];

	if (n == 0)
		return;
	if (be->n_initrds == BOOTIMG_MAX_INITRDS) {
		label_fail(x, SN_E_EXTLINUX_INITRDS, file, line, "more than 8 initrds");
		return;
	}
	if (bcfg_copyn(rel, sizeof(rel), p, n) < 0 ||
	    bcfg_path_join(be->initrds[be->n_initrds], BOOTCFG_PATH_MAX, x->dir, rel) < 0) {
		label_fail(x, SN_E_EXTLINUX_TOO_LONG, file, line, "initrd path too long");
		return;
	}
	be->n_initrds++;
}

static void add_initrds(struct xctx *x, const char *file, int line, const char *list)
{
	while (*list) {
		size_t n = strcspn(list, ", \t");

		add_path(x, file, line, list, n);
		list += n;
		list += strspn(list, ", \t");
	}
}

/* APPEND: initrd= words go to the initrd list (the kernel must not see
 * them: its EFI stub would try to load them itself). */
static void set_append(struct xctx *x, char *dst, size_t cap, const char *file, int line,
		       const char *args, int in_label)
{
	char buf[XL_LINE_MAX], *save = NULL;

	dst[0] = '\0';
	if (!strcmp(args, "-"))
		return;
	bcfg_copy(buf, sizeof(buf), args);
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (in_label && !strncmp(w, "initrd=", 7)) {
			add_initrds(x, file, line, w + 7);
		} else if (bcfg_append_word(dst, cap, w) < 0) {
			if (in_label)
				label_fail(x, SN_E_EXTLINUX_TOO_LONG, file, line, "APPEND too long");
			return;
		}
	}
}

static void label_close(struct xctx *x)
{
	struct xlabel *l = &x->cur;
	struct boot_entry *slot;

	if (!l->open)
		return;
	l->open = 0;
	if (l->bad)
		return;
	if (l->not_linux || !l->be.kernel[0]) {
		bcfg_warn(x->ops, x->arg, SN_E_EXTLINUX_NO_KERNEL, "%s:%d: label %s %s, skipped",
			  l->config, l->line, l->be.id,
			  l->not_linux ? "runs no Linux kernel" : "has no KERNEL/LINUX");
		return;
	}
	slot = bcfg_entry_new(x->ops, x->arg, x->out, "extlinux", l->config, x->full_warned);
	if (!slot)
		return;
	if (!l->has_append)
		bcfg_copy(l->be.cmdline, sizeof(l->be.cmdline), x->global_append);
	else
		bcfg_copy(l->be.cmdline, sizeof(l->be.cmdline), l->append);
	if (!l->be.label[0])
		bcfg_copy(l->be.label, sizeof(l->be.label), l->be.id);
	bcfg_copy(l->be.source, sizeof(l->be.source), "extlinux");
	bcfg_copy(l->be.config, sizeof(l->be.config), l->config);
	l->be.tries_left = l->be.tries_done = -1;
	*slot = l->be;
	if (l->menu_default)
		x->menu_def = x->out->n;
	bcfg_entry_commit(x->out);
}

static int is_com32(const char *k)
{
	size_t n = strlen(k);

	return n > 4 && (!strcasecmp(k + n - 4, ".c32") || !strcasecmp(k + n - 4, ".com") ||
			 !strcasecmp(k + n - 4, ".cbt") || !strcasecmp(k + n - 4, ".bss") ||
			 !strcasecmp(k + n - 4, ".bin"));
}

static int parse_file(struct xctx *x, const char *path, int depth);

static void keyword(struct xctx *x, const char *file, int line, const char *kw, char *args,
		    int depth)
{
	struct xlabel *l = &x->cur;

	if (bcfg_keyword(kw, "LABEL")) {
		label_close(x);
		memset(l, 0, sizeof(*l));
		l->open = 1;
		l->line = line;
		bcfg_copy(l->config, sizeof(l->config), file);
		if (bcfg_copy(l->be.id, sizeof(l->be.id), args) < 0)
			label_fail(x, SN_E_EXTLINUX_TOO_LONG, file, line, "name too long");
	} else if (bcfg_keyword(kw, "DEFAULT")) {
		bcfg_copy(x->def, sizeof(x->def), args);
	} else if (bcfg_keyword(kw, "INCLUDE")) {
		char inc[BOOTCFG_PATH_MAX];

		args[strcspn(args, " \t")] = '\0';     /* INCLUDE file [menu title] */
		if (depth + 1 >= XL_DEPTH_MAX || x->files >= XL_FILES_MAX ||
		    bcfg_path_join(inc, sizeof(inc), x->dir, args) < 0) {
			bcfg_warn(x->ops, x->arg, SN_E_EXTLINUX_INCLUDE,
				  "%s:%d: INCLUDE %s: files nested too deeply, ignored", file, line, args);
			return;
		}
		if (parse_file(x, inc, depth + 1) < 0)
			bcfg_warn(x->ops, x->arg, SN_E_EXTLINUX_INCLUDE,
				  "%s:%d: INCLUDE %s cannot be read, ignored", file, line, inc);
	} else if (bcfg_keyword(kw, "APPEND")) {
		if (l->open) {
			set_append(x, l->append, sizeof(l->append), file, line, args, 1);
			l->has_append = 1;
		} else {
			set_append(x, x->global_append, sizeof(x->global_append), file, line, args, 0);
		}
	} else if (!l->open) {
		return;                 /* global KERNEL etc.: only labels boot */
	} else if (bcfg_keyword(kw, "MENU")) {
		char *sub = args, *rest = args + strcspn(args, " \t");

		if (*rest)
			*rest++ = '\0';
		rest += strspn(rest, " \t");
		if (bcfg_keyword(sub, "LABEL")) {
			size_t o = 0;

			for (const char *p = rest; *p && o + 1 < sizeof(l->be.label); p++)
				if (*p != '^')          /* hotkey marker */
					l->be.label[o++] = *p;
			l->be.label[o] = '\0';
		} else if (bcfg_keyword(sub, "DEFAULT")) {
			l->menu_default = 1;
		}
	} else if (bcfg_keyword(kw, "KERNEL") || bcfg_keyword(kw, "LINUX")) {
		args[strcspn(args, " \t")] = '\0';
		if (is_com32(args) && bcfg_keyword(kw, "KERNEL"))
			l->not_linux = 1;
		else if (bcfg_path_join(l->be.kernel, sizeof(l->be.kernel), x->dir, args) < 0)
			label_fail(x, SN_E_EXTLINUX_TOO_LONG, file, line, "kernel path too long");
	} else if (bcfg_keyword(kw, "INITRD")) {
		l->be.n_initrds = 0;
		add_initrds(x, file, line, args);
	} else if (bcfg_keyword(kw, "FDT") || bcfg_keyword(kw, "FDTDIR") ||
		   bcfg_keyword(kw, "DEVICETREE") || bcfg_keyword(kw, "DEVICETREEDIR") ||
		   bcfg_keyword(kw, "FDTOVERLAYS")) {
		label_fail(x, SN_E_EXTLINUX_FDT, file, line, "needs a devicetree, which kexec cannot pass");
	} else if (bcfg_keyword(kw, "COM32") || bcfg_keyword(kw, "LOCALBOOT") ||
		   bcfg_keyword(kw, "BOOT") || bcfg_keyword(kw, "BSS") || bcfg_keyword(kw, "PXE") ||
		   bcfg_keyword(kw, "FDIMAGE") || bcfg_keyword(kw, "COMBOOT") ||
		   bcfg_keyword(kw, "CONFIG")) {
		l->not_linux = 1;
	}
}

static int parse_file(struct xctx *x, const char *path, int depth)
{
	size_t len, pos = 0;
	int line = 0, in_text = 0;
	char *buf = x->ops->read_file(x->arg, "", path, BOOTCFG_FILE_MAX, &len);

	if (!buf)
		return -1;
	x->files++;
	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		char text[XL_LINE_MAX], *kw, *args, *end;

		pos += n + 1;
		line++;
		if (n >= sizeof(text)) {
			if (x->cur.open)
				label_fail(x, SN_E_EXTLINUX_TOO_LONG, path, line, "line too long");
			else
				bcfg_warn(x->ops, x->arg, SN_E_EXTLINUX_TOO_LONG, "%s:%d: line too long, ignored",
					  path, line);
			continue;
		}
		memcpy(text, s, n);
		text[n] = '\0';
		kw = text + strspn(text, " \t\r");
		for (end = kw + strlen(kw); end > kw && strchr(" \t\r", end[-1]); end--)
			;
		*end = '\0';
		if (in_text) {
			in_text = !bcfg_keyword(kw, "ENDTEXT");
			continue;
		}
		if (!*kw || *kw == '#')
			continue;
		args = kw + strcspn(kw, " \t");
		if (*args)
			*args++ = '\0';
		args += strspn(args, " \t");
		if (bcfg_keyword(kw, "TEXT")) {
			in_text = 1;
			continue;
		}
		keyword(x, path, line, kw, args, depth);
	}
	free(buf);
	return 0;
}

static int find_label(const struct xctx *x, const char *name, int icase)
{
	for (int i = x->base; i < x->out->n; i++)
		if (icase ? !strcasecmp(x->out->v[i].id, name) : !strcmp(x->out->v[i].id, name))
			return i;
	return -1;
}

int extlinux_load(const struct bootfs_ops *ops, void *arg, const char *path,
		  struct boot_list *out, int *full_warned, int *added, int *def)
{
	struct xctx *x = calloc(1, sizeof(*x));
	int r;

	*added = 0;
	*def = -1;
	if (!x)
		return -1;
	x->ops = ops;
	x->arg = arg;
	x->out = out;
	x->full_warned = full_warned;
	x->base = out->n;
	x->menu_def = -1;
	bcfg_dirname(x->dir, sizeof(x->dir), path);
	r = parse_file(x, path, 0);
	label_close(x);
	if (r == 0) {
		*added = out->n - x->base;
		if (*added > 0) {
			*def = x->menu_def >= 0 ? x->menu_def : -1;
			if (*def < 0 && x->def[0]) {
				*def = find_label(x, x->def, 0);
				if (*def < 0)
					*def = find_label(x, x->def, 1);
				if (*def < 0 && !is_com32(x->def))
					bcfg_warn(ops, arg, SN_E_EXTLINUX_DEFAULT,
						  "%s: DEFAULT %s names no Linux label; the first one is the default",
						  path, x->def);
			}
			if (*def < 0)
				*def = x->base;
		}
	}
	free(x);
	return r;
}
