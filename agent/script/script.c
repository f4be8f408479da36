/* The pure half of the iPXE subset: the header, lines and labels, words,
 * ${} expansion and URL resolution. No I/O, no globals. Rules follow iPXE's
 * src/image/script.c and src/core/exec.c; differences are in docs/script.md. */
#include "script/script_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/urlutil.h"

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' ||
	       ch == '\f' || ch == '\r';
}

/* First bytes of a buffer, printable, for messages. */
static void quote_start(const char *buf, size_t len, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && i < 16 && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
	}
	out[o] = '\0';
}

int script_has_header(const char *buf, size_t len)
{
	if (len < 6 || (memcmp(buf, "#!ipxe", 6) != 0 && memcmp(buf, "#!gpxe", 6) != 0))
		return 0;
	return len == 6 || is_space(buf[6]);
}

/* ---- lines */

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* Splits ":label rest" off a logical line (iPXE: the rest still runs). */
static void split_label(char *line, struct script_line *l)
{
	char *p = line;

	while (is_space(*p))
		p++;
	l->label = NULL;
	if (*p == ':') {
		l->label = ++p;
		while (*p && !is_space(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	l->text = p;
}

int script_program_parse(const char *text, size_t len,
			 struct script_program *p, struct sn_err *e)
{
	char start[80];
	size_t pos = 0, out = 0;
	unsigned lineno = 1;

	memset(p, 0, sizeof(*p));
	if (len > SCRIPT_TEXT_MAX)
		return sn_fail(e, SN_E_SCRIPT_TOO_BIG, "%zu bytes, the limit is %u",
			       len, SCRIPT_TEXT_MAX);
	if (!script_has_header(text, len)) {
		quote_start(text, len, start, sizeof(start));
		return sn_fail(e, SN_E_SCRIPT_NO_HEADER, "starts with \"%s\"", start);
	}
	const char *nul = memchr(text, '\0', len);
	if (nul)
		return sn_fail(e, SN_E_SCRIPT_NUL_BYTE, "line %zu, byte %zu",
			       count_lines(text, (size_t)(nul - text)),
			       (size_t)(nul - text));
	p->buf = malloc(len + 1);
	p->lines = calloc(count_lines(text, len), sizeof(*p->lines));
	if (!p->buf || !p->lines) {
		script_program_free(p);
		return sn_fail(e, SN_E_NOMEM, "script of %zu bytes", len);
	}
	while (pos < len) {
		size_t line_start = out;
		unsigned first = lineno;
		for (;;) {   /* one logical line: physical lines joined by "\\\n" */
			const char *eol = memchr(text + pos, '\n', len - pos);
			size_t frag = eol ? (size_t)(eol - (text + pos)) : len - pos;
			memcpy(p->buf + out, text + pos, frag);
			out += frag;
			pos += frag + 1;
			if (out > line_start && p->buf[out - 1] == '\r')
				out--;
			if (out - line_start > SCRIPT_LINE_MAX) {
				script_program_free(p);
				return sn_fail(e, SN_E_SCRIPT_LINE_TOO_LONG,
					       "line %u: longer than %u bytes", first,
					       SCRIPT_LINE_MAX);
			}
			if (!(out > line_start && p->buf[out - 1] == '\\') || pos >= len)
				break;
			out--;   /* a backslash at the end joins the next line */
			lineno++;
		}
		if (out > line_start && p->buf[out - 1] == '\\')
			out--;   /* continuation on the last line: nothing follows */
		p->buf[out++] = '\0';
		struct script_line *l = &p->lines[p->n_lines++];
		l->lineno = first;
		split_label(p->buf + line_start, l);
		lineno++;
	}
	return SN_OK;
}

void script_program_free(struct script_program *p)
{
	free(p->buf);
	free(p->lines);
	memset(p, 0, sizeof(*p));
}

long script_program_find_label(const struct script_program *p, const char *label)
{
	for (size_t i = 0; i < p->n_lines; i++)
		if (p->lines[i].label && strcmp(p->lines[i].label, label) == 0)
			return (long)i;
	return -1;
}

/* ---- words */

int script_split_words(char *line, char **words, size_t max, size_t *n,
		       struct sn_err *e)
{
	char *p = line;

	*n = 0;
	for (;;) {
		while (is_space(*p))
			*p++ = '\0';
		if (!*p)
			return SN_OK;
		if (*n == max)
			return sn_fail(e, SN_E_SCRIPT_TOO_MANY_WORDS,
				       "more than %zu words", max);
		words[(*n)++] = p;
		while (*p && !is_space(*p))
			p++;
	}
}

size_t script_command_len(char *const *words, size_t n, enum script_term *term)
{
	static const struct {
		const char *word;
		enum script_term term;
	} terms[] = {
		{ "||", SCRIPT_TERM_OR }, { "&&", SCRIPT_TERM_AND }, { ";", SCRIPT_TERM_SEQ },
	};

	*term = SCRIPT_TERM_END;
	for (size_t i = 0; i < n; i++) {
		if (words[i][0] == '#')
			return i;   /* a comment ends the line */
		for (size_t t = 0; t < sizeof(terms) / sizeof(terms[0]); t++)
			if (strcmp(words[i], terms[t].word) == 0) {
				*term = terms[t].term;
				return i;
			}
	}
	return n;
}

int script_join_words(int argc, char *const *argv, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (o + (i > 0) + l + 1 > size)
			return -1;
		if (i > 0)
			out[o++] = ' ';
		memcpy(out + o, argv[i], l + 1);
		o += l;
	}
	return 0;
}

/* ---- settings names and types */

/* Splits "[scope/]name[:type]" in place: *colon_type gets the type or NULL. */
static int split_setting(char *text, char **scope, char **name, enum script_type *type,
			 struct sn_err *e)
{
	char *slash = strrchr(text, '/');
	char *colon = strchr(slash ? slash : text, ':');

	*type = SCRIPT_TYPE_AUTO;
	if (colon) {
		*colon = '\0';
		if (script_type_find(colon + 1, type) != 0)
			return sn_fail(e, SN_E_SCRIPT_BAD_TYPE, "\"%.40s\" in \"%.60s\"",
				       colon + 1, text);
	}
	*scope = NULL;
	*name = text;
	if (slash) {
		*slash = '\0';
		*scope = text;
		*name = slash + 1;
	}
	return SN_OK;
}

static int valid_name_char(char ch)
{
	return !is_space(ch) && ch != '$' && ch != '{' && ch != '}' && ch != ':';
}

int script_setting_key(const char *text, char *key, size_t key_size,
		       enum script_type *type_out, struct sn_err *e)
{
	char tmp[SCRIPT_NAME_MAX + 1];
	char *scope, *name;
	enum script_type type;
	size_t len = strlen(text);
	int rc;

	if (len == 0 || len > SCRIPT_NAME_MAX)
		return sn_fail(e, SN_E_SCRIPT_SETTING_NAME, "\"%.60s\" is %s", text,
			       len ? "too long" : "empty");
	memcpy(tmp, text, len + 1);
	rc = split_setting(tmp, &scope, &name, &type, e);
	if (rc != SN_OK)
		return rc;
	if (!*name || (scope && !*scope))
		return sn_fail(e, SN_E_SCRIPT_SETTING_NAME, "\"%.60s\"", text);
	for (const char *p = tmp; p < name + strlen(name); p++)
		if (*p && !valid_name_char(*p))
			return sn_fail(e, SN_E_SCRIPT_SETTING_NAME, "\"%.60s\"", text);
	snprintf(key, key_size, "%s%s%s", scope ? scope : "", scope ? "/" : "", name);
	if (type_out)
		*type_out = type;
	return SN_OK;
}

/* iPXE scopes settings; our store is flat, so "net0.dhcp/ip" falls back to
 * "net0/ip" and "smbios/serial" to "serial" (SMBIOS facts are stored bare). */
static const char *lookup(const struct script_settings *s, const char *scope,
			  const char *name, enum script_type *t)
{
	char key[2 * SCRIPT_NAME_MAX + 2];
	const char *v;
	size_t root;

	if (!scope)
		return script_get_typed(s, name, t);
	snprintf(key, sizeof(key), "%s/%s", scope, name);
	if ((v = script_get_typed(s, key, t)))
		return v;
	root = strcspn(scope, ".");
	if (scope[root]) {
		snprintf(key, sizeof(key), "%.*s/%s", (int)root, scope, name);
		if ((v = script_get_typed(s, key, t)))
			return v;
	}
	if (root == 6 && strncmp(scope, "smbios", 6) == 0)
		return script_get_typed(s, name, t);
	return NULL;
}

/* ---- expansion */

struct expander {
	char *out;
	size_t size, len;
	int overflow_code;
	const char *word;        /* for messages */
};

static int put_bytes(struct expander *x, const char *b, size_t n, struct sn_err *e)
{
	if (x->len + n + 1 > x->size)
		return sn_fail(e, x->overflow_code, "expanding \"%.60s\"", x->word);
	memcpy(x->out + x->len, b, n);
	x->len += n;
	x->out[x->len] = '\0';
	return SN_OK;
}

static int expand_until(struct expander *x, const char **p, int nested, unsigned depth,
			const struct script_settings *s, struct sn_err *e);

/* *p is just past "${": expands the name (which may hold ${}), then the value. */
static int expand_var(struct expander *x, const char **p, unsigned depth,
		      const struct script_settings *s, struct sn_err *e)
{
	char name[SCRIPT_NAME_MAX + 1];
	struct expander inner = { name, sizeof(name), 0, SN_E_SCRIPT_VAR_NAME_TOO_LONG, x->word };
	char *scope, *bare;
	enum script_type type;
	const char *v;
	int rc;

	if (depth >= SCRIPT_VAR_DEPTH_MAX)
		return sn_fail(e, SN_E_SCRIPT_VAR_TOO_DEEP, "more than %u levels in \"%.60s\"",
			       SCRIPT_VAR_DEPTH_MAX, x->word);
	name[0] = '\0';
	rc = expand_until(&inner, p, 1, depth + 1, s, e);
	if (rc != SN_OK)
		return rc;
	rc = split_setting(name, &scope, &bare, &type, e);
	if (rc != SN_OK)
		return rc;
	enum script_type stored;
	v = lookup(s, scope, bare, &stored);
	if (!v)
		return SN_OK;
	if (type == SCRIPT_TYPE_AUTO)
		return put_bytes(x, v, strlen(v), e);
	char shown[3 * SCRIPT_VALUE_MAX + 1];
	if (script_format_setting(bare, v, stored, type, shown, sizeof(shown)) != 0)
		return sn_fail(e, x->overflow_code, "expanding \"%.60s\"", x->word);
	return put_bytes(x, shown, strlen(shown), e);
}

static int expand_until(struct expander *x, const char **p, int nested, unsigned depth,
			const struct script_settings *s, struct sn_err *e)
{
	int rc;

	while (**p) {
		if ((*p)[0] == '$' && (*p)[1] == '{') {
			*p += 2;
			rc = expand_var(x, p, depth, s, e);
			if (rc != SN_OK)
				return rc;
			continue;
		}
		if (nested && **p == '}') {
			(*p)++;
			return SN_OK;
		}
		rc = put_bytes(x, *p, 1, e);
		if (rc != SN_OK)
			return rc;
		(*p)++;
	}
	if (nested)
		return sn_fail(e, SN_E_SCRIPT_UNTERMINATED_VAR, "in \"%.60s\"", x->word);
	return SN_OK;
}

int script_expand(const char *word, const struct script_settings *s,
		  char *out, size_t out_size, struct sn_err *e)
{
	struct expander x = { out, out_size, 0, SN_E_SCRIPT_EXPAND_TOO_LONG, word };

	if (out_size == 0)
		return sn_fail(e, SN_E_SCRIPT_EXPAND_TOO_LONG, "no room for \"%.60s\"", word);
	out[0] = '\0';
	return expand_until(&x, &word, 0, 0, s, e);
}

/* ---- URLs (RFC 3986) */

struct url_parts {
	const char *scheme, *auth, *path, *query, *frag;
	size_t scheme_len, auth_len, path_len, query_len, frag_len;
	int has_scheme, has_auth, has_query, has_frag;
};

static int scheme_char(char ch, int first)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return 1;
	return !first && ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.');
}

/* RFC 3986 appendix B, by hand. */
static void url_split(const char *u, struct url_parts *r)
{
	const char *p = u;
	size_t n;

	memset(r, 0, sizeof(*r));
	for (n = 0; scheme_char(u[n], n == 0); n++)
		;
	if (n > 0 && u[n] == ':') {
		r->has_scheme = 1;
		r->scheme = u;
		r->scheme_len = n;
		p = u + n + 1;
	}
	if (p[0] == '/' && p[1] == '/') {
		r->has_auth = 1;
		r->auth = p + 2;
		r->auth_len = strcspn(r->auth, "/?#");
		p = r->auth + r->auth_len;
	}
	r->path = p;
	r->path_len = strcspn(p, "?#");
	p += r->path_len;
	if (*p == '?') {
		r->has_query = 1;
		r->query = p + 1;
		r->query_len = strcspn(r->query, "#");
		p = r->query + r->query_len;
	}
	if (*p == '#') {
		r->has_frag = 1;
		r->frag = p + 1;
		r->frag_len = strlen(r->frag);
	}
}

/* RFC 3986 §5.2.4, in place on a NUL-terminated path. */
static void remove_dot_segments(char *path)
{
	char *in = path, *out = path;

	while (*in) {
		if (strncmp(in, "../", 3) == 0)
			in += 3;
		else if (strncmp(in, "./", 2) == 0)
			in += 2;
		else if (strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (strcmp(in, "/.") == 0)
			in[1] = '\0';
		else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
			in += 3;   /* "/../x" → "/x"; a final "/.." → "/" */
			if (*in == '\0')
				*--in = '/';
			while (out > path && *--out != '/')
				;
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
			in += strlen(in);
		} else {
			do
				*out++ = *in++;
			while (*in && *in != '/');
		}
	}
	*out = '\0';
}

struct url_buf {
	char *out;
	size_t size, len;
	int overflow;
};

static void url_put(struct url_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->overflow = 1;
		return;
	}
	memcpy(b->out + b->len, s, n);
	b->len += n;
	b->out[b->len] = '\0';
}

int script_url_resolve(const char *base, const char *ref, char *out,
		       size_t out_size, struct sn_err *e)
{
	struct url_parts b, r;
	const struct url_parts *auth_from, *query_from = NULL;
	char path[SCRIPT_URL_MAX + 1];
	struct url_buf o = { out, out_size, 0, 0 };
	size_t pl = 0;

	if (out_size == 0)
		return sn_fail(e, SN_E_SCRIPT_BAD_URL, "no room");
	out[0] = '\0';
	url_split(ref, &r);
	url_split(base ? base : "", &b);
	if (!r.has_scheme && !b.has_scheme) {
		char lr[96], lb[96];
		url_for_log(ref, lr, sizeof(lr));
		url_for_log(base ? base : "", lb, sizeof(lb));
		return sn_fail(e, SN_E_SCRIPT_BAD_URL,
			       "relative \"%s\" but the script's URL \"%s\" is not absolute",
			       lr, lb);
	}
	if (strlen(ref) > SCRIPT_URL_MAX || (base && strlen(base) > SCRIPT_URL_MAX))
		return sn_fail(e, SN_E_SCRIPT_BAD_URL, "longer than %u bytes", SCRIPT_URL_MAX);
	if (r.has_scheme || r.has_auth || (r.path_len && r.path[0] == '/')) {
		memcpy(path, r.path, r.path_len);
		pl = r.path_len;
		query_from = &r;
	} else if (r.path_len == 0) {
		memcpy(path, b.path, b.path_len);
		pl = b.path_len;
		query_from = r.has_query ? &r : &b;
	} else {   /* merge (§5.2.3) */
		const char *slash = NULL;
		for (size_t i = 0; i < b.path_len; i++)
			if (b.path[i] == '/')
				slash = b.path + i;
		if (b.has_auth && b.path_len == 0)
			path[pl++] = '/';
		else if (slash) {
			pl = (size_t)(slash - b.path) + 1;
			memcpy(path, b.path, pl);
		}
		if (pl + r.path_len > SCRIPT_URL_MAX)
			return sn_fail(e, SN_E_SCRIPT_BAD_URL, "longer than %u bytes",
				       SCRIPT_URL_MAX);
		memcpy(path + pl, r.path, r.path_len);
		pl += r.path_len;
		query_from = &r;
	}
	path[pl] = '\0';
	remove_dot_segments(path);
	auth_from = (r.has_scheme || r.has_auth) ? &r : &b;
	if (r.has_scheme)
		url_put(&o, r.scheme, r.scheme_len);
	else
		url_put(&o, b.scheme, b.scheme_len);
	url_put(&o, ":", 1);
	if (auth_from->has_auth) {
		url_put(&o, "//", 2);
		url_put(&o, auth_from->auth, auth_from->auth_len);
	}
	url_put(&o, path, strlen(path));
	if (query_from->has_query) {
		url_put(&o, "?", 1);
		url_put(&o, query_from->query, query_from->query_len);
	}
	if (r.has_frag) {
		url_put(&o, "#", 1);
		url_put(&o, r.frag, r.frag_len);
	}
	if (o.overflow) {
		char lr[96];
		url_for_log(ref, lr, sizeof(lr));
		return sn_fail(e, SN_E_SCRIPT_BAD_URL, "\"%s\" resolves to more than %zu bytes",
			       lr, out_size - 1);
	}
	return SN_OK;
}

void script_url_basename(const char *url, char *out, size_t size)
{
	struct url_parts u;
	size_t start = 0, len;

	url_split(url, &u);
	for (size_t i = 0; i < u.path_len; i++)
		if (u.path[i] == '/')
			start = i + 1;
	len = u.path_len - start;
	if (len >= size)
		len = size - 1;
	memcpy(out, u.path + start, len);
	out[len] = '\0';
}
