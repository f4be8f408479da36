/* The grub.cfg interpreter's shared state, for grub.c (blocks and
 * files), grub_cmds.c (commands), grub_env.c (variables, paths),
 * grub_cond.c (conditions) and grub_menu.c (the menu tree, the default). */
#ifndef SNBOOT_GRUB_INT_H
#define SNBOOT_GRUB_INT_H

#include <stddef.h>

#include "boot/bootcfg.h"
#include "boot/grub_lex.h"

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
	int stop_line;              /* where run_block's last stop was */
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


static inline int line_of(const struct gcmd *c)
{
	return c->w[0].line;
}

/* grub_env.c: variables, "(dev)/path" resolution, expansion */
const char *grub_getvar(void *varg, const char *name);
void grub_setvar_env(struct genv *env, const char *name, const char *val);
void grub_unsetvar(struct genv *env, const char *name);
void grub_env_free(struct genv *env);
void grub_env_copy(struct genv *dst, const struct genv *src);
int grub_is_ref(const struct gctx *g, const char *s);
void grub_setvar(struct gctx *g, const char *name, const char *val);
int grub_resolve(struct gctx *g, const char *in, char *part, size_t part_size, char *path);
/* Reads the file a grub path names; shown always gets a name for it to
 * warn with (the path as written when it cannot be resolved). */
char *grub_read_at(struct gctx *g, const char *in, size_t *len, char *shown, size_t shown_size);
int grub_expand_cmd(struct gctx *g, const struct gcmd *c, int from, const char *file);

/* grub_cond.c: 1 true, 0 false, -1 unknown */
int grub_eval_cond(struct gctx *g, const struct gcmd *c, int from, const char *file);

/* grub_menu.c: the menu tree and the default */
int grub_add_node(struct gctx *g, int is_sub, const char *title, const char *id);
void grub_title_path(const struct gmenu *m, int node, char *out, size_t cap);
int grub_first_entry_under(const struct gmenu *m, int node);
int grub_resolve_default(const struct gmenu *m, const char *def);
void grub_finish_menu(struct gctx *g, const char *path, int *def);

/* grub_cmds.c: one command that is not a block */
void grub_run_simple(struct gctx *g, struct gfile *f, const struct gcmd *c);

/* grub.c */
int grub_run_file(struct gctx *g, const char *buf, size_t len, const char *path);

#endif
