/* grub variables, "(dev)/path" resolution, expansion of a command. */
#include "boot/grub_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootcfg_util.h"
#include "core/err.h"

/* ---- variables */

const char *grub_getvar(void *varg, const char *name)
{
	struct genv *env = &((struct gctx *)varg)->env;

	for (int i = 0; i < env->n; i++)
		if (!strcmp(env->name[i], name))
			return env->val[i];
	return NULL;
}

void grub_setvar_env(struct genv *env, const char *name, const char *val)
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

void grub_unsetvar(struct genv *env, const char *name)
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

void grub_env_free(struct genv *env)
{
	for (int i = 0; i < env->n; i++) {
		free(env->name[i]);
		free(env->val[i]);
	}
	env->n = 0;
}

void grub_env_copy(struct genv *dst, const struct genv *src)
{
	dst->n = 0;
	for (int i = 0; i < src->n; i++)
		grub_setvar_env(dst, src->name[i], src->val[i]);
}

int grub_is_ref(const struct gctx *g, const char *s)
{
	for (int i = 0; i < g->n_refs; i++)
		if (!strcmp(g->refs[i], s))
			return 1;
	return 0;
}

void grub_setvar(struct gctx *g, const char *name, const char *val)
{
	grub_setvar_env(&g->env, name, val);
	if (strcmp(name, "root"))
		return;
	/* root names a grub device ("hd0,gpt2"): the agent knows partitions
	 * only by what search found, so the current one stays. */
	if (grub_is_ref(g, val) || !val[0]) {
		bcfg_copy(g->rootpart, sizeof(g->rootpart), val);
		g->root_unmapped = 0;
	} else {
		g->root_unmapped = 1;
	}
}

/* ---- paths: "(dev)/p" or "/p" */

int grub_resolve(struct gctx *g, const char *in, char *part, size_t part_size, char *path)
{
	const char *rest = in;

	bcfg_copy(part, part_size, g->rootpart);
	if (in[0] == '(') {
		const char *close = strchr(in, ')');
		char dev[128];

		if (!close || bcfg_copyn(dev, sizeof(dev), in + 1, (size_t)(close - in - 1)) < 0)
			return -1;
		rest = close + 1;
		if (!dev[0] || grub_is_ref(g, dev)) {
			bcfg_copy(part, part_size, dev);
		} else {
			const char *root = grub_getvar(g, "root");

			if (!root || strcmp(root, dev))
				g->root_unmapped = 1;
		}
	}
	return bcfg_path_join(path, BOOTCFG_PATH_MAX, "/", rest);
}

char *grub_read_at(struct gctx *g, const char *in, size_t *len, char *shown, size_t shown_size)
{
	char part[128], path[BOOTCFG_PATH_MAX];

	/* shown names the file in the caller's warning, even when the path
	 * itself is what cannot be resolved: then it is the path as written. */
	if (grub_resolve(g, in, part, sizeof(part), path) < 0) {
		bcfg_copy(shown, shown_size, in);
		return NULL;
	}
	snprintf(shown, shown_size, "%s%s%s%s", part[0] ? "(" : "", part, part[0] ? ")" : "", path);
	return g->ops->read_file(g->arg, part, path, BOOTCFG_FILE_MAX, len);
}

int grub_expand_cmd(struct gctx *g, const struct gcmd *c, int from, const char *file)
{
	g->words.n = 0;
	g->words.used = 0;
	for (int i = from; i < c->n; i++)
		if (gexpand(c->w[i].p, c->w[i].n, grub_getvar, g, &g->words) < 0) {
			bcfg_warn(g->ops, g->arg, SN_E_GRUB_TOO_LONG, "%s:%d: command too long, ignored",
				  file, c->w[from].line);
			return -1;
		}
	return 0;
}
