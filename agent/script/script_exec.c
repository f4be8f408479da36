/* The interpreter: settings, scripts as frames (chain nests them), lines
 * split into commands joined by ||, && and ; (iPXE's exec.c rules), goto,
 * the image list, and turning the selected kernel into a boot_image. All
 * I/O goes through the caller's script_ops. */
#include "script/script_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"
#include "http/redact.h"
#include "http/urlutil.h"
#include "script/script_prefetch.h"

/* ---- settings */

struct script_setting {
	char *name;
	char *value;
	enum script_type type;   /* from `set name:type`, AUTO if none */
};

struct script_settings {
	struct script_setting *v;
	size_t n, cap;
};

struct script_settings *script_settings_new(void)
{
	return calloc(1, sizeof(struct script_settings));
}

void script_settings_free(struct script_settings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].value);
	}
	free(s->v);
	free(s);
}

static struct script_setting *find_setting(const struct script_settings *s,
					   const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

const char *script_get(const struct script_settings *s, const char *name)
{
	const struct script_setting *v = find_setting(s, name);
	return v ? v->value : NULL;
}

const char *script_get_typed(const struct script_settings *s, const char *name,
			     enum script_type *type)
{
	const struct script_setting *v = find_setting(s, name);

	*type = v ? v->type : SCRIPT_TYPE_AUTO;
	return v ? v->value : NULL;
}

static void remove_setting(struct script_settings *s, struct script_setting *v)
{
	free(v->name);
	free(v->value);
	*v = s->v[--s->n];
}

int script_set(struct script_settings *s, const char *name, const char *value)
{
	return script_set_typed(s, name, value, SCRIPT_TYPE_AUTO);
}

int script_set_typed(struct script_settings *s, const char *name, const char *value,
		     enum script_type type)
{
	struct script_setting *v;
	char *copy;
	size_t len = strlen(name);

	if (len == 0 || len > SCRIPT_NAME_MAX)
		return SN_E_SCRIPT_SETTING_NAME;
	v = find_setting(s, name);
	if (!value || !*value) {
		if (v)
			remove_setting(s, v);
		return SN_OK;
	}
	if (strlen(value) > SCRIPT_VALUE_MAX)
		return SN_E_SCRIPT_VALUE_TOO_LONG;
	if (!(copy = strdup(value)))
		return SN_E_NOMEM;
	if (v) {
		free(v->value);
		v->value = copy;
		v->type = type;
		return SN_OK;
	}
	if (s->n == SCRIPT_SETTINGS_MAX) {
		free(copy);
		return SN_E_SCRIPT_TOO_MANY_SETTINGS;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct script_setting *nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv) {
			free(copy);
			return SN_E_NOMEM;
		}
		s->v = nv;
		s->cap = cap;
	}
	if (!(s->v[s->n].name = strdup(name))) {
		free(copy);
		return SN_E_NOMEM;
	}
	s->v[s->n].type = type;
	s->v[s->n++].value = copy;
	return SN_OK;
}

/* ---- messages */

const char *script_url_log(const char *url, char out[SCRIPT_URL_LOG])
{
	url_for_log(url, out, SCRIPT_URL_LOG);
	return out;
}

void script_log(struct script_ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!c->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->ops->log(c->arg, msg);
}

void script_err_prefix(struct sn_err *e, const char *fmt, ...)
{
	char tmp[sizeof(e->ctx)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return;
	snprintf(tmp + n, sizeof(tmp) - (size_t)n, "%s", e->ctx);
	memcpy(e->ctx, tmp, sizeof(tmp));
}

/* "line 7" at the top, "menu.ipxe:7" inside a chained script. */
static void where(const struct script_frame *f, char *out, size_t size)
{
	if (f->depth == 0)
		snprintf(out, size, "line %u", f->lineno);
	else
		snprintf(out, size, "%s:%u", f->name, f->lineno);
}

void script_finish(struct script_ctx *c, enum script_outcome outcome,
		   const char *fmt, ...)
{
	char at[96];
	va_list ap;
	int n;

	where(c->frame, at, sizeof(at));
	va_start(ap, fmt);
	n = vsnprintf(c->res->reason, sizeof(c->res->reason), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(c->res->reason))
		snprintf(c->res->reason + n, sizeof(c->res->reason) - (size_t)n,
			 " (%s)", at);
	c->res->outcome = outcome;
	c->res->line = c->frame->lineno;
	c->stop = SCRIPT_STOP_ALL;
}

/* ---- images */

int script_resolve(struct script_ctx *c, const char *ref, char *out,
		   size_t size, struct sn_err *e)
{
	return script_url_resolve(c->frame->base_url, ref, out, size, e);
}

struct script_image *script_image_find(struct script_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->n_images; i++)
		if (strcmp(c->images[i].name, name) == 0)
			return &c->images[i];
	return NULL;
}

/* Keeps the list in fetch order: initrds are handed to the kernel in it. */
void script_image_free(struct script_ctx *c, struct script_image *img)
{
	size_t i = (size_t)(img - c->images);

	if (img->fd >= 0)
		close(img->fd);
	free(img->args);
	memmove(&c->images[i], &c->images[i + 1],
		(c->n_images - i - 1) * sizeof(c->images[0]));
	c->n_images--;
}

void script_images_free_all(struct script_ctx *c)
{
	while (c->n_images)
		script_image_free(c, &c->images[c->n_images - 1]);
}

int script_image_set_args(struct script_image *img, int argc, char *const *argv,
			  struct sn_err *e)
{
	size_t len = 1;
	char *args = NULL;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (argc) {
		if (!(args = malloc(len)))
			return sn_fail(e, SN_E_NOMEM, "arguments of %s", img->name);
		script_join_words(argc, argv, args, len);
	}
	free(img->args);
	img->args = args;
	return SN_OK;
}

static int image_name(const char *url, const char *name, char *out, struct sn_err *e)
{
	if (name) {
		if (!*name || strlen(name) >= SCRIPT_IMAGE_NAME_MAX)
			return sn_fail(e, SN_E_SCRIPT_IMAGE_NAME, "--name \"%.60s\"", name);
		strcpy(out, name);
		return SN_OK;
	}
	script_url_basename(url, out, SCRIPT_IMAGE_NAME_MAX);
	if (!*out)
		snprintf(out, SCRIPT_IMAGE_NAME_MAX, "%s", "image");
	return SN_OK;
}

/* The caller's error when it gave one, else ours; always with context. */
static int hook_failed(int rc, int fallback, struct sn_err *e, const char *what,
		       const char *url)
{
	char u[SCRIPT_URL_LOG];

	if (e->code == SN_OK)
		sn_fail(e, fallback, "returned %d", rc);
	script_err_prefix(e, "%s %s: ", what, script_url_log(url, u));
	return e->code;
}

/* urls[0] is the line's URL, then its mirrors. */
static int fetch_fd(struct script_ctx *c, const char *const *urls, size_t n_urls,
		    const char *sha256, int *fd, struct sn_err *e)
{
	const char *url = urls[0];
	char u[SCRIPT_URL_LOG];
	int rc;

	*fd = -1;
	if (!c->ops->fetch)
		return sn_fail(e, SN_E_SCRIPT_NO_OP, "no fetch hook for %s",
			       script_url_log(url, u));
	sn_clear(e);
	/* a download started ahead for this line gives the line's result */
	if ((rc = script_prefetch_take(c, urls, n_urls, sha256, fd, e)) < 0)
		rc = c->ops->fetch(c->arg, urls, n_urls, sha256, fd, e);
	if (rc == SN_OK && *fd < 0)
		rc = sn_fail(e, SN_E_SCRIPT_FETCH, "the fetch hook gave no file");
	if (rc != SN_OK) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return hook_failed(rc, SN_E_SCRIPT_FETCH, e, "fetch", url);
	}
	return SN_OK;
}

static struct script_image *selected_kernel(struct script_ctx *c)
{
	for (size_t i = 0; i < c->n_images; i++)
		if (c->images[i].selected)
			return &c->images[i];
	return NULL;
}

int script_image_fetch(struct script_ctx *c, const char *ref, const char *name,
		       const char *sha256, const char *const *mirrors, size_t n_mirrors,
		       int argc, char *const *argv, int select,
		       struct script_image **out, struct sn_err *e)
{
	char urls[1 + SCRIPT_MIRRORS_MAX][SCRIPT_URL_MAX + 1];
	const char *list[1 + SCRIPT_MIRRORS_MAX];
	char iname[SCRIPT_IMAGE_NAME_MAX], u[SCRIPT_URL_LOG];
	const char *url = urls[0];
	struct script_image *img, *old;
	int fd, rc;

	if (n_mirrors > SCRIPT_MIRRORS_MAX)
		return sn_fail(e, SN_E_SCRIPT_TOO_MANY_MIRRORS, "%zu, the limit is %u",
			       n_mirrors, SCRIPT_MIRRORS_MAX);
	for (size_t i = 0; i <= n_mirrors; i++) {
		if ((rc = script_resolve(c, i ? mirrors[i - 1] : ref, urls[i],
					 sizeof(urls[i]), e)) != SN_OK) {
			if (i)
				script_err_prefix(e, "--mirror %zu: ", i);
			return rc;
		}
		list[i] = urls[i];
	}
	if ((rc = image_name(url, name, iname, e)) != SN_OK)
		return rc;
	if (c->pf_dry)   /* a later line, run to start its download early */
		return script_prefetch_begin(c, list, 1 + n_mirrors, sha256);
	if (script_prefetch_starts(c->cmd))
		script_prefetch_ahead(c, url);
	if ((rc = fetch_fd(c, list, 1 + n_mirrors, sha256, &fd, e)) != SN_OK)
		return rc;
	/* iPXE replaces an image of the same name; a new kernel also drops
	 * the old one, which would otherwise be handed on as an initrd. */
	if ((old = script_image_find(c, iname)))
		script_image_free(c, old);
	if (select && (old = selected_kernel(c)))
		script_image_free(c, old);
	if (c->n_images == SCRIPT_IMAGES_MAX) {
		close(fd);
		return sn_fail(e, SN_E_SCRIPT_TOO_MANY_IMAGES, "%s: more than %u",
			       iname, SCRIPT_IMAGES_MAX);
	}
	img = &c->images[c->n_images++];
	memset(img, 0, sizeof(*img));
	strcpy(img->name, iname);
	img->fd = fd;
	img->selected = select;
	if ((rc = script_image_set_args(img, argc, argv, e)) != SN_OK) {
		script_image_free(c, img);
		return rc;
	}
	if (n_mirrors)
		script_log(c, "%s: %s (+%zu mirror%s)", iname, script_url_log(url, u),
			   n_mirrors, n_mirrors == 1 ? "" : "s");
	else
		script_log(c, "%s: %s", iname, script_url_log(url, u));
	if (out)
		*out = img;
	return SN_OK;
}

/* ---- boot */

/* An initrd with arguments reaches the kernel as iPXE hands it on: its
 * bytes inside a newc cpio entry named by the first argument. The copy is
 * small in practice (a config file, a key): big initrds have no name. */
static int wrap_cpio(const struct script_image *img, int *out, struct sn_err *e)
{
	static const char zeros[4];
	char *hdr = NULL, *buf = NULL;
	size_t cap = 66 * (116 + strlen(img->args)), hlen = 0, done = 0;
	struct stat st;
	int fd = -1, rc;

	*out = -1;
	if (fstat(img->fd, &st) != 0)
		return sn_fail(e, SN_E_SCRIPT_CPIO_WRAP, "%s: fstat: %m", img->name);
	if (!(hdr = malloc(cap)) || !(buf = malloc(65536))) {
		rc = sn_fail(e, SN_E_NOMEM, "cpio wrapping of %s", img->name);
		goto out;
	}
	if ((rc = script_cpio_headers(img->args, (size_t)st.st_size, hdr, cap, &hlen, e)) != SN_OK)
		goto out;
	if ((fd = memfd_create(img->name, MFD_CLOEXEC)) < 0 ||
	    fd_write_all(fd, hdr, hlen) != 0) {
		rc = sn_fail(e, SN_E_SCRIPT_CPIO_WRAP, "%s: memfd: %m", img->name);
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(img->fd, buf, 65536, (off_t)done);
		if (n <= 0 || fd_write_all(fd, buf, (size_t)n) != 0) {
			rc = sn_fail(e, SN_E_SCRIPT_CPIO_WRAP, "%s: copying byte %zu: %s",
				     img->name, done, n == 0 ? "file shrank" : "read/write failed");
			goto out;
		}
		done += (size_t)n;
	}
	if (fd_write_all(fd, zeros, (4 - done % 4) % 4) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
		rc = sn_fail(e, SN_E_SCRIPT_CPIO_WRAP, "%s: padding: %m", img->name);
		goto out;
	}
	*out = fd;
	fd = -1;
	rc = SN_OK;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(hdr);
	return rc;
}

/* wrapped[] gets the fds made here (closed by the caller), -1 elsewhere. */
static int fill_boot_image(struct script_ctx *c, const struct script_image *kernel,
			   struct boot_image *bi, int *wrapped, struct sn_err *e)
{
	int rc;

	memset(bi, 0, sizeof(*bi));
	for (int i = 0; i < BOOTIMG_MAX_INITRDS; i++)
		wrapped[i] = -1;
	snprintf(bi->label, sizeof(bi->label), "%.*s", (int)sizeof(bi->label) - 1, kernel->name);
	snprintf(bi->source, sizeof(bi->source), "network");
	bi->kernel_fd = kernel->fd;
	if (kernel->args && strlen(kernel->args) >= sizeof(bi->cmdline))
		return sn_fail(e, SN_E_SCRIPT_CMDLINE_TOO_LONG, "%zu bytes, the limit is %zu",
			       strlen(kernel->args), sizeof(bi->cmdline) - 1);
	snprintf(bi->cmdline, sizeof(bi->cmdline), "%s", kernel->args ? kernel->args : "");
	for (size_t i = 0; i < c->n_images; i++) {
		const struct script_image *img = &c->images[i];
		if (img == kernel)
			continue;
		if (bi->n_initrds == BOOTIMG_MAX_INITRDS)
			return sn_fail(e, SN_E_SCRIPT_TOO_MANY_INITRDS, "more than %d",
				       BOOTIMG_MAX_INITRDS);
		if (img->args) {
			if ((rc = wrap_cpio(img, &wrapped[bi->n_initrds], e)) != SN_OK)
				return rc;
			script_log(c, "initrd %s: in the initramfs as %s", img->name, img->args);
			bi->initrd_fds[bi->n_initrds] = wrapped[bi->n_initrds];
			bi->n_initrds++;
			continue;
		}
		bi->initrd_fds[bi->n_initrds++] = img->fd;
	}
	return SN_OK;
}

int script_boot(struct script_ctx *c, struct script_image *kernel, struct sn_err *e)
{
	struct boot_image *bi;
	int wrapped[BOOTIMG_MAX_INITRDS];
	char shown[1024];   /* key=, token=... masked (redact.h) */
	int rc;

	if (!kernel && !(kernel = selected_kernel(c)) && c->n_images == 1)
		kernel = &c->images[0];   /* iPXE boots the only image there is */
	if (!kernel)
		return sn_fail(e, SN_E_SCRIPT_NO_KERNEL, "%zu images, none selected by kernel",
			       c->n_images);
	if (!c->ops->boot)
		return sn_fail(e, SN_E_SCRIPT_NO_OP, "no boot hook");
	if (!(bi = malloc(sizeof(*bi))))
		return sn_fail(e, SN_E_NOMEM, "boot image");
	if ((rc = fill_boot_image(c, kernel, bi, wrapped, e)) != SN_OK)
		goto out;
	cmdline_redact(bi->cmdline, shown, sizeof(shown));
	script_log(c, "booting %s (%d initrd%s): %s", bi->label, bi->n_initrds,
		   bi->n_initrds == 1 ? "" : "s", shown);
	c->res->boot_attempts++;
	script_prefetch_drop_all(c);   /* the image set is decided */
	sn_clear(e);
	rc = c->ops->boot(c->arg, bi, e);
	if (rc == SN_OK) {
		script_finish(c, SCRIPT_BOOTED, "booted %s", bi->label);
		goto out;
	}
	rc = hook_failed(rc, SN_E_SCRIPT_BOOT, e, "boot", bi->label);
	c->boot_failed = 1;
out:
	for (int i = 0; i < BOOTIMG_MAX_INITRDS; i++)
		if (wrapped[i] >= 0)
			close(wrapped[i]);
	free(bi);
	return rc;
}

/* ---- frames: one per script, chain nests them */

static int run_frame(struct script_ctx *c, struct script_frame *f, struct sn_err *e);

static struct script_frame *frame_new(const char *url, unsigned depth)
{
	struct script_frame *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->depth = depth;
	snprintf(f->base_url, sizeof(f->base_url), "%s", url ? url : "");
	script_url_basename(f->base_url, f->name, sizeof(f->name));
	return f;
}

/* Runs text as a script nested in the current one (or as the first). */
static int run_text(struct script_ctx *c, const char *text, size_t len,
		    const char *url, unsigned depth, struct sn_err *e)
{
	struct script_frame *f = frame_new(url, depth), *parent = c->frame;
	int rc;

	if (!f)
		return sn_fail(e, SN_E_NOMEM, "script frame");
	if ((rc = script_program_parse(text, len, &f->prog, e)) != SN_OK) {
		if (depth)
			script_err_prefix(e, "%s: ", f->name);
		free(f);
		return rc;
	}
	c->frame = f;
	rc = run_frame(c, f, e);
	script_prefetch_drop_all(c);   /* its lines are left */
	c->frame = parent ? parent : f;   /* the first frame stays for messages */
	if (c->frame == f)
		return rc;   /* freed by script_run */
	script_program_free(&f->prog);
	free(f);
	return rc;
}

int script_chain(struct script_ctx *c, const char *ref, const char *name,
		 const char *sha256, int argc, char *const *argv, int replace,
		 struct sn_err *e)
{
	char url[SCRIPT_URL_MAX + 1], u[SCRIPT_URL_LOG];
	struct script_image *img = script_image_find(c, ref);
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (img) {   /* boot/chain <image name> */
		if (argc && (rc = script_image_set_args(img, argc, argv, e)) != SN_OK)
			return rc;
		return script_boot(c, img, e);
	}
	if ((rc = script_resolve(c, ref, url, sizeof(url), e)) != SN_OK)
		return rc;
	if (c->frame->depth + 1 > SCRIPT_CHAIN_DEPTH_MAX)
		return sn_fail(e, SN_E_SCRIPT_CHAIN_DEPTH, "%s: more than %u levels",
			       script_url_log(url, u), SCRIPT_CHAIN_DEPTH_MAX);
	if (!c->ops->fetch_script)
		return sn_fail(e, SN_E_SCRIPT_NO_OP, "no fetch_script hook for %s",
			       script_url_log(url, u));
	sn_clear(e);
	rc = c->ops->fetch_script(c->arg, url, sha256, &buf, &len, e);
	if (rc != SN_OK) {
		free(buf);
		return hook_failed(rc, SN_E_SCRIPT_FETCH_SCRIPT, e, "fetch", url);
	}
	if (!buf)
		len = 0;
	if (script_has_header(buf ? buf : "", len)) {
		script_log(c, "chain: running script %s", script_url_log(url, u));
		rc = run_text(c, buf, len, url, c->frame->depth + 1, e);
		free(buf);
		if (c->exited) {
			int status = c->exit_status;
			c->exited = 0;
			if (replace) {   /* the script it replaced is gone: exit it too */
				script_exit(c, status);
				return SN_OK;
			}
			if (status != 0)
				return sn_fail(e, SN_E_SCRIPT_CHAIN_EXIT, "%s: exit %d",
					       script_url_log(url, u), status);
			return SN_OK;
		}
		if (replace && c->stop != SCRIPT_STOP_ALL)
			c->stop = SCRIPT_STOP_FRAME;
		return rc;
	}
	free(buf);
	script_log(c, "chain: %s is not a script, booting it as a kernel",
		   script_url_log(url, u));
	rc = script_image_fetch(c, url, name, sha256, NULL, 0, argc, argv, 1, &img, e);
	if (rc != SN_OK)
		return rc;
	return script_boot(c, img, e);
}

void script_exit(struct script_ctx *c, int status)
{
	c->res->exit_status = status;
	if (c->frame->depth == 0) {
		script_finish(c, SCRIPT_EXIT, "exit %d", status);
		return;
	}
	script_log(c, "exit %d: back to the script that chained %s", status, c->frame->name);
	c->exited = 1;
	c->exit_status = status;
	c->stop = SCRIPT_STOP_FRAME;
}

int script_goto(struct script_ctx *c, const char *label, struct sn_err *e)
{
	long at = script_program_find_label(&c->frame->prog, label);

	if (at < 0)
		return sn_fail(e, SN_E_SCRIPT_NO_LABEL, ":%.60s", label);
	c->frame->pc = (size_t)at;
	c->stop = SCRIPT_STOP_LINE;
	return SN_OK;
}

/* Expands the words of one command into the frame's arena, as iPXE does:
 * words are split first, so a value with spaces stays one argument. */
static int expand_words(struct script_ctx *c, struct script_frame *f,
			char *const *words, size_t n, struct sn_err *e)
{
	size_t used = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		rc = script_expand(words[i], c->settings, f->arena + used,
				   sizeof(f->arena) - used, e);
		if (rc != SN_OK)
			return rc;
		f->argv[i] = f->arena + used;
		used += strlen(f->arena + used) + 1;
	}
	f->argv[n] = NULL;
	return SN_OK;
}

static int run_command(struct script_ctx *c, struct script_frame *f,
		       char *const *words, size_t n, struct sn_err *e)
{
	char at[96];
	int rc;

	if (n == 0)
		return SN_OK;   /* an empty command succeeds (iPXE) */
	const char *name = words[0];   /* c->cmd is changed by nested scripts */

	c->boot_failed = 0;
	rc = expand_words(c, f, words, n, e);
	if (rc == SN_OK) {
		c->cmd = name = f->argv[0];
		rc = script_cmd_exec(c, (int)n, f->argv, e);
	}
	if (rc != SN_OK) {
		char msg[sizeof(e->ctx) + 128];
		where(f, at, sizeof(at));
		script_err_prefix(e, "%s: %.60s: ", at, name);
		script_log(c, "%s", sn_format(e, msg, sizeof(msg)));
	}
	return rc;
}

/* One line: commands joined by ||, && and ;. The line's status is the
 * status of the last command that ran. */
static int run_line(struct script_ctx *c, struct script_frame *f,
		    const struct script_line *l, struct sn_err *e)
{
	size_t n, start = 0;
	int rc = SN_OK, process = 1;

	strcpy(f->line, l->text);
	if ((rc = script_split_words(f->line, f->words, SCRIPT_WORDS_MAX, &n, e)) != SN_OK) {
		char at[96];
		where(f, at, sizeof(at));
		script_err_prefix(e, "%s: ", at);
		return rc;
	}
	for (;;) {
		enum script_term term;
		size_t len = script_command_len(f->words + start, n - start, &term);
		if (process)
			rc = run_command(c, f, f->words + start, len, e);
		if (c->stop != SCRIPT_STOP_NONE || term == SCRIPT_TERM_END)
			break;
		process = term == SCRIPT_TERM_SEQ || (term == SCRIPT_TERM_OR) == (rc != SN_OK);
		start += len + 1;
	}
	if (c->stop == SCRIPT_STOP_LINE)
		c->stop = SCRIPT_STOP_NONE;
	return rc;
}

static int run_frame(struct script_ctx *c, struct script_frame *f, struct sn_err *e)
{
	int rc = SN_OK;

	while (f->pc < f->prog.n_lines) {
		const struct script_line *l = &f->prog.lines[f->pc++];
		f->lineno = l->lineno;
		if (++c->steps > SCRIPT_STEPS_MAX) {
			char at[96];
			where(f, at, sizeof(at));
			return sn_fail(e, SN_E_SCRIPT_STEP_LIMIT, "%s: more than %u lines run",
				       at, SCRIPT_STEPS_MAX);
		}
		script_prefetch_at_line(c, f, f->pc - 1);
		rc = run_line(c, f, l, e);
		if (c->stop == SCRIPT_STOP_FRAME) {
			c->stop = SCRIPT_STOP_NONE;
			return rc;
		}
		if (c->stop == SCRIPT_STOP_ALL || rc != SN_OK)
			return rc;
	}
	return SN_OK;
}

/* ---- the entry point */

static void close_result(struct script_ctx *c, int rc, const struct sn_err *err)
{
	struct script_result *res = c->res;

	res->lines_run = c->steps;
	if (c->stop == SCRIPT_STOP_ALL)
		return;
	if (rc == SN_OK) {
		res->outcome = SCRIPT_ENDED;
		snprintf(res->reason, sizeof(res->reason), "the script ended without booting");
		return;
	}
	res->outcome = c->boot_failed ? SCRIPT_BOOT_FAILED : SCRIPT_FAILED;
	res->line = c->frame ? c->frame->lineno : 0;
	snprintf(res->reason, sizeof(res->reason), "%s: %s", sn_codename(err->code), err->ctx);
}

int script_run(const char *text, size_t len, const char *base_url,
	       struct script_settings *settings, const struct script_ops *ops,
	       void *arg, struct script_result *res, struct sn_err *e)
{
	struct script_ctx *c = calloc(1, sizeof(*c));
	struct sn_err err;
	int rc;

	sn_clear(&err);
	memset(res, 0, sizeof(*res));
	res->san_drive = 0x80;
	if (!c) {
		res->outcome = SCRIPT_FAILED;
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return sn_fail(e, SN_E_NOMEM, "interpreter state");
	}
	c->ops = ops;
	c->arg = arg;
	c->settings = settings;
	c->res = res;
	c->last_menu = -1;
	rc = run_text(c, text, len, base_url, 0, &err);
	close_result(c, rc, &err);
	if (rc == SN_OK)
		sn_clear(&err);
	if (e)
		*e = err;
	script_prefetch_drop_all(c);
	script_images_free_all(c);
	if (c->frame) {
		script_program_free(&c->frame->prog);
		free(c->frame);
	}
	free(c);
	return rc == SN_OK ? SN_OK : err.code;
}
