/* Input checks shared by every entry point (boot API, events, admin API,
 * CLI), so a value one of them refuses is refused by all. Pure functions
 * over buffers. */
#ifndef SERVER_STUB_VALIDATE_H
#define SERVER_STUB_VALIDATE_H

#include <stddef.h>

#define MAX_SERIAL 128

/* NULL if s is a usable serial (1..128 bytes of valid UTF-8 without
 * control characters), else why not. */
const char *serial_problem(const char *s);

/* 1 if the n bytes at s are well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), else 0. */
int utf8_valid(const char *s, size_t n);
/* Length of the longest well-formed prefix (n when all of it is). */
size_t utf8_valid_prefix(const char *s, size_t n);

/* NULL if the n bytes at body can be handed to the JSON parser: no NUL
 * byte, valid UTF-8, and no "\u0000" escape (which a C string would cut
 * short, so "A\u0000x" would alias "A"). Else why not; *at is the offset. */
const char *json_text_problem(const char *body, size_t n, size_t *at);

/* Longest prefix of s, at most max bytes, that does not end inside a
 * UTF-8 sequence. */
size_t utf8_cut(const char *s, size_t max);

/* A file name relative to the files directory: not empty, no leading
 * '/', no empty, "." or ".." segment, no control characters. */
int files_name_is_safe(const char *name);

#define MAX_MIRRORS 8      /* the agent takes up to 8 --mirror per line */
#define MAX_MIRROR_URL 1024

/* NULL if url is a usable mirror base for a profile: http:// or https://,
 * a host, ending in '/', at most MAX_MIRROR_URL bytes of printable ASCII
 * without whitespace, quotes, '\\', '$' (iPXE expansion), '?' or '#'
 * (the artifact's path is appended); else why not. */
const char *mirror_url_problem(const char *url);

#endif
