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

#include "boot/bootcfg_util.h"
#include "boot/grub_int.h"
#include "boot/grub_lex.h"
#include "core/err.h"

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

static int run_block(struct gctx *g, struct gfile *f, int live);

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
	if (grub_expand_cmd(g, c, c->first + 1, f->path) == 0) {
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
	node = grub_add_node(g, sub, title, id);
	grub_env_copy(&saved, &g->env);
	bcfg_copy(rootpart, sizeof(rootpart), g->rootpart);
	if (sub) {
		g->parent = node >= 0 ? node : parent;
		r = run_braced(g, f, 1, line, "submenu");
		g->parent = parent;
	} else {
		be = calloc(1, sizeof(*be));
		if (!be) {
			grub_env_free(&saved);
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
				grub_title_path(g->menu, node, path, sizeof(path));
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
	grub_env_free(&g->env);
	g->env = saved;
	bcfg_copy(g->rootpart, sizeof(g->rootpart), rootpart);
	g->root_unmapped = unmapped;
	return r;
}

/* if C; then B [elif C; then B]... [else B] fi */
static int run_if(struct gctx *g, struct gfile *f, const struct gcmd *c, int live)
{
	int cond = live ? grub_eval_cond(g, c, c->first + 1, f->path) : 0;
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

			cond = (live && !decided && f->have_pend) ? grub_eval_cond(g, cc, cc->first, f->path) : 0;
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
				f->stop_line = c->w[0].line;
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
			f->stop_line = w0->line;
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
			grub_run_simple(g, f, c);
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

int grub_run_file(struct gctx *g, const char *buf, size_t len, const char *path)
{
	struct gfile *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return -1;
	g->files++;
	g->depth++;
	glex_init(&f->lx, buf, len);
	f->path = path;
	/* After a syntax error the rest of the file is still read: one bad
	 * entry must not hide the ones after it. Each round consumes input
	 * or ends. */
	for (;;) {
		size_t pos = f->lx.pos;

		r = run_block(g, f, 1);
		if (r == ST_EOF || r == ST_OVER)
			break;
		if (r == ST_RBRACE)
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX, "%s:%d: } without a block", path,
				  f->stop_line);
		else if (r != ST_ERR)
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_SYNTAX,
				  "%s:%d: then/else/fi/do/done outside a block", path, f->stop_line);
		f->have_pend = 0;
		if (f->lx.pos == pos || f->lx.pos >= f->lx.len)
			break;
	}
	g->depth--;
	free(f);
	return 0;
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
		grub_setvar(g, features[i], "y");
	/* snboot runs where firmware is UEFI; grub would say the same. */
	grub_setvar(g, "grub_platform", "efi");
	grub_setvar(g, "grub_cpu", "x86_64");
	/* "()" is the scanned partition: grub's prefix names its device. */
	snprintf(dir, sizeof(dir), "()%s", path);
	*strrchr(dir, '/') = '\0';
	grub_setvar(g, "prefix", dir);
	grub_setvar(g, "config_directory", dir);
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
	grub_run_file(g, buf, len, path);
	res->added = out->n - g->menu->base;
	grub_finish_menu(g, path, &res->def);
	res->read_bls = g->read_bls;
	grub_env_free(&g->env);
	free(g->menu);
	free(g);
	free(buf);
	return 0;
}
