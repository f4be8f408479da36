#include "boot/grubenv.h"

#include <string.h>

#include "boot/bootcfg_util.h"
#include "core/err.h"

#define SIGNATURE "# GRUB Environment Block\n"

const char *grubenv_get(const struct grubenv *env, const char *name)
{
	for (int i = 0; i < env->n; i++)
		if (strcmp(env->name[i], name) == 0)
			return env->value[i];
	return NULL;
}

/* grub escapes '\\' and newline in values with a backslash. */
static int unescape(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 1 < n)
			c = s[++i];
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static void set(struct grubenv *env, const char *name, const char *value)
{
	int i;

	for (i = 0; i < env->n; i++)
		if (strcmp(env->name[i], name) == 0)
			break;
	if (i == GRUBENV_VARS_MAX)
		return;
	if (i == env->n)
		env->n++;
	bcfg_copy(env->name[i], sizeof(env->name[i]), name);
	bcfg_copy(env->value[i], sizeof(env->value[i]), value);
}

int grubenv_parse(const char *buf, size_t len, const char *path, struct grubenv *env,
		  const struct bootfs_ops *ops, void *arg)
{
	size_t pos = 0;
	int line = 1;

	env->n = 0;
	if (len < strlen(SIGNATURE) || memcmp(buf, SIGNATURE, strlen(SIGNATURE)) != 0) {
		bcfg_warn(ops, arg, SN_E_GRUBENV, "%s: no \"# GRUB Environment Block\" signature, ignored",
			  path);
		return -1;
	}
	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		const char *eq = memchr(s, '=', n);
		char name[GRUBENV_NAME_MAX], value[GRUBENV_VALUE_MAX];

		/* A value may hold an escaped newline: "\\\n" continues it. */
		while (nl && n > 0 && s[n - 1] == '\\' && pos + n + 1 < len) {
			nl = memchr(s + n + 1, '\n', len - pos - n - 1);
			n = nl ? (size_t)(nl - s) : len - pos;
		}
		pos += n + 1;
		line++;
		if (n == 0 || s[0] == '#' || s[0] == '\0')
			continue;
		if (!eq || eq == s) {
			bcfg_warn(ops, arg, SN_E_GRUBENV, "%s:%d: line without name=value, ignored", path,
				  line - 1);
			continue;
		}
		if (bcfg_copyn(name, sizeof(name), s, (size_t)(eq - s)) < 0 ||
		    unescape(value, sizeof(value), eq + 1, n - (size_t)(eq - s) - 1) < 0) {
			bcfg_warn(ops, arg, SN_E_GRUBENV, "%s:%d: name or value too long, ignored", path,
				  line - 1);
			continue;
		}
		set(env, name, value);
	}
	return 0;
}
