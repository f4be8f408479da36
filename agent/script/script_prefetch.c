/* Parallel downloads in a script (script_prefetch.h): which lines may be
 * fetched ahead, and matching a line with the download started for it. */
#include "script/script_prefetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fetching_cmds[] = { "initrd", "imgfetch", "module" };

static int is_fetching(const char *cmd)
{
	for (size_t i = 0; i < sizeof(fetching_cmds) / sizeof(fetching_cmds[0]); i++)
		if (strcmp(cmd, fetching_cmds[i]) == 0)
			return 1;
	return 0;
}

int script_prefetch_starts(const char *cmd)
{
	return cmd && (is_fetching(cmd) || strcmp(cmd, "kernel") == 0 ||
		       strcmp(cmd, "imgselect") == 0);
}

/* Words of a copy of line's text: 1 when its first command fetches an
 * image; *more when other commands follow it on the line. */
static int line_fetches(const struct script_line *l, int *more)
{
	char buf[SCRIPT_LINE_MAX + 1], *words[SCRIPT_WORDS_MAX];
	struct sn_err e;
	enum script_term term;
	size_t n, len;

	if (l->label || strlen(l->text) > SCRIPT_LINE_MAX)
		return 0;
	strcpy(buf, l->text);
	if (script_split_words(buf, words, SCRIPT_WORDS_MAX, &n, &e) != SN_OK)
		return 0;
	len = script_command_len(words, n, &term);
	if (len < 2 || !is_fetching(words[0]))   /* a URL is required */
		return 0;
	*more = term != SCRIPT_TERM_END;
	return 1;
}

size_t script_prefetch_scan(const struct script_program *p, size_t from, size_t *idx,
			    size_t max)
{
	size_t n = 0;
	int more = 0;

	for (size_t i = from + 1; i < p->n_lines && n < max; i++) {
		if (!line_fetches(&p->lines[i], &more))
			break;
		idx[n++] = i;
		if (more)
			break;
	}
	return n;
}

char *script_prefetch_key(const char *const *urls, size_t n_urls, const char *sha256)
{
	size_t len = strlen(sha256 ? sha256 : "-") + 2;
	char *key, *p;

	for (size_t i = 0; i < n_urls; i++)
		len += strlen(urls[i]) + 1;
	if (!(key = malloc(len)))
		return NULL;
	p = key + sprintf(key, "%s\n", sha256 ? sha256 : "-");
	for (size_t i = 0; i < n_urls; i++)
		p += sprintf(p, "%s\n", urls[i]);   /* words hold no newline */
	return key;
}

int script_prefetch_match(const char *key, const char *const *urls, size_t n_urls,
			  const char *sha256)
{
	char *k = script_prefetch_key(urls, n_urls, sha256);
	int same = k && key && strcmp(k, key) == 0;

	free(k);
	return same;
}

/* ---- the interpreter's side */

static int enabled(const struct script_ctx *c)
{
	return c->ops->prefetch_start && c->ops->prefetch_take && c->ops->prefetch_drop;
}

static void drop(struct script_ctx *c, size_t i)
{
	c->ops->prefetch_drop(c->arg, c->pf[i].handle);
	free(c->pf[i].key);
	memmove(&c->pf[i], &c->pf[i + 1], (c->n_pf - i - 1) * sizeof(c->pf[0]));
	c->n_pf--;
}

void script_prefetch_drop_all(struct script_ctx *c)
{
	while (c->n_pf)
		drop(c, c->n_pf - 1);
}

void script_prefetch_at_line(struct script_ctx *c, const struct script_frame *f, size_t line)
{
	if (c->pf_frame != f || c->pf_next != line)
		script_prefetch_drop_all(c);
	while (c->n_pf && c->pf[0].line < line)   /* its line ran without taking it */
		drop(c, 0);
	c->pf_frame = f;
	c->pf_next = line + 1;
}

static int started(const struct script_ctx *c, size_t line)
{
	for (size_t i = 0; i < c->n_pf; i++)
		if (c->pf[i].line == line)
			return 1;
	return 0;
}

/* Runs line (expanded now: only image lines come between, and they set
 * nothing) as a dry run: its command's options are parsed by the command
 * table as when it runs, and script_image_fetch calls
 * script_prefetch_begin instead of downloading. 1 when a download started. */
static int dry_run(struct script_ctx *c, const struct script_line *l, size_t line)
{
	struct dry {
		char text[SCRIPT_LINE_MAX + 1];
		char *words[SCRIPT_WORDS_MAX];
		char *argv[SCRIPT_WORDS_MAX + 1];
		char arena[SCRIPT_EXPAND_MAX];
	} *d = malloc(sizeof(*d));
	enum script_term term;
	size_t n, used = 0, before = c->n_pf;
	struct sn_err e;

	if (!d)
		return 0;
	snprintf(d->text, sizeof(d->text), "%s", l->text);
	if (script_split_words(d->text, d->words, SCRIPT_WORDS_MAX, &n, &e) != SN_OK)
		goto out;
	n = script_command_len(d->words, n, &term);
	for (size_t i = 0; i < n; i++) {
		if (script_expand(d->words[i], c->settings, d->arena + used,
				  sizeof(d->arena) - used, &e) != SN_OK)
			goto out;   /* the line itself will say why */
		d->argv[i] = d->arena + used;
		used += strlen(d->arena + used) + 1;
	}
	d->argv[n] = NULL;
	if (n == 0 || !is_fetching(d->argv[0]))
		goto out;
	c->pf_dry = 1;
	c->pf_dry_line = line;
	(void)script_cmd_exec(c, (int)n, d->argv, &e);   /* its errors are the line's to report */
	c->pf_dry = 0;
out:
	free(d);
	return c->n_pf > before;
}

void script_prefetch_ahead(struct script_ctx *c, const char *beside_url)
{
	const struct script_frame *f = c->frame;
	size_t idx[SCRIPT_PREFETCH_MAX], n;

	if (!enabled(c) || c->pf_dry || c->pf_frame != f || c->pf_next == 0)
		return;
	n = script_prefetch_scan(&f->prog, c->pf_next - 1, idx, SCRIPT_PREFETCH_MAX);
	c->pf_beside = beside_url;
	for (size_t i = 0; i < n && c->n_pf < SCRIPT_PREFETCH_MAX; i++) {
		if (started(c, idx[i]))
			continue;
		if (!dry_run(c, &f->prog.lines[idx[i]], idx[i]))
			break;   /* no spare CPU now, or the line cannot run */
	}
	c->pf_beside = NULL;
}

int script_prefetch_begin(struct script_ctx *c, const char *const *urls, size_t n_urls,
			  const char *sha256)
{
	struct script_prefetch *p = &c->pf[c->n_pf];
	char *key;

	if (c->n_pf == SCRIPT_PREFETCH_MAX || !(key = script_prefetch_key(urls, n_urls, sha256)))
		return SN_OK;
	p->handle = c->ops->prefetch_start(c->arg, urls, n_urls, sha256,
					   c->pf_beside ? c->pf_beside : "");
	if (!p->handle) {
		free(key);
		return SN_OK;
	}
	p->key = key;
	p->line = c->pf_dry_line;
	c->n_pf++;
	return SN_OK;
}

int script_prefetch_take(struct script_ctx *c, const char *const *urls, size_t n_urls,
			 const char *sha256, int *fd, struct sn_err *e)
{
	size_t line = c->pf_next - 1;
	void *handle;

	for (size_t i = 0; i < c->n_pf; i++) {
		if (c->pf[i].line != line || c->pf_frame != c->frame)
			continue;
		if (!script_prefetch_match(c->pf[i].key, urls, n_urls, sha256)) {
			drop(c, i);   /* the line asks for something else */
			return -1;
		}
		handle = c->pf[i].handle;
		free(c->pf[i].key);
		memmove(&c->pf[i], &c->pf[i + 1], (c->n_pf - i - 1) * sizeof(c->pf[0]));
		c->n_pf--;
		return c->ops->prefetch_take(c->arg, handle, fd, e);
	}
	return -1;
}
