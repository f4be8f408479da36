/* grub commands that are not blocks: set, load_env, search, source,
 * configfile, blscfg, and linux/initrd/devicetree inside a menuentry. */
#include "boot/grub_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bls.h"
#include "boot/bootcfg_util.h"
#include "boot/grubenv.h"
#include "core/err.h"

static void add_initrds(struct gctx *g, struct gfile *f, int line, char **w, int n)
{
	struct boot_entry *be = g->entry;

	be->n_initrds = 0;         /* each initrd command replaces the list */
	for (int i = 0; i < n && !g->entry_bad; i++) {
		char part[128];

		if (be->n_initrds == BOOTIMG_MAX_INITRDS) {
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_INITRDS, "%s:%d: more than %d initrds, entry skipped",
				  f->path, line, BOOTIMG_MAX_INITRDS);
			g->entry_bad = 1;
		} else if (grub_resolve(g, w[i], part, sizeof(part), be->initrds[be->n_initrds]) < 0) {
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_TOO_LONG, "%s:%d: initrd path too long, entry skipped",
				  f->path, line);
			g->entry_bad = 1;
		} else if (be->kernel[0] && strcmp(part, be->part)) {
			/* One partition per entry: an initrd elsewhere cannot be
			 * loaded with this kernel. */
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_SPLIT,
				  "%s:%d: initrd %s is on %s, the kernel on %s; entry skipped", f->path,
				  line, w[i], part[0] ? part : "this partition",
				  be->part[0] ? be->part : "this partition");
			g->entry_bad = 1;
		} else {
			be->n_initrds++;
		}
	}
}

static void cmd_linux(struct gctx *g, struct gfile *f, int line, char **w, int n)
{
	struct boot_entry *be = g->entry;

	if (n < 2)
		return;
	if (grub_resolve(g, w[1], be->part, sizeof(be->part), be->kernel) < 0) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_TOO_LONG, "%s:%d: kernel path too long, entry skipped",
			  f->path, line);
		g->entry_bad = 1;
		return;
	}
	be->cmdline[0] = '\0';
	for (int i = 2; i < n; i++)
		if (bcfg_append_word(be->cmdline, sizeof(be->cmdline), w[i]) < 0) {
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_TOO_LONG,
				  "%s:%d: command line over %zu bytes, entry skipped", f->path, line,
				  sizeof(be->cmdline) - 1);
			g->entry_bad = 1;
			return;
		}
	if (g->root_unmapped)
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_ROOT,
			  "%s:%d: root=%s is a grub device and no search found it; kernel read from %s",
			  f->path, line, grub_getvar(g, "root") ? grub_getvar(g, "root") : "?",
			  g->rootpart[0] ? g->rootpart : "this partition");
}

static void cmd_search(struct gctx *g, struct gfile *f, int line, char **w, int n)
{
	const char *kind = NULL, *var = NULL, *value = NULL;
	char ref[128];
	int pos = 0;

	if (!strcmp(w[0], "search.fs_uuid"))
		kind = "fs-uuid";
	else if (!strcmp(w[0], "search.fs_label"))
		kind = "label";
	else if (!strcmp(w[0], "search.file"))
		kind = "file";
	for (int i = 1; i < n; i++) {
		const char *a = w[i];

		if (!strcmp(a, "-u") || !strcmp(a, "--fs-uuid"))
			kind = "fs-uuid";
		else if (!strcmp(a, "-l") || !strcmp(a, "--label"))
			kind = "label";
		else if (!strcmp(a, "-f") || !strcmp(a, "--file"))
			kind = "file";
		else if (!strcmp(a, "-s") || !strcmp(a, "--set"))
			var = "root";
		else if (!strncmp(a, "--set=", 6))
			var = a + 6;
		else if ((!strcmp(a, "-h") || !strcmp(a, "--hint")) && i + 1 < n)
			i++;
		else if (a[0] == '-')
			continue;
		else if (pos++ == 0)
			value = a;
		else if (pos == 2 && !var && strncmp(w[0], "search.", 7) == 0)
			var = a;       /* search.fs_uuid UUID VAR */
	}
	if (!kind || !value || !var)
		return;
	if (!g->ops->search || g->ops->search(g->arg, kind, value, ref, sizeof(ref)) < 0) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_SEARCH,
			  "%s:%d: search --%s %s matched no partition; paths stay on %s", f->path, line,
			  kind, value, g->rootpart[0] ? g->rootpart : "this partition");
		return;
	}
	if (!grub_is_ref(g, ref) && g->n_refs < GRUB_REFS_MAX)
		bcfg_copy(g->refs[g->n_refs++], sizeof(g->refs[0]), ref);
	grub_setvar(g, var, ref);
}

static void cmd_load_env(struct gctx *g, struct gfile *f, int line, char **w, int n)
{
	struct grubenv *env;
	const char *file = NULL;
	char shown[BOOTCFG_PATH_MAX + 140], def[BOOTCFG_PATH_MAX];
	int first_var = n;
	size_t len;
	char *buf;

	for (int i = 1; i < n; i++) {
		if ((!strcmp(w[i], "-f") || !strcmp(w[i], "--file")) && i + 1 < n)
			file = w[++i];
		else if (!strncmp(w[i], "--file=", 7))
			file = w[i] + 7;
		else if (w[i][0] != '-' && first_var == n)
			first_var = i;
	}
	if (!file) {
		snprintf(def, sizeof(def), "%s/grubenv", grub_getvar(g, "prefix") ? grub_getvar(g, "prefix") : "");
		file = def;
	}
	buf = grub_read_at(g, file, &len, shown, sizeof(shown));
	if (!buf) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_FILE, "%s:%d: load_env: %s cannot be read", f->path,
			  line, shown);
		return;
	}
	env = malloc(sizeof(*env));
	if (env && grubenv_parse(buf, len, shown, env, g->ops, g->arg) == 0)
		for (int i = 0; i < env->n; i++) {
			int wanted = first_var == n;

			for (int k = first_var; k < n && !wanted; k++)
				wanted = !strcmp(w[k], env->name[i]);
			if (wanted)
				grub_setvar(g, env->name[i], env->value[i]);
		}
	free(env);
	free(buf);
}

static const char *bls_var(void *varg, const char *name)
{
	return grub_getvar(varg, name);
}

static void cmd_blscfg(struct gctx *g, struct gfile *f, int line)
{
	const char *blsdir = grub_getvar(g, "blsdir");
	const char *dirs[2] = { "/loader/entries", "/boot/loader/entries" };
	int nd = 2;

	if (blsdir && blsdir[0]) {
		dirs[0] = blsdir;
		nd = 1;
	}
	for (int d = 0; d < nd; d++) {
		int from = g->out->n;
		int n = bls_load(g->ops, g->arg, g->rootpart, dirs[d], bls_var, g, g->out,
				 g->full_warned);

		if (n < 0)
			continue;
		for (int i = from; i < g->out->n; i++) {
			int node = grub_add_node(g, 0, g->out->v[i].label, g->out->v[i].id);

			if (node >= 0)
				g->menu->v[node].entry = i;
		}
		if (!g->rootpart[0])
			g->read_bls = 1;
		return;
	}
	bcfg_warn(g->ops, g->arg, SN_E_GRUB_FILE, "%s:%d: blscfg: no /loader/entries on %s", f->path,
		  line, g->rootpart[0] ? g->rootpart : "this partition");
}

static void cmd_source(struct gctx *g, struct gfile *f, int line, char **w, int n, int newmenu)
{
	char shown[BOOTCFG_PATH_MAX + 140], dir[BOOTCFG_PATH_MAX + 140];
	struct gmenu *parent_menu = g->menu, *m;
	struct genv saved;
	int parent = g->parent;
	size_t len;
	char *buf;

	if (n < 2)
		return;
	if (g->depth >= GRUB_DEPTH_MAX || g->files >= GRUB_FILES_MAX) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_DEPTH, "%s:%d: %s %s: files nested too deeply, ignored",
			  f->path, line, w[0], w[1]);
		return;
	}
	buf = grub_read_at(g, w[1], &len, shown, sizeof(shown));
	if (!buf) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_FILE, "%s:%d: %s %s cannot be read, ignored", f->path,
			  line, w[0], shown);
		return;
	}
	if (!newmenu) {
		grub_run_file(g, buf, len, shown);
		free(buf);
		return;
	}
	/* configfile: a new menu of that file's entries replaces this one if
	 * it has any (grub shows it and never comes back). */
	m = calloc(1, sizeof(*m));
	if (!m) {
		free(buf);
		return;
	}
	m->base = g->out->n;
	grub_env_copy(&saved, &g->env);
	bcfg_copy(dir, sizeof(dir), shown);
	*strrchr(dir, '/') = '\0';
	grub_setvar(g, "config_directory", dir);
	grub_setvar(g, "config_file", shown);
	g->menu = m;
	g->parent = -1;
	grub_run_file(g, buf, len, shown);
	free(buf);
	m = g->menu;        /* a configfile in there may have replaced it */
	if (g->out->n > m->base) {
		int shift = m->base - parent_menu->base;

		memmove(&g->out->v[parent_menu->base], &g->out->v[m->base],
			sizeof(g->out->v[0]) * (size_t)(g->out->n - m->base));
		g->out->n -= shift;
		for (int i = 0; i < m->n; i++)
			if (m->v[i].entry >= 0)
				m->v[i].entry -= shift;
		m->base = parent_menu->base;
		free(parent_menu);
		grub_env_free(&saved);
		g->over = 1;        /* the parent file stops here */
		return;
	}
	free(m);
	g->menu = parent_menu;
	g->parent = parent;
	grub_env_free(&g->env);
	g->env = saved;
}

void grub_run_simple(struct gctx *g, struct gfile *f, const struct gcmd *c)
{
	int line = line_of(c), n;
	char **w, *eq;

	if (grub_expand_cmd(g, c, c->first, f->path) < 0 || g->words.n == 0)
		return;
	w = g->words.w;
	n = g->words.n;
	eq = strchr(w[0], '=');
	if (eq && eq != w[0] && c->w[c->first].p[0] != '\'' && c->w[c->first].p[0] != '"') {
		*eq = '\0';            /* name=value as a command */
		grub_setvar(g, w[0], eq + 1);
	} else if (!strcmp(w[0], "set")) {
		for (int i = 1; i < n; i++)
			if ((eq = strchr(w[i], '=')) && eq != w[i]) {
				*eq = '\0';
				grub_setvar(g, w[i], eq + 1);
			}
	} else if (!strcmp(w[0], "unset")) {
		for (int i = 1; i < n; i++)
			grub_unsetvar(&g->env, w[i]);
	} else if (!strcmp(w[0], "load_env")) {
		cmd_load_env(g, f, line, w, n);
	} else if (!strncmp(w[0], "search", 6)) {
		cmd_search(g, f, line, w, n);
	} else if ((!strcmp(w[0], "configfile") || !strcmp(w[0], "source")) && !g->entry) {
		/* Inside a menuentry it runs only when that entry is chosen:
		 * such an entry boots no kernel of its own and is skipped. */
		/* words are scratch: copy the two the callee needs */
		char cmd[16], file[GW_WORD_MAX];
		char *cw[2] = { cmd, file };

		bcfg_copy(cmd, sizeof(cmd), w[0]);
		bcfg_copy(file, sizeof(file), n > 1 ? w[1] : "");
		cmd_source(g, f, line, cw, n > 1 ? 2 : 1, w[0][0] == 'c');
	} else if (!strcmp(w[0], "blscfg")) {
		cmd_blscfg(g, f, line);
	} else if (g->entry && !g->entry_bad) {
		if (!strcmp(w[0], "linux") || !strcmp(w[0], "linuxefi") || !strcmp(w[0], "linux16"))
			cmd_linux(g, f, line, w, n);
		else if (!strcmp(w[0], "initrd") || !strcmp(w[0], "initrdefi") ||
			 !strcmp(w[0], "initrd16"))
			add_initrds(g, f, line, w + 1, n - 1);
		else if (!strcmp(w[0], "devicetree")) {
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_DEVICETREE,
				  "%s:%d: devicetree: kexec cannot pass it, entry refused", f->path, line);
			g->entry_bad = 1;
		}
	}
}
