/* Masking secrets in command lines (see redact.h). */
#include "http/redact.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "http/urlutil.h"

static const char *const secret_parts[] = {
	"key", "token", "password", "passwd", "pass", "pw", "pwd", "secret", "psk",
	"apikey", "auth", "credential", "credentials",
};
static const char *const secret_ends[] = { "password", "passwd", "token", "secret" };

int redact_secret_name(const char *name, size_t len)
{
	size_t i = 0;

	for (size_t k = 0; k < sizeof(secret_ends) / sizeof(secret_ends[0]); k++) {
		size_t n = strlen(secret_ends[k]);
		if (len >= n && strncasecmp(name + len - n, secret_ends[k], n) == 0)
			return 1;
	}
	while (i < len) {
		size_t start = i;
		while (i < len && name[i] != '.' && name[i] != '_' && name[i] != '-')
			i++;
		for (size_t k = 0; k < sizeof(secret_parts) / sizeof(secret_parts[0]); k++)
			if (i - start == strlen(secret_parts[k]) &&
			    strncasecmp(name + start, secret_parts[k], i - start) == 0)
				return 1;
		i++;
	}
	return 0;
}

struct sink {
	char *p;
	size_t len, n;
	int cut;
};

static void put(struct sink *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s->n + 1 >= s->len) {
			s->cut = 1;
			return;
		}
		s->p[s->n++] = p[i];
	}
}

void cmdline_redact(const char *in, char *out, size_t len)
{
	struct sink s = { out, len, 0, 0 };
	size_t i = 0, n = strlen(in);

	if (len == 0)
		return;
	while (i < n && !s.cut) {
		size_t w = i, eq = 0, end;
		int quoted = 0;

		while (i < n && isspace((unsigned char)in[i]))
			i++;
		put(&s, in + w, i - w);          /* the blanks as they were */
		w = i;
		while (i < n && (quoted || !isspace((unsigned char)in[i]))) {
			if (in[i] == '"')
				quoted = !quoted;
			else if (in[i] == '=' && !eq && !quoted)
				eq = i;
			i++;
		}
		end = i;
		if (!eq) {
			put(&s, in + w, end - w);
			continue;
		}
		put(&s, in + w, eq + 1 - w);     /* "name=" */
		{
			const char *v = in + eq + 1;
			size_t vlen = end - eq - 1;
			int q = vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"';
			char url[512], clean[512];

			if (redact_secret_name(in + w, eq - w)) {
				put(&s, REDACT_MASK, sizeof(REDACT_MASK) - 1);
			} else if (vlen < sizeof(url) && memmem(v, vlen, "://", 3)) {
				size_t ulen = vlen - (q ? 2 : 0);
				memcpy(url, v + q, ulen);
				url[ulen] = '\0';
				url_for_log(url, clean, sizeof(clean));
				put(&s, "\"", q);
				put(&s, clean, strlen(clean));
				put(&s, "\"", q);
			} else if (memmem(v, vlen, "://", 3)) {
				put(&s, REDACT_MASK, sizeof(REDACT_MASK) - 1);   /* too long to clean */
			} else {
				put(&s, v, vlen);
			}
		}
	}
	if (s.cut && len >= 4) {
		s.n = len - 4 < s.n ? len - 4 : s.n;
		memcpy(out + s.n, "...", 3);
		s.n += 3;
	}
	out[s.n] = '\0';
}
