/* Declarative options (iPXE's parseopt idea): value parsers, the
 * getopt-like walk over a command's words, and the lookup over the
 * command tables of script_cmds*.c, so bad input is refused before a
 * command body runs. */
#include "script/script_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

int script_parse_flag(const char *text, void *field, struct sn_err *e)
{
	*(int *)field = 1;
	return SN_OK;
}

int script_parse_string(const char *text, void *field, struct sn_err *e)
{
	*(const char **)field = text;
	return SN_OK;
}

/* Decimal, or hex with 0x (iPXE's parse_integer). */
int script_parse_ulong(const char *text, unsigned long max, unsigned long *out,
		       struct sn_err *e)
{
	char *end;

	errno = 0;
	if (text[0] < '0' || text[0] > '9')
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "\"%.40s\"", text);
	*out = strtoul(text, &end, 0);
	if (errno || *end || *out > max)
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "\"%.40s\" (0..%lu)", text, max);
	return SN_OK;
}

int script_parse_uint(const char *text, void *field, struct sn_err *e)
{
	unsigned long v;
	int rc = script_parse_ulong(text, UINT_MAX, &v, e);

	if (rc == SN_OK)
		*(unsigned *)field = (unsigned)v;
	return rc;
}

int script_parse_opt_uint(const char *text, void *field, struct sn_err *e)
{
	struct opt_uint *o = field;
	int rc = script_parse_uint(text, &o->value, e);

	o->given = rc == SN_OK;
	return rc;
}

int script_parse_sha256(const char *text, void *field, struct sn_err *e)
{
	size_t n = strspn(text, "0123456789abcdefABCDEF");

	if (n != 64 || text[n])
		return sn_fail(e, SN_E_SCRIPT_BAD_SHA256, "\"%.80s\"", text);
	*(const char **)field = text;
	return SN_OK;
}

int script_parse_list(const char *text, void *field, struct sn_err *e)
{
	struct opt_list *l = field;

	if (!*text)
		return sn_fail(e, SN_E_SCRIPT_OPTION_VALUE, "empty value");
	if (l->n == SCRIPT_MIRRORS_MAX)
		return sn_fail(e, SN_E_SCRIPT_TOO_MANY_MIRRORS, "more than %u",
			       SCRIPT_MIRRORS_MAX);
	l->v[l->n++] = text;
	return SN_OK;
}

/* A key: one character, or its code ("0x02" is Ctrl-B). */
int script_parse_key(const char *text, void *field, struct sn_err *e)
{
	unsigned long v;

	if (text[0] && !text[1]) {
		*(unsigned *)field = (unsigned char)text[0];
		return SN_OK;
	}
	if (script_parse_ulong(text, 0xffff, &v, e) != SN_OK)
		return sn_fail(e, SN_E_SCRIPT_BAD_KEY, "\"%.40s\"", text);
	*(unsigned *)field = (unsigned)v;
	return SN_OK;
}

int script_set_setting(struct script_ctx *c, const char *name, const char *value,
		       struct sn_err *e)
{
	char key[SCRIPT_NAME_MAX + 1];
	enum script_type type;
	int rc = script_setting_key(name, key, sizeof(key), &type, e);

	if (rc != SN_OK)
		return rc;
	rc = script_set_typed(c->settings, key, value, type);
	if (rc != SN_OK)
		return sn_fail(e, rc, "%.60s", key);
	return SN_OK;
}

int script_join_args(int argc, char *const *argv, char *out, size_t size,
		     struct sn_err *e)
{
	if (script_join_words(argc, argv, out, size) != 0)
		return sn_fail(e, SN_E_SCRIPT_EXPAND_TOO_LONG, "text longer than %zu bytes",
			       size - 1);
	return SN_OK;
}

static const struct {
	const struct script_cmd *v;
	const size_t *n;
} tables[] = {
	{ script_cmds_image, &script_cmds_image_n },
	{ script_cmds_flow, &script_cmds_flow_n },
	{ script_cmds_net, &script_cmds_net_n },
	{ script_cmds_menu, &script_cmds_menu_n },
};

const struct script_cmd *script_cmd_find(const char *name)
{
	for (size_t t = 0; t < ARRAY_LEN(tables); t++)
		for (size_t i = 0; i < *tables[t].n; i++)
			if (strcmp(tables[t].v[i].info.name, name) == 0)
				return &tables[t].v[i];
	return NULL;
}

const struct script_cmd_info *script_cmd_info(size_t index)
{
	for (size_t t = 0; t < ARRAY_LEN(tables); t++) {
		if (index < *tables[t].n)
			return &tables[t].v[index].info;
		index -= *tables[t].n;
	}
	return NULL;
}

static const struct script_opt *find_opt(const struct script_cmd *cmd, const char *arg,
					 const char **value)
{
	*value = NULL;
	for (size_t i = 0; i < cmd->n_opts; i++) {
		const struct script_opt *o = &cmd->opts[i];
		if (arg[1] == '-') {
			size_t l = strlen(o->name);
			if (strncmp(arg + 2, o->name, l) == 0 &&
			    (arg[2 + l] == '\0' || arg[2 + l] == '=')) {
				if (arg[2 + l] == '=')
					*value = arg + 3 + l;
				return o;
			}
		} else if (o->letter && arg[1] == o->letter) {
			if (arg[2])
				*value = arg + 2;
			return o;
		}
	}
	return NULL;
}

/* Options come first and end at the first word not starting with '-' or
 * at "--", as with iPXE's getopt; what follows is positional. */
static int parse_options(const struct script_cmd *cmd, int argc, char **argv,
			 void *opts, int *first, struct sn_err *e)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *value, *word = argv[i];
		const struct script_opt *o;
		int rc;

		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		o = find_opt(cmd, argv[i], &value);
		if (!o || (!o->has_value && value))
			return sn_fail(e, SN_E_SCRIPT_BAD_OPTION, "\"%.40s\"; usage: %s",
				       argv[i], cmd->info.usage);
		if (o->has_value && !value) {
			if (i + 1 == argc)
				return sn_fail(e, SN_E_SCRIPT_OPTION_VALUE, "\"%.40s\"; usage: %s",
					       argv[i], cmd->info.usage);
			value = argv[++i];
		}
		rc = o->parse(value ? value : "", (char *)opts + o->offset, e);
		if (rc != SN_OK) {
			script_err_prefix(e, "%s: ", word);
			return rc;
		}
		i++;
	}
	*first = i;
	return SN_OK;
}

int script_cmd_exec(struct script_ctx *c, int argc, char **argv, struct sn_err *e)
{
	const struct script_cmd *cmd = script_cmd_find(argv[0]);
	union {
		max_align_t align;
		unsigned char b[SCRIPT_OPTS_MAX];
	} opts;
	int first = 1, rc, n;

	if (!cmd)
		return sn_fail(e, SN_E_SCRIPT_UNKNOWN_COMMAND, "no such command");
	if (!cmd->exec)
		return sn_fail(e, SN_E_SCRIPT_UNSUPPORTED, "iPXE command not supported by snboot");
	memset(&opts, 0, sizeof(opts));
	if ((rc = parse_options(cmd, argc, argv, &opts, &first, e)) != SN_OK)
		return rc;
	n = argc - first;
	if (n < cmd->min_args || n > cmd->max_args)
		return sn_fail(e, SN_E_SCRIPT_USAGE, "%d argument%s; usage: %s", n,
			       n == 1 ? "" : "s", cmd->info.usage);
	return cmd->exec(c, &opts, n, argv + first, e);
}
