#include "boot/grub_lex.h"

#include <string.h>

void glex_init(struct glex *lx, const char *s, size_t len)
{
	lx->s = s;
	lx->len = len;
	lx->pos = 0;
	lx->line = 1;
}

static int at(const struct glex *lx, size_t i)
{
	return i < lx->len ? (unsigned char)lx->s[i] : -1;
}

enum gtok glex_next(struct glex *lx, struct gtoken *t)
{
	size_t i;

	for (;;) {
		int c = at(lx, lx->pos);

		if (c == ' ' || c == '\t' || c == '\r' || c == '\0') {
			lx->pos++;
		} else if (c == '\\' && at(lx, lx->pos + 1) == '\n') {
			lx->pos += 2;
			lx->line++;
		} else if (c == '#') {
			while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
				lx->pos++;
		} else {
			break;
		}
	}
	t->line = lx->line;
	t->p = lx->s + lx->pos;
	t->n = 0;
	if (lx->pos >= lx->len)
		return t->type = GT_EOF;
	switch (lx->s[lx->pos]) {
	case '\n':
		lx->line++;
		/* fall through */
	case ';':
		lx->pos++;
		t->n = 1;
		return t->type = GT_SEP;
	case '{':
		lx->pos++;
		t->n = 1;
		return t->type = GT_LBRACE;
	case '}':
		lx->pos++;
		t->n = 1;
		return t->type = GT_RBRACE;
	}
	for (i = lx->pos; i < lx->len;) {
		char c = lx->s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '{' ||
		    c == '}' || c == '\0')
			break;
		if (c == '\'' || c == '"') {
			size_t j = i + 1;

			while (j < lx->len && lx->s[j] != c) {
				if (c == '"' && lx->s[j] == '\\' && j + 1 < lx->len)
					j++;
				if (lx->s[j] == '\n')
					lx->line++;
				j++;
			}
			if (j >= lx->len) {
				lx->pos = lx->len;
				return t->type = GT_ERR;
			}
			i = j + 1;
		} else if (c == '\\' && i + 1 < lx->len) {
			if (lx->s[i + 1] == '\n')
				lx->line++;
			i += 2;
		} else if (c == '$' && i + 1 < lx->len && lx->s[i + 1] == '{') {
			const char *end = memchr(lx->s + i, '}', lx->len - i);

			i = end ? (size_t)(end - lx->s) + 1 : lx->len;
		} else {
			i++;
		}
	}
	t->n = i - lx->pos;
	lx->pos = i;
	return t->type = GT_WORD;
}

int graw_is(const struct gtoken *t, const char *kw)
{
	return t->type == GT_WORD && t->n == strlen(kw) && memcmp(t->p, kw, t->n) == 0;
}

struct cur {
	struct gwords *out;
	char word[GW_WORD_MAX];
	size_t len;
	int has;            /* quoted or non-empty: a word even if empty */
	int err;
};

static void put(struct cur *c, char ch)
{
	if (c->len + 1 >= sizeof(c->word)) {
		c->err = 1;
		return;
	}
	c->word[c->len++] = ch;
	c->has = 1;
}

static void emit(struct cur *c)
{
	struct gwords *o = c->out;

	if (!c->has)
		return;
	if (o->n >= GW_MAX || o->used + c->len + 1 > sizeof(o->buf)) {
		c->err = 1;
	} else {
		o->w[o->n++] = o->buf + o->used;
		memcpy(o->buf + o->used, c->word, c->len);
		o->buf[o->used + c->len] = '\0';
		o->used += c->len + 1;
	}
	c->len = 0;
	c->has = 0;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* At raw[*i] == '$': the variable's value (NULL if none), *i moved past
 * the reference; returns 0 when it was not a reference ('$' literal). */
static int var_ref(const char *raw, size_t n, size_t *i, gvar_fn get, void *varg,
		   const char **val)
{
	char name[128];
	size_t j = *i + 1, k = 0;

	if (j < n && raw[j] == '{') {
		for (j++; j < n && raw[j] != '}'; j++)
			if (k + 1 < sizeof(name))
				name[k++] = raw[j];
		if (j >= n)
			return 0;
		j++;
	} else if (j < n && strchr("?#@*", raw[j]) && raw[j]) {
		name[k++] = raw[j++];
	} else {
		while (j < n && name_char(raw[j]) && k + 1 < sizeof(name))
			name[k++] = raw[j++];
		if (!k)
			return 0;
	}
	name[k] = '\0';
	*val = get ? get(varg, name) : NULL;
	*i = j;
	return 1;
}

int gexpand(const char *raw, size_t n, gvar_fn get, void *varg, struct gwords *out)
{
	struct cur c = { .out = out };
	size_t i = 0;

	while (i < n && !c.err) {
		char ch = raw[i];
		const char *val;

		if (ch == '\'') {
			c.has = 1;
			for (i++; i < n && raw[i] != '\''; i++)
				put(&c, raw[i]);
			i++;
		} else if (ch == '"') {
			c.has = 1;
			for (i++; i < n && raw[i] != '"';) {
				if (raw[i] == '\\' && i + 1 < n && strchr("$\"\\\n", raw[i + 1])) {
					if (raw[i + 1] != '\n')
						put(&c, raw[i + 1]);
					i += 2;
				} else if (raw[i] == '$' && var_ref(raw, n, &i, get, varg, &val)) {
					for (; val && *val; val++)
						put(&c, *val);
				} else {
					put(&c, raw[i++]);
				}
			}
			i++;
		} else if (ch == '\\' && i + 1 < n) {
			if (raw[i + 1] != '\n')
				put(&c, raw[i + 1]);
			i += 2;
		} else if (ch == '$' && var_ref(raw, n, &i, get, varg, &val)) {
			/* Unquoted: the value splits into words on blanks. */
			for (; val && *val; val++) {
				if (*val == ' ' || *val == '\t' || *val == '\n')
					emit(&c);
				else
					put(&c, *val);
			}
		} else {
			put(&c, ch);
			i++;
		}
	}
	emit(&c);
	return c.err ? -1 : 0;
}
