/* The grub.cfg interpreter: walks the commands in order with grub's
 * variables, records the menu as a tree (for default= by index, id, title
 * or "a>b" path) and turns each menuentry's linux/initrd into an entry.
 *
 * Conditions: `[ ... ]`/`test` (strings, numbers, -n -z, -e -f -s -d on the
 * disk, !, -a, -o), `true`, `false` are evaluated; any other command as a
 * condition is unknown and both branches run (the later one's `set` wins),
 * which is what a menu needs: both branches of a platform test set the
 * same things. */
#include "boot/grub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bls.h"
#include "boot/bootcfg_util.h"
#include "boot/grub_lex.h"
#include "boot/grubenv.h"
#include "core/err.h"

#define GRUB_VARS_MAX   128
#define GRUB_VALUE_MAX  4096
#define GRUB_NODES_MAX  256
#define GRUB_FILES_MAX  32      /* files read per grub_load */
#define GRUB_DEPTH_MAX  8       /* configfile/source nesting */
#define GRUB_NEST_MAX   32      /* if/menuentry/submenu nesting */
#define GRUB_REFS_MAX   8

struct genv {
	int n;
	char *name[GRUB_VARS_MAX];
	char *val[GRUB_VARS_MAX];
};

struct gnode {
	int parent, idx, is_sub, entry;
	char title[256], id[256];
};

struct gmenu {
	int n, base;
	struct gnode v[GRUB_NODES_MAX];
};

struct gcmd {
	int n, first;
	enum gtok term;
	struct gtoken w[GW_MAX];
};

struct gfile {
	struct glex lx;
	const char *path;
	int have_pend;
	struct gcmd pend;
};

enum stop { ST_EOF, ST_RBRACE, ST_THEN, ST_ELSE, ST_ELIF, ST_FI, ST_DO, ST_DONE, ST_ERR, ST_OVER };

struct gctx {
	const struct bootfs_ops *ops;
	void *arg;
	struct boot_list *out;
	int *full_warned;
	struct genv env;
	struct gmenu *menu;
	int parent;                     /* current submenu node, -1 at top */
	char rootpart[128];
	int root_unmapped;
	char refs[GRUB_REFS_MAX][128];
	int n_refs;
	struct boot_entry *entry;       /* the menuentry being run */
	int entry_bad;
	int files, depth, nest, read_bls, over;
	struct gwords words;            /* scratch for one command */
};

/* ---- variables */

static const char *getvar(void *varg, const char *name)
{
	struct genv *env = &((struct gctx *)varg)->env;

	for (int i = 0; i < env->n; i++)
		if (!strcmp(env->name[i], name))
			return env->val[i];
	return NULL;
}

static void setvar_env(struct genv *env, const char *name, const char *val)
{
	int i;
	char *v;

	for (i = 0; i < env->n; i++)
		if (!strcmp(env->name[i], name))
			break;
	if (i == GRUB_VARS_MAX)
		return;
	v = strndup(val, GRUB_VALUE_MAX);
	if (!v)
		return;
	if (i == env->n) {
		env->name[i] = strndup(name, 128);
		if (!env->name[i]) {
			free(v);
			return;
		}
		env->n++;
	} else {
		free(env->val[i]);
	}
	env->val[i] = v;
}

static void unsetvar(struct genv *env, const char *name)
{
	for (int i = 0; i < env->n; i++)
		if (!strcmp(env->name[i], name)) {
			free(env->name[i]);
			free(env->val[i]);
			env->n--;
			env->name[i] = env->name[env->n];
			env->val[i] = env->val[env->n];
			return;
		}
}

static void env_free(struct genv *env)
{
	for (int i = 0; i < env->n; i++) {
		free(env->name[i]);
		free(env->val[i]);
	}
	env->n = 0;
}

static void env_copy(struct genv *dst, const struct genv *src)
{
	dst->n = 0;
	for (int i = 0; i < src->n; i++)
		setvar_env(dst, src->name[i], src->val[i]);
}

static int is_ref(const struct gctx *g, const char *s)
{
	for (int i = 0; i < g->n_refs; i++)
		if (!strcmp(g->refs[i], s))
			return 1;
	return 0;
}

static void setvar(struct gctx *g, const char *name, const char *val)
{
	setvar_env(&g->env, name, val);
	if (strcmp(name, "root"))
		return;
	/* root names a grub device ("hd0,gpt2"): the agent knows partitions
	 * only by what search found, so the current one stays. */
	if (is_ref(g, val) || !val[0]) {
		bcfg_copy(g->rootpart, sizeof(g->rootpart), val);
		g->root_unmapped = 0;
	} else {
		g->root_unmapped = 1;
	}
}

/* ---- paths: "(dev)/p" or "/p" */

static int resolve(struct gctx *g, const char *in, char *part, size_t part_size, char *path)
{
	const char *rest = in;

	bcfg_copy(part, part_size, g->rootpart);
	if (in[0] == '(') {
		const char *close = strchr(in, ')');
		char dev[128];

		if (!close || bcfg_copyn(dev, sizeof(dev), in + 1, (size_t)(close - in - 1)) < 0)
			return -1;
		rest = close + 1;
		if (!dev[0] || is_ref(g, dev)) {
			bcfg_copy(part, part_size, dev);
		} else {
			const char *root = getvar(g, "root");

			if (!root || strcmp(root, dev))
				g->root_unmapped = 1;
		}
	}
	return bcfg_path_join(path, BOOTCFG_PATH_MAX, "/", rest);
}

static char *read_at(struct gctx *g, const char *in, size_t *len, char *shown, size_t shown_size)
{
	char part[128], path[BOOTCFG_PATH_MAX];

	if (resolve(g, in, part, sizeof(part), path) < 0)
		return NULL;
	snprintf(shown, shown_size, "%s%s%s%s", part[0] ? "(" : "", part, part[0] ? ")" : "", path);
	return g->ops->read_file(g->arg, part, path, BOOTCFG_FILE_MAX, len);
}

/* ---- tests */

static int file_test(struct gctx *g, const char *op, const char *in)
{
	char part[128], path[BOOTCFG_PATH_MAX], dir[BOOTCFG_PATH_MAX], **names = NULL;
	const char *base;
	int n, found = 0;

	if (resolve(g, in, part, sizeof(part), path) < 0)
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

static int expand_cmd(struct gctx *g, const struct gcmd *c, int from, const char *file)
{
	g->words.n = 0;
	g->words.used = 0;
	for (int i = from; i < c->n; i++)
		if (gexpand(c->w[i].p, c->w[i].n, getvar, g, &g->words) < 0) {
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_TOO_LONG, "%s:%d: command too long, ignored",
				  file, c->w[from].line);
			return -1;
		}
	return 0;
}

static int eval_cond(struct gctx *g, const struct gcmd *c, int from, const char *file)
{
	char **a;
	int n, neg = 0, r;

	if (from >= c->n || expand_cmd(g, c, from, file) < 0)
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

/* ---- the menu tree */

static int add_node(struct gctx *g, int is_sub, const char *title, const char *id)
{
	struct gmenu *m = g->menu;
	struct gnode *nd;
	int idx = 0;

	if (m->n == GRUB_NODES_MAX)
		return -1;
	for (int i = 0; i < m->n; i++)
		idx += m->v[i].parent == g->parent;
	nd = &m->v[m->n];
	nd->parent = g->parent;
	nd->idx = idx;
	nd->is_sub = is_sub;
	nd->entry = -1;
	bcfg_copy(nd->title, sizeof(nd->title), title);
	bcfg_copy(nd->id, sizeof(nd->id), id);
	return m->n++;
}

static void title_path(const struct gmenu *m, int node, char *out, size_t cap)
{
	char tmp[sizeof(m->v[0].title) + 1 + BOOTCFG_PATH_MAX];

	out[0] = '\0';
	for (int k = 0; node >= 0 && k < GRUB_NEST_MAX; node = m->v[node].parent, k++) {
		snprintf(tmp, sizeof(tmp), "%s%s%s", m->v[node].title, out[0] ? ">" : "", out);
		bcfg_copy(out, cap, tmp);
	}
}

static int first_entry_under(const struct gmenu *m, int node)
{
	for (int i = 0; i < m->n; i++) {
		int p = i;

		if (m->v[i].entry < 0)
			continue;
		for (int k = 0; p >= 0 && p != node && k < GRUB_NEST_MAX; k++)
			p = m->v[p].parent;
		if (p == node)
			return m->v[i].entry;
	}
	return -1;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* grub's default: '>'-separated steps, each an index, an id or a title. */
static int resolve_default(const struct gmenu *m, const char *def)
{
	char buf[1024], *save = NULL;
	int parent = -1;

	if (bcfg_copy(buf, sizeof(buf), def) < 0)
		return -1;
	for (char *step = strtok_r(buf, ">", &save); step; step = strtok_r(NULL, ">", &save)) {
		int found = -1;

		for (int pass = 0; pass < 2 && found < 0; pass++)
			for (int i = 0; i < m->n && found < 0; i++) {
				const struct gnode *nd = &m->v[i];

				if (nd->parent != parent)
					continue;
				if (all_digits(step) ? nd->idx == atoi(step)
				    : !strcmp(pass ? nd->title : nd->id, step))
					found = i;
			}
		if (found < 0)
			return -1;
		parent = found;
	}
	if (parent < 0)
		return first_entry_under(m, -1);
	return m->v[parent].is_sub ? first_entry_under(m, parent) : m->v[parent].entry;
}

/* ---- commands */

static int read_cmd(struct gfile *f, struct gcmd *c)
{
	struct gtoken t;

	if (f->have_pend) {
		*c = f->pend;
		f->have_pend = 0;
		return 0;
	}
	c->n = 0;
	c->first = 0;
	for (;;) {
		switch (glex_next(&f->lx, &t)) {
		case GT_WORD:
			if (c->n == GW_MAX) {
				c->term = GT_WORD;      /* too many words */
				return -1;
			}
			c->w[c->n++] = t;
			continue;
		case GT_SEP:
			if (!c->n)
				continue;
			c->term = GT_SEP;
			return 0;
		case GT_ERR:
			c->w[0] = t;
			c->term = GT_ERR;
			return -1;
		default:
			c->term = t.type;
			if (!c->n)
				c->w[0] = t;
			return 0;
		}
	}
}

static int line_of(const struct gcmd *c)
{
	return c->w[0].line;
}

static int run_block(struct gctx *g, struct gfile *f, int live);
static int run_file(struct gctx *g, const char *buf, size_t len, const char *path);

/* A block that must close with '}' (term was '{'). */
static int run_braced(struct gctx *g, struct gfile *f, int live, int line, const char *what)
{
	int r = run_block(g, f, live);

	if (r == ST_RBRACE)
		return 0;
	if (r != ST_OVER && r != ST_ERR)
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX, "%s:%d: %s without its closing }", f->path,
			  line, what);
	return -1;
}

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
		} else if (resolve(g, w[i], part, sizeof(part), be->initrds[be->n_initrds]) < 0) {
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_TOO_LONG, "%s:%d: initrd path too long, entry skipped",
				  f->path, line);
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
	if (resolve(g, w[1], be->part, sizeof(be->part), be->kernel) < 0) {
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
			  f->path, line, getvar(g, "root") ? getvar(g, "root") : "?",
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
	if (!is_ref(g, ref) && g->n_refs < GRUB_REFS_MAX)
		bcfg_copy(g->refs[g->n_refs++], sizeof(g->refs[0]), ref);
	setvar(g, var, ref);
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
		snprintf(def, sizeof(def), "%s/grubenv", getvar(g, "prefix") ? getvar(g, "prefix") : "");
		file = def;
	}
	buf = read_at(g, file, &len, shown, sizeof(shown));
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
				setvar(g, env->name[i], env->value[i]);
		}
	free(env);
	free(buf);
}

static const char *bls_var(void *varg, const char *name)
{
	return getvar(varg, name);
}

static void cmd_blscfg(struct gctx *g, struct gfile *f, int line)
{
	const char *blsdir = getvar(g, "blsdir");
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
			int node = add_node(g, 0, g->out->v[i].label, g->out->v[i].id);

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
	buf = read_at(g, w[1], &len, shown, sizeof(shown));
	if (!buf) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_FILE, "%s:%d: %s %s cannot be read, ignored", f->path,
			  line, w[0], shown);
		return;
	}
	if (!newmenu) {
		run_file(g, buf, len, shown);
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
	env_copy(&saved, &g->env);
	bcfg_copy(dir, sizeof(dir), shown);
	*strrchr(dir, '/') = '\0';
	setvar(g, "config_directory", dir);
	setvar(g, "config_file", shown);
	g->menu = m;
	g->parent = -1;
	run_file(g, buf, len, shown);
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
		env_free(&saved);
		g->over = 1;        /* the parent file stops here */
		return;
	}
	free(m);
	g->menu = parent_menu;
	g->parent = parent;
	env_free(&g->env);
	g->env = saved;
}

static void run_simple(struct gctx *g, struct gfile *f, const struct gcmd *c)
{
	int line = line_of(c), n;
	char **w, *eq;

	if (expand_cmd(g, c, c->first, f->path) < 0 || g->words.n == 0)
		return;
	w = g->words.w;
	n = g->words.n;
	eq = strchr(w[0], '=');
	if (eq && eq != w[0] && c->w[c->first].p[0] != '\'' && c->w[c->first].p[0] != '"') {
		*eq = '\0';            /* name=value as a command */
		setvar(g, w[0], eq + 1);
	} else if (!strcmp(w[0], "set")) {
		for (int i = 1; i < n; i++)
			if ((eq = strchr(w[i], '=')) && eq != w[i]) {
				*eq = '\0';
				setvar(g, w[i], eq + 1);
			}
	} else if (!strcmp(w[0], "unset")) {
		for (int i = 1; i < n; i++)
			unsetvar(&g->env, w[i]);
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

/* menuentry/submenu TITLE [--class C] [--users U] [--hotkey K] [--id ID]
 * [--unrestricted] { ... } */
static int run_menu(struct gctx *g, struct gfile *f, const struct gcmd *c, int live, int sub)
{
	char title[256] = "", id[256] = "", path[BOOTCFG_PATH_MAX];
	int line = line_of(c), node, parent = g->parent, r;
	struct boot_entry *be;
	struct genv saved;
	char rootpart[128];
	int unmapped = g->root_unmapped;

	if (c->term != GT_LBRACE) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX, "%s:%d: %s without a { } body", f->path, line,
			  sub ? "submenu" : "menuentry");
		return 0;
	}
	live = live && !g->entry;  /* an entry inside an entry is never shown */
	if (!live)
		return run_braced(g, f, 0, line, "menuentry");
	if (expand_cmd(g, c, c->first + 1, f->path) == 0) {
		char **w = g->words.w;

		for (int i = 0; i < g->words.n; i++) {
			if (!strcmp(w[i], "--id") && i + 1 < g->words.n)
				bcfg_copy(id, sizeof(id), w[++i]);
			else if (!strncmp(w[i], "--id=", 5))
				bcfg_copy(id, sizeof(id), w[i] + 5);
			else if ((!strcmp(w[i], "--class") || !strcmp(w[i], "--users") ||
				  !strcmp(w[i], "--hotkey") || !strcmp(w[i], "--source")) && i + 1 < g->words.n)
				i++;
			else if (w[i][0] == '-' && w[i][1] == '-')
				continue;
			else if (!title[0])
				bcfg_copy(title, sizeof(title), w[i]);
		}
	}
	node = add_node(g, sub, title, id);
	env_copy(&saved, &g->env);
	bcfg_copy(rootpart, sizeof(rootpart), g->rootpart);
	if (sub) {
		g->parent = node >= 0 ? node : parent;
		r = run_braced(g, f, 1, line, "submenu");
		g->parent = parent;
	} else {
		be = calloc(1, sizeof(*be));
		if (!be) {
			env_free(&saved);
			return run_braced(g, f, 0, line, "menuentry");
		}
		g->entry = be;
		g->entry_bad = 0;
		r = run_braced(g, f, 1, line, "menuentry");
		g->entry = NULL;
		if (r == 0 && !g->entry_bad && !be->kernel[0])
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_NO_LINUX,
				  "%s:%d: menuentry '%s' boots no Linux kernel, skipped", f->path, line, title);
		if (r == 0 && !g->entry_bad && be->kernel[0]) {
			struct boot_entry *slot = bcfg_entry_new(g->ops, g->arg, g->out, "grub", f->path,
								 g->full_warned);

			if (slot) {
				bcfg_copy(be->label, sizeof(be->label), title);
				title_path(g->menu, node, path, sizeof(path));
				bcfg_copy(be->id, sizeof(be->id), node >= 0 ? path : title);
				bcfg_copy(be->source, sizeof(be->source), "grub");
				bcfg_copy(be->config, sizeof(be->config), f->path);
				be->tries_left = be->tries_done = -1;
				*slot = *be;
				if (node >= 0)
					g->menu->v[node].entry = g->out->n;
				bcfg_entry_commit(g->out);
			}
		}
		free(be);
	}
	env_free(&g->env);
	g->env = saved;
	bcfg_copy(g->rootpart, sizeof(g->rootpart), rootpart);
	g->root_unmapped = unmapped;
	return r;
}

/* if C; then B [elif C; then B]... [else B] fi */
static int run_if(struct gctx *g, struct gfile *f, const struct gcmd *c, int live)
{
	int cond = live ? eval_cond(g, c, c->first + 1, f->path) : 0;
	int decided = 0, line = line_of(c), r;

	if (run_block(g, f, 0) != ST_THEN)
		goto syntax;
	for (;;) {
		int branch = live && !decided && cond != 0;

		if (cond == 1)
			decided = 1;
		r = run_block(g, f, branch);
		if (r == ST_FI)
			return 0;
		if (r == ST_ELSE) {
			cond = 1;
			if (run_block(g, f, live && !decided) == ST_FI)
				return 0;
			goto syntax;
		}
		if (r != ST_ELIF)
			goto syntax;
		{
			struct gcmd *cc = &f->pend;

			cond = (live && !decided && f->have_pend) ? eval_cond(g, cc, cc->first, f->path) : 0;
			if (f->have_pend && cc->term == GT_SEP)
				f->have_pend = 0;       /* the condition, consumed */
			if (run_block(g, f, 0) != ST_THEN)
				goto syntax;
		}
	}
syntax:
	if (!g->over)
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX, "%s:%d: if without then/fi", f->path, line);
	return -1;
}

static const struct { const char *kw; int stop; } keywords[] = {
	{ "then", ST_THEN }, { "else", ST_ELSE }, { "elif", ST_ELIF },
	{ "fi", ST_FI }, { "do", ST_DO }, { "done", ST_DONE },
};

static int run_block(struct gctx *g, struct gfile *f, int live)
{
	struct gcmd *c = malloc(sizeof(*c));
	int r = ST_EOF;

	if (!c)
		return ST_ERR;
	if (++g->nest > GRUB_NEST_MAX) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_DEPTH, "%s:%d: blocks nested more than %d deep",
			  f->path, f->lx.line, GRUB_NEST_MAX);
		r = ST_ERR;
		goto out;
	}
	for (;;) {
		const struct gtoken *w0;
		size_t k;

		if (g->over) {
			r = ST_OVER;
			break;
		}
		if (read_cmd(f, c) < 0) {
			if (c->term == GT_ERR)
				bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX, "%s:%d: unterminated quote",
					  f->path, c->w[0].line);
			else
				bcfg_warn(g->ops, g->arg, SN_E_GRUB_TOO_LONG,
					  "%s:%d: command of more than %d words", f->path, c->w[0].line, GW_MAX);
			r = ST_ERR;
			break;
		}
		if (c->n == 0) {
			if (c->term == GT_RBRACE || c->term == GT_EOF) {
				r = c->term == GT_RBRACE ? ST_RBRACE : ST_EOF;
				break;
			}
			if (run_braced(g, f, 0, c->w[0].line, "{") < 0) {
				r = ST_ERR;
				break;
			}
			continue;
		}
		w0 = &c->w[c->first];
		for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
			if (graw_is(w0, keywords[k].kw))
				break;
		if (k < sizeof(keywords) / sizeof(keywords[0])) {
			/* "then cmd..." : the rest is the next command. */
			if (c->first + 1 < c->n || c->term != GT_SEP) {
				f->pend = *c;
				f->pend.first++;
				f->have_pend = 1;
				if (f->pend.first >= f->pend.n)
					f->pend.n = f->pend.first = 0;
			}
			r = keywords[k].stop;
			break;
		}
		if (graw_is(w0, "if")) {
			if (run_if(g, f, c, live) < 0) {
				r = ST_ERR;
				break;
			}
		} else if (graw_is(w0, "menuentry") || graw_is(w0, "submenu")) {
			if (run_menu(g, f, c, live, graw_is(w0, "submenu")) < 0) {
				r = ST_ERR;
				break;
			}
			continue;
		} else if (graw_is(w0, "function")) {
			if (c->term != GT_LBRACE || run_braced(g, f, 0, line_of(c), "function") < 0) {
				r = ST_ERR;
				break;
			}
			continue;
		} else if (graw_is(w0, "for") || graw_is(w0, "while") || graw_is(w0, "until")) {
			if (live)
				bcfg_warn(g->ops, g->arg, SN_E_GRUB_IGNORED, "%s:%d: %.*s loop not run",
					  f->path, line_of(c), (int)w0->n, w0->p);
			if (run_block(g, f, 0) != ST_DO || run_block(g, f, 0) != ST_DONE) {
				r = ST_ERR;
				break;
			}
		} else if (c->term == GT_LBRACE) {
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX, "%s:%d: unexpected {", f->path, line_of(c));
			if (run_braced(g, f, 0, line_of(c), "{") < 0) {
				r = ST_ERR;
				break;
			}
			continue;
		} else if (live) {
			run_simple(g, f, c);
		}
		if (c->term == GT_RBRACE || c->term == GT_EOF) {
			r = c->term == GT_RBRACE ? ST_RBRACE : ST_EOF;
			break;
		}
	}
out:
	g->nest--;
	free(c);
	return r;
}

static int run_file(struct gctx *g, const char *buf, size_t len, const char *path)
{
	struct gfile *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return -1;
	g->files++;
	g->depth++;
	glex_init(&f->lx, buf, len);
	f->path = path;
	r = run_block(g, f, 1);
	if (r == ST_RBRACE)
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX, "%s:%d: } without a block", path, f->lx.line);
	else if (r != ST_EOF && r != ST_ERR && r != ST_OVER)
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX, "%s:%d: then/else/fi/do/done outside a block",
			  path, f->lx.line);
	g->depth--;
	free(f);
	return 0;
}

static void finish_menu(struct gctx *g, const char *path, int *def)
{
	const char *d = getvar(g, "default");
	int first = first_entry_under(g->menu, -1);

	*def = first;
	if (!d || !d[0] || first < 0)
		return;
	*def = resolve_default(g->menu, d);
	if (*def < 0) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_DEFAULT,
			  "%s: default \"%s\" names no Linux entry; the first one is the default", path, d);
		*def = first;
	}
}

static void preset(struct gctx *g, const char *path)
{
	static const char *const features[] = {
		"feature_menuentry_id", "feature_platform_search_hint", "feature_default_font_path",
		"feature_all_video_module", "feature_timeout_style", "feature_chainloader_bpb",
		"feature_ntldr", "feature_nativedisk_cmd", "feature_200_find_part_uuid",
	};
	char dir[BOOTCFG_PATH_MAX + 4];

	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		setvar(g, features[i], "y");
	/* snboot runs where firmware is UEFI; grub would say the same. */
	setvar(g, "grub_platform", "efi");
	setvar(g, "grub_cpu", "x86_64");
	/* "()" is the scanned partition: grub's prefix names its device. */
	snprintf(dir, sizeof(dir), "()%s", path);
	*strrchr(dir, '/') = '\0';
	setvar(g, "prefix", dir);
	setvar(g, "config_directory", dir);
}

int grub_load(const struct bootfs_ops *ops, void *arg, const char *path,
	      struct boot_list *out, int *full_warned, struct grub_result *res)
{
	struct gctx *g;
	size_t len;
	char *buf;

	memset(res, 0, sizeof(*res));
	res->def = -1;
	buf = ops->read_file(arg, "", path, BOOTCFG_FILE_MAX, &len);
	if (!buf)
		return -1;
	g = calloc(1, sizeof(*g));
	if (g)
		g->menu = calloc(1, sizeof(*g->menu));
	if (!g || !g->menu) {
		free(g);
		free(buf);
		return -1;
	}
	g->ops = ops;
	g->arg = arg;
	g->out = out;
	g->full_warned = full_warned;
	g->parent = -1;
	g->menu->base = out->n;
	preset(g, path);
	run_file(g, buf, len, path);
	res->added = out->n - g->menu->base;
	finish_menu(g, path, &res->def);
	res->read_bls = g->read_bls;
	env_free(&g->env);
	free(g->menu);
	free(g);
	free(buf);
	return 0;
}
