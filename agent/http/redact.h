/* Secrets out of log lines: a kernel command line with its key=, token=,
 * password=, secret=-like values masked, and URLs in values without their
 * user:password@ and query. Pure; the console and syslog lines that show a
 * command line print cmdline_redact()'s output instead. */
#ifndef SNBOOT_REDACT_H
#define SNBOOT_REDACT_H

#include <stddef.h>

#define REDACT_MASK "***"

/* 1 when a parameter name looks like it holds a secret: one of its parts
 * (split at '.', '_', '-') is key, token, password, passwd, pass, pw, pwd,
 * secret, psk, apikey, auth, credential(s), or the name ends in password,
 * passwd, token or secret ("rootpassword", "jointoken"); case-insensitive. */
int redact_secret_name(const char *name, size_t len);

/* in → out with every secret-named word's value replaced by REDACT_MASK
 * ("luks.key=abc" → "luks.key=***") and every value holding "://" shown as
 * url_for_log shows URLs. Words split at blanks outside double quotes, as
 * the kernel splits them. Always NUL-terminates; a cut output ends in "...". */
void cmdline_redact(const char *in, char *out, size_t len);

#endif
