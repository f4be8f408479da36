/* grub.cfg's shell-like lexer (grub-core/script/yylex.l's rules, the part
 * grub-mkconfig output and hand-written configs use): words, ';' and
 * newline separators, standalone '{' '}', '#' comments at word start,
 * single quotes (literal), double quotes ('\' escapes $ " \ newline),
 * backslash escapes outside quotes, $var and ${var} expansion.
 *
 * Lexing keeps raw words; expansion happens when a command runs, with the
 * variables of that moment, as in grub. */
#ifndef SNBOOT_GRUB_LEX_H
#define SNBOOT_GRUB_LEX_H

#include <stddef.h>

enum gtok { GT_WORD, GT_SEP, GT_LBRACE, GT_RBRACE, GT_EOF, GT_ERR };

struct glex {
	const char *s;
	size_t len, pos;
	int line;
};

struct gtoken {
	enum gtok type;
	const char *p;      /* raw text of a word, quotes included */
	size_t n;
	int line;
};

void glex_init(struct glex *lx, const char *s, size_t len);
/* The next token; GT_ERR for an unterminated quote (t->line says where it
 * started). */
enum gtok glex_next(struct glex *lx, struct gtoken *t);

#define GW_MAX 256
#define GW_BUF 8192
#define GW_WORD_MAX 4096

/* Expanded words of one command. */
struct gwords {
	int n;
	char *w[GW_MAX];
	size_t used;
	char buf[GW_BUF];
};

typedef const char *(*gvar_fn)(void *varg, const char *name);

/* Appends the words raw expands to (an unquoted expansion splits on
 * blanks; an unquoted empty one yields no word). -1 when out is full or a
 * word is over GW_WORD_MAX. */
int gexpand(const char *raw, size_t n, gvar_fn get, void *varg, struct gwords *out);

/* 1 when raw is the plain word kw (no quotes, no escapes). */
int graw_is(const struct gtoken *t, const char *kw);

#endif
