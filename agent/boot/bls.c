#include "boot/bls.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "boot/bootcfg_util.h"
#include "boot/vercmp.h"

#define BLS_VALUE_MAX 4096

void bls_split_counter(const char *stem, char *id, size_t id_size, int *left, int *done)
{
	const char *plus = strrchr(stem, '+');
	const char *p;
	long l = 0, d = -1;

	*left = -1;
	*done = -1;
	bcfg_copy(id, id_size, stem);
	if (!plus || !plus[1])
		return;
	/* systemd's boot assessment: "+LEFT" or "+LEFT-DONE", digits only. */
	for (p = plus + 1; *p >= '0' && *p <= '9'; p++)
		if ((l = l * 10 + (*p - '0')) > 100000)
			return;
	if (p == plus + 1)
		return;
	d = 0;      /* "+LEFT" alone: none done yet */
	if (*p == '-') {
		const char *q = ++p;

		for (; *p >= '0' && *p <= '9'; p++)
			if ((d = d * 10 + (*p - '0')) > 100000)
				return;
		if (p == q)
			return;
	}
	if (*p)
		return;
	*left = (int)l;
	*done = (int)d;
	bcfg_copyn(id, id_size, stem, (size_t)(plus - stem));
}

/* "$name" and "${name}" replaced through getvar; -1 when it does not fit. */
static int expand(char *out, size_t cap, const char *s, bls_getvar_fn getvar, void *varg)
{
	size_t o = 0;

	while (*s) {
		const char *val = NULL;
		char name[64];
		size_t n = 0;

		if (*s == '$' && getvar) {
			const char *p = s + 1;

			if (*p == '{') {
				const char *end = strchr(p, '}');

				if (end && (size_t)(end - p - 1) < sizeof(name)) {
					n = (size_t)(end - p - 1);
					memcpy(name, p + 1, n);
					p = end + 1;
				}
			} else {
				while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
				       (p[n] >= '0' && p[n] <= '9') || p[n] == '_')
					if (++n >= sizeof(name))
						return -1;
				memcpy(name, p, n);
				p += n;
			}
			if (n) {
				name[n] = '\0';
				val = getvar(varg, name);
				s = p;
				if (!val)
					continue;      /* unset: expands to nothing */
				n = strlen(val);
				if (o + n >= cap)
					return -1;
				memcpy(out + o, val, n);
				o += n;
				continue;
			}
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = *s++;
	}
	out[o] = '\0';
	return 0;
}

static int set_path(char *dst, const char *value, const char *path, int line, struct sn_err *e)
{
	if (bcfg_path_join(dst, BOOTCFG_PATH_MAX, "/", value) < 0)
		return sn_fail(e, SN_E_BLS_TOO_LONG, "%s:%d: path longer than %d bytes", path, line,
			       BOOTCFG_PATH_MAX - 1);
	return SN_OK;
}

/* One "key value" line; returns SN_OK or the reason to skip the entry. */
static int apply(struct bls_entry *b, const char *key, const char *raw, const char *path,
		 int line, bls_getvar_fn getvar, void *varg, int *efi, struct sn_err *e)
{
	char value[BLS_VALUE_MAX], *save = NULL;
	struct boot_entry *be = &b->be;

	if (expand(value, sizeof(value), raw, getvar, varg) < 0)
		return sn_fail(e, SN_E_BLS_TOO_LONG, "%s:%d: %s value too long", path, line, key);
	if (!strcmp(key, "title"))
		bcfg_copy(be->label, sizeof(be->label), value);
	else if (!strcmp(key, "version"))
		bcfg_copy(b->version, sizeof(b->version), value);
	else if (!strcmp(key, "machine-id"))
		bcfg_copy(b->machine_id, sizeof(b->machine_id), value);
	else if (!strcmp(key, "sort-key"))
		bcfg_copy(b->sort_key, sizeof(b->sort_key), value);
	else if (!strcmp(key, "linux"))
		return set_path(be->kernel, value, path, line, e);
	else if (!strcmp(key, "efi"))
		*efi = 1;
	else if (!strcmp(key, "options")) {
		/* Word by word: "$kernelopts $tuned_params" leaves stray blanks. */
		for (char *tok = strtok_r(value, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save))
			if (bcfg_append_word(be->cmdline, sizeof(be->cmdline), tok) < 0)
				return sn_fail(e, SN_E_BLS_TOO_LONG, "%s:%d: options longer than %zu bytes",
					       path, line, sizeof(be->cmdline) - 1);
	} else if (!strcmp(key, "initrd")) {
		/* After expansion one line may name several ("$tuned_initrd"). */
		for (char *tok = strtok_r(value, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			if (be->n_initrds == BOOTIMG_MAX_INITRDS)
				return sn_fail(e, SN_E_BLS_INITRDS, "%s:%d: more than %d initrds", path,
					       line, BOOTIMG_MAX_INITRDS);
			if (set_path(be->initrds[be->n_initrds], tok, path, line, e))
				return e->code;
			be->n_initrds++;
		}
	} else if (!strcmp(key, "devicetree") || !strcmp(key, "devicetree-overlay"))
		return sn_fail(e, SN_E_BLS_DEVICETREE, "%s:%d: %s %s: kexec cannot pass it, refused",
			       path, line, key, value);
	else if (!strcmp(key, "architecture") && strcasecmp(value, "x64") != 0)
		return sn_fail(e, SN_E_BLS_ARCH, "%s:%d: architecture %s, this machine is x64", path,
			       line, value);
	return SN_OK;
}

int bls_parse(const char *buf, size_t len, const char *path, bls_getvar_fn getvar,
	      void *varg, struct bls_entry *out, const struct bootfs_ops *ops, void *arg,
	      struct sn_err *e)
{
	const char *base = strrchr(path, '/');
	char stem[256];
	size_t pos = 0;
	int line = 0, efi = 0;

	sn_clear(e);
	memset(out, 0, sizeof(*out));
	base = base ? base + 1 : path;
	bcfg_copy(out->fname, sizeof(out->fname), base);
	bcfg_copy(stem, sizeof(stem), base);
	if (strlen(stem) > 5 && !strcmp(stem + strlen(stem) - 5, ".conf"))
		stem[strlen(stem) - 5] = '\0';
	bls_split_counter(stem, out->be.id, sizeof(out->be.id), &out->be.tries_left,
			  &out->be.tries_done);
	bcfg_copy(out->be.source, sizeof(out->be.source), "bls");
	bcfg_copy(out->be.config, sizeof(out->be.config), path);

	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		char text[BLS_VALUE_MAX], *key, *val, *end;

		pos += n + 1;
		line++;
		if (n >= sizeof(text))
			return sn_fail(e, SN_E_BLS_TOO_LONG, "%s:%d: line longer than %zu bytes", path,
				       line, sizeof(text) - 1);
		memcpy(text, s, n);
		text[n] = '\0';
		key = text + strspn(text, " \t\r");
		if (!*key || *key == '#')
			continue;
		val = key + strcspn(key, " \t\r");
		if (*val)
			*val++ = '\0';
		val += strspn(val, " \t\r");
		for (end = val + strlen(val); end > val && strchr(" \t\r", end[-1]); end--)
			;
		*end = '\0';
		if (!*val) {
			if (ops)
				bcfg_warn(ops, arg, SN_E_BLS_SYNTAX, "%s:%d: \"%s\" has no value, line ignored",
					  path, line, key);
			continue;
		}
		if (apply(out, key, val, path, line, getvar, varg, &efi, e))
			return e->code;
	}
	if (!out->be.kernel[0])
		return sn_fail(e, SN_E_BLS_NO_LINUX, "%s: no linux line%s, not a Linux entry", path,
			       efi ? " (an efi program)" : "");
	if (!out->be.label[0])
		bcfg_copy(out->be.label, sizeof(out->be.label),
			  out->version[0] ? out->version : out->be.id);
	return SN_OK;
}

static int cmpi(int a, int b)
{
	return (a > b) - (a < b);
}

int bls_compare(const struct bls_entry *a, const struct bls_entry *b)
{
	int r;

	/* systemd-boot's boot assessment: no tries left sorts last. */
	if ((r = cmpi(a->be.tries_left == 0, b->be.tries_left == 0)))
		return r;
	if ((r = cmpi(!a->sort_key[0], !b->sort_key[0])))
		return r;
	if (a->sort_key[0]) {
		if ((r = strcmp(a->sort_key, b->sort_key)))
			return r;
		if ((r = strcmp(a->machine_id, b->machine_id)))
			return r;
		if ((r = -uapi_vercmp(a->version, b->version)))
			return r;
	}
	if ((r = -uapi_vercmp(a->be.id, b->be.id)))
		return r;
	if ((r = -cmpi(a->be.tries_left, b->be.tries_left)))
		return r;
	if ((r = cmpi(a->be.tries_done, b->be.tries_done)))
		return r;
	return strcmp(a->fname, b->fname);
}

static int qcmp(const void *a, const void *b)
{
	return bls_compare(a, b);
}

static int is_conf(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".conf");
}

int bls_load(const struct bootfs_ops *ops, void *arg, const char *part, const char *dir,
	     bls_getvar_fn getvar, void *varg, struct boot_list *out, int *full_warned)
{
	char **names = NULL;
	struct bls_entry *v;
	int n_names, n = 0, added = 0;

	n_names = ops->list_dir(arg, part, dir, &names);
	if (n_names < 0)
		return -1;
	v = calloc(BLS_FILES_MAX, sizeof(*v));
	for (int i = 0; v && i < n_names; i++) {
		char path[BOOTCFG_PATH_MAX];
		struct sn_err e;
		size_t len;
		char *buf;

		if (!is_conf(names[i]))
			continue;
		if (n == BLS_FILES_MAX) {
			bcfg_warn(ops, arg, SN_E_BLS_TOO_MANY, "%s: more than %d entry files, %s and later ignored",
				  dir, BLS_FILES_MAX, names[i]);
			break;
		}
		if (bcfg_path_join(path, sizeof(path), dir, names[i]) < 0)
			continue;
		buf = ops->read_file(arg, part, path, BOOTCFG_FILE_MAX, &len);
		if (!buf)
			continue;
		if (bls_parse(buf, len, path, getvar, varg, &v[n], ops, arg, &e) == SN_OK) {
			bcfg_copy(v[n].be.part, sizeof(v[n].be.part), part);
			n++;
		} else {
			bcfg_warn(ops, arg, e.code, "%s, entry skipped", e.ctx);
		}
		free(buf);
	}
	for (int i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	if (!v)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), qcmp);
	for (int i = 0; i < n; i++) {
		struct boot_entry *be = bcfg_entry_new(ops, arg, out, "bls", v[i].be.config, full_warned);

		if (!be)
			break;
		*be = v[i].be;
		bcfg_entry_commit(out);
		added++;
	}
	free(v);
	return added;
}
