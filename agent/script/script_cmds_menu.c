/* menu, item, choose. There is no keyboard: choose takes what iPXE takes
 * when its timeout runs out. */
#include "script/script_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct menu_opts {
	const char *name;
	int delete;
};
struct item_opts {
	const char *menu;
	unsigned key;
	int is_default, gap;
};
struct choose_opts {
	const char *menu, *def;
	unsigned timeout_ms;
	int keep, autoboot;
};

OPTS_FIT(struct menu_opts);
OPTS_FIT(struct item_opts);
OPTS_FIT(struct choose_opts);

static const struct script_opt menu_opts[] = {
	OPT("name", 'n', 1, struct menu_opts, name, script_parse_string),
	OPT("delete", 'd', 0, struct menu_opts, delete, script_parse_flag),
};
static const struct script_opt item_opts[] = {
	OPT("menu", 'm', 1, struct item_opts, menu, script_parse_string),
	OPT("key", 'k', 1, struct item_opts, key, script_parse_key),
	OPT("default", 'd', 0, struct item_opts, is_default, script_parse_flag),
	OPT("gap", 'g', 0, struct item_opts, gap, script_parse_flag),
};
static const struct script_opt choose_opts[] = {
	OPT("menu", 'm', 1, struct choose_opts, menu, script_parse_string),
	OPT("default", 'd', 1, struct choose_opts, def, script_parse_string),
	OPT("timeout", 't', 1, struct choose_opts, timeout_ms, script_parse_uint),
	OPT("keep", 'k', 0, struct choose_opts, keep, script_parse_flag),
	OPT("autoboot", 'a', 0, struct choose_opts, autoboot, script_parse_flag),
};

static struct script_menu *menu_find(struct script_ctx *c, const char *name)
{
	if (!name)
		return c->last_menu >= 0 ? &c->menus[c->last_menu] : NULL;
	for (size_t i = 0; i < SCRIPT_MENUS_MAX; i++)
		if (c->menus[i].used && strcmp(c->menus[i].name, name) == 0)
			return &c->menus[i];
	return NULL;
}

static int copy_name(char *out, size_t size, const char *name, struct sn_err *e)
{
	if (strlen(name) >= size)
		return sn_fail(e, SN_E_SCRIPT_LABEL_TOO_LONG, "\"%.60s\"", name);
	strcpy(out, name);
	return SN_OK;
}

static int cmd_menu(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	const struct menu_opts *o = opts;
	const char *name = o->name ? o->name : "";
	struct script_menu *m = menu_find(c, name);

	if (o->delete) {
		if (!m)
			return sn_fail(e, SN_E_SCRIPT_NO_MENU, "\"%.60s\"", name);
		m->used = 0;
		if (c->last_menu == (int)(m - c->menus))
			c->last_menu = -1;
		return SN_OK;
	}
	for (size_t i = 0; !m && i < SCRIPT_MENUS_MAX; i++)
		if (!c->menus[i].used)
			m = &c->menus[i];
	if (!m)
		return sn_fail(e, SN_E_SCRIPT_TOO_MANY_ITEMS, "more than %u menus",
			       SCRIPT_MENUS_MAX);
	memset(m, 0, sizeof(*m));
	if (copy_name(m->name, sizeof(m->name), name, e) != SN_OK)
		return e->code;
	m->used = 1;
	c->last_menu = (int)(m - c->menus);
	return SN_OK;
}

static int cmd_item(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	const struct item_opts *o = opts;
	struct script_menu *m = menu_find(c, o->menu);
	struct script_menu_item *it;

	if (!m)
		return sn_fail(e, SN_E_SCRIPT_NO_MENU, "\"%.60s\"", o->menu ? o->menu : "");
	if (o->gap || argc == 0)
		return SN_OK;   /* a separator: nothing to choose */
	if (m->n_items == SCRIPT_MENU_ITEMS_MAX)
		return sn_fail(e, SN_E_SCRIPT_TOO_MANY_ITEMS, "more than %u items",
			       SCRIPT_MENU_ITEMS_MAX);
	it = &m->items[m->n_items];
	memset(it, 0, sizeof(*it));
	if (copy_name(it->label, sizeof(it->label), argv[0], e) != SN_OK)
		return e->code;
	script_join_words(argc - 1, argv + 1, it->text, sizeof(it->text));
	it->is_default = o->is_default;
	m->n_items++;
	return SN_OK;
}

/* iPXE's show_menu(): with --default (even an empty one) the item of that
 * label, else the first; without it the first item marked --default, else
 * the first. The timeout always runs out: there is no keyboard. */
static const struct script_menu_item *pick(const struct script_menu *m, const char *def)
{
	for (size_t i = 0; def && i < m->n_items; i++)
		if (strcmp(m->items[i].label, def) == 0)
			return &m->items[i];
	for (size_t i = 0; !def && i < m->n_items; i++)
		if (m->items[i].is_default)
			return &m->items[i];
	return m->n_items ? &m->items[0] : NULL;
}

static int cmd_choose(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	const struct choose_opts *o = opts;
	struct script_menu *m = menu_find(c, o->menu);
	const struct script_menu_item *it;
	int rc;

	if (!m)
		return sn_fail(e, SN_E_SCRIPT_NO_MENU, "\"%.60s\"", o->menu ? o->menu : "");
	if (!(it = pick(m, o->def)))
		return sn_fail(e, SN_E_SCRIPT_MENU_EMPTY, "\"%.60s\"", m->name);
	script_log(c, "choose: no keyboard, taking \"%s\" (%s)", it->label, it->text);
	rc = script_set_setting(c, argv[0], it->label, e);
	if (!o->keep) {
		m->used = 0;
		if (c->last_menu == (int)(m - c->menus))
			c->last_menu = -1;
	}
	return rc;
}

const struct script_cmd script_cmds_menu[] = {
	CMD("menu", cmd_menu, menu_opts, 0, MANY,
	    "menu [--name <name>] [--delete] [<title>...]", "start a menu"),
	CMD("item", cmd_item, item_opts, 0, MANY,
	    "item [--menu <menu>] [--key <key>] [--default] [--gap] [<label> [<text>...]]",
	    "add a menu item"),
	CMD("choose", cmd_choose, choose_opts, 1, 1,
	    "choose [--menu <menu>] [--default <label>] [--timeout <ms>] [--keep] "
	    "[--autoboot] <setting>", "store the default item's label in a setting"),
};
const size_t script_cmds_menu_n = ARRAY_LEN(script_cmds_menu);
