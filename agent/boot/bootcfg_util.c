#include "boot/bootcfg_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

int bcfg_copyn(char *dst, size_t cap, const char *src, size_t n)
{
	if (cap == 0)
		return -1;
	if (n >= cap) {
		memcpy(dst, src, cap - 1);
		dst[cap - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int bcfg_copy(char *dst, size_t cap, const char *src)
{
	return bcfg_copyn(dst, cap, src, strlen(src));
}

int bcfg_append_word(char *dst, size_t cap, const char *word)
{
	size_t have = strlen(dst), n = strlen(word);
	size_t sep = have ? 1 : 0;

	if (!n)
		return 0;
	if (have + sep + n >= cap)
		return -1;
	if (sep)
		dst[have++] = ' ';
	memcpy(dst + have, word, n + 1);
	return 0;
}

/* Appends one component to an absolute normalised path in out. */
static int push_comp(char *out, size_t cap, size_t *len, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 0)
			(*len)--;      /* the slash before it; "/" stays as "" */
		out[*len] = '\0';
		return 0;
	}
	if (*len + 1 + n >= cap)
		return -1;
	out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

static int push_path(char *out, size_t cap, size_t *len, const char *p)
{
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (push_comp(out, cap, len, p, n) < 0)
			return -1;
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

int bcfg_path_join(char *out, size_t cap, const char *dir, const char *rel)
{
	size_t len = 0;

	if (cap < 2)
		return -1;
	out[0] = '\0';
	if (rel[0] != '/' && push_path(out, cap, &len, dir) < 0)
		return -1;
	if (push_path(out, cap, &len, rel) < 0)
		return -1;
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

void bcfg_dirname(char *out, size_t cap, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path) {
		bcfg_copy(out, cap, "/");
		return;
	}
	bcfg_copyn(out, cap, path, (size_t)(slash - path));
}

void bcfg_warn(const struct bootfs_ops *ops, void *arg, int code, const char *fmt, ...)
{
	struct sn_err e;
	char line[400];
	va_list ap;

	if (!ops->warn)
		return;
	e.code = code;
	va_start(ap, fmt);
	vsnprintf(e.ctx, sizeof(e.ctx), fmt, ap);
	va_end(ap);
	ops->warn(arg, sn_format(&e, line, sizeof(line)));
}

struct boot_entry *bcfg_entry_new(const struct bootfs_ops *ops, void *arg,
				  struct boot_list *out, const char *source,
				  const char *config, int *warned)
{
	struct boot_entry *be;

	if (out->n >= BOOTCFG_ENTRIES_MAX) {
		if (!*warned)
			bcfg_warn(ops, arg, SN_E_BOOTCFG_FULL, "%s: more than %d entries, the rest is ignored",
				  config, BOOTCFG_ENTRIES_MAX);
		*warned = 1;
		return NULL;
	}
	be = &out->v[out->n];
	memset(be, 0, sizeof(*be));
	be->tries_left = -1;
	be->tries_done = -1;
	bcfg_copy(be->source, sizeof(be->source), source);
	bcfg_copy(be->config, sizeof(be->config), config);
	return be;
}

void bcfg_entry_commit(struct boot_list *out)
{
	if (out->n < BOOTCFG_ENTRIES_MAX)
		out->n++;
}

int bcfg_keyword(const char *word, const char *kw)
{
	return strcasecmp(word, kw) == 0;
}
