/* The menu as grub shows it: a tree of entries and submenus, for
 * default= by index, id, title or a ">"-path of those. */
#include "boot/grub_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootcfg_util.h"
#include "core/err.h"

/* ---- the menu tree */

int grub_add_node(struct gctx *g, int is_sub, const char *title, const char *id)
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

void grub_title_path(const struct gmenu *m, int node, char *out, size_t cap)
{
	char tmp[sizeof(m->v[0].title) + 1 + BOOTCFG_PATH_MAX];

	out[0] = '\0';
	for (int k = 0; node >= 0 && k < GRUB_NEST_MAX; node = m->v[node].parent, k++) {
		snprintf(tmp, sizeof(tmp), "%s%s%s", m->v[node].title, out[0] ? ">" : "", out);
		bcfg_copy(out, cap, tmp);
	}
}

int grub_first_entry_under(const struct gmenu *m, int node)
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
int grub_resolve_default(const struct gmenu *m, const char *def)
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
		return grub_first_entry_under(m, -1);
	return m->v[parent].is_sub ? grub_first_entry_under(m, parent) : m->v[parent].entry;
}

void grub_finish_menu(struct gctx *g, const char *path, int *def)
{
	const char *d = grub_getvar(g, "default");
	int first = grub_first_entry_under(g->menu, -1);

	*def = first;
	if (!d || !d[0] || first < 0)
		return;
	*def = grub_resolve_default(g->menu, d);
	if (*def < 0) {
		bcfg_warn(g->ops, g->arg, SN_E_GRUB_DEFAULT,
			  "%s: default \"%s\" names no Linux entry; the first one is the default", path, d);
		*def = first;
	}
}
