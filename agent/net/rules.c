/* NIC preference/exclusion rules: parse once, match each NIC with fnmatch.
 * Vendor strings drift between firmware and kernel releases, so rules are
 * globs rather than exact names (see the Cloudflare seed in DESIGN.md). */
#include "net/rules.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static const char *const field_names[] = {
	[RULE_FIELD_NAME] = "name",
	[RULE_FIELD_DRIVER] = "driver",
	[RULE_FIELD_PCI] = "pci",
	[RULE_FIELD_MAC] = "mac",
};

#define N_FIELDS (sizeof(field_names) / sizeof(field_names[0]))

const char *rules_field_name(enum rule_field f)
{
	return (size_t)f < N_FIELDS ? field_names[f] : "?";
}

static int is_separator(char ch)
{
	return ch == ',' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Only the text before the first ':' can be a field: MACs and PCI slots
 * contain ':' themselves. */
static int parse_field(const char *s, size_t n, enum rule_field *field,
		       int term, struct sn_err *e)
{
	for (size_t f = 0; f < N_FIELDS; f++) {
		if (strlen(field_names[f]) == n && strncmp(s, field_names[f], n) == 0) {
			*field = (enum rule_field)f;
			return SN_OK;
		}
	}
	return sn_fail(e, SN_E_RULES_FIELD,
		       "term %d: unknown field '%.*s' (name, driver, pci, mac)",
		       term, (int)n, s);
}

static int parse_cond(const char *s, size_t n, struct rule_cond *c, int term,
		      struct sn_err *e)
{
	const char *colon = memchr(s, ':', n);
	const char *glob = s;
	size_t glob_len = n;

	c->field = RULE_FIELD_NAME;
	if (colon) {
		size_t field_len = (size_t)(colon - s);
		int rc = parse_field(s, field_len, &c->field, term, e);
		if (rc != SN_OK)
			return rc;
		glob = colon + 1;
		glob_len = n - field_len - 1;
	}
	if (glob_len == 0)
		return sn_fail(e, SN_E_RULES_EMPTY, "term %d: '%.*s' has no pattern",
			       term, (int)n, s);
	if (glob_len >= RULE_GLOB_MAX)
		return sn_fail(e, SN_E_RULES_TOO_LONG,
			       "term %d: pattern of %zu bytes, at most %d",
			       term, glob_len, RULE_GLOB_MAX - 1);
	memcpy(c->glob, glob, glob_len);
	c->glob[glob_len] = '\0';
	return SN_OK;
}

/* One term: conditions joined with '+'. */
static int parse_term(const char *s, size_t n, struct rule *r, int term,
		      struct sn_err *e)
{
	const char *end = s + n;

	r->n_conds = 0;
	for (;;) {
		const char *plus = memchr(s, '+', (size_t)(end - s));
		const char *cond_end = plus ? plus : end;
		int rc;

		if (cond_end == s)
			return sn_fail(e, SN_E_RULES_EMPTY,
				       "term %d: empty condition around '+'", term);
		if (r->n_conds == RULE_CONDS_MAX)
			return sn_fail(e, SN_E_RULES_TOO_MANY,
				       "term %d: more than %d conditions",
				       term, RULE_CONDS_MAX);
		rc = parse_cond(s, (size_t)(cond_end - s),
				&r->conds[r->n_conds], term, e);
		if (rc != SN_OK)
			return rc;
		r->n_conds++;
		if (!plus)
			return SN_OK;
		s = plus + 1;
	}
}

int rules_parse(const char *text, struct rule_set *out, struct sn_err *e)
{
	const char *p = text;

	out->n = 0;
	sn_clear(e);
	if (p == NULL)
		return SN_OK;
	for (;;) {
		const char *start;
		int rc;

		while (*p && is_separator(*p))
			p++;
		if (*p == '\0')
			return SN_OK;
		start = p;
		while (*p && !is_separator(*p))
			p++;
		if (out->n == RULES_MAX)
			return sn_fail(e, SN_E_RULES_TOO_MANY,
				       "more than %d terms", RULES_MAX);
		rc = parse_term(start, (size_t)(p - start), &out->rules[out->n],
				out->n + 1, e);
		if (rc != SN_OK)
			return rc;
		out->n++;
	}
}

static const char *field_value(const struct nic *n, enum rule_field f,
			       char mac_buf[static 18])
{
	switch (f) {
	case RULE_FIELD_NAME:
		return n->name;
	case RULE_FIELD_DRIVER:
		return n->driver;
	case RULE_FIELD_PCI:
		return n->pci_slot;
	case RULE_FIELD_MAC:
		if (n->mac_str[0])
			return n->mac_str;
		snprintf(mac_buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
			 n->mac[0], n->mac[1], n->mac[2], n->mac[3],
			 n->mac[4], n->mac[5]);
		return mac_buf;
	}
	return "";
}

static int cond_matches(const struct rule_cond *c, const struct nic *n)
{
	char mac_buf[18];
	int flags = c->field == RULE_FIELD_MAC ? FNM_CASEFOLD : 0;

	return fnmatch(c->glob, field_value(n, c->field, mac_buf), flags) == 0;
}

static int rule_matches(const struct rule *r, const struct nic *n)
{
	for (int i = 0; i < r->n_conds; i++)
		if (!cond_matches(&r->conds[i], n))
			return 0;
	return r->n_conds > 0;
}

int rules_match(const struct rule_set *rs, const struct nic *n)
{
	if (rs == NULL)
		return -1;
	for (int i = 0; i < rs->n; i++)
		if (rule_matches(&rs->rules[i], n))
			return i;
	return -1;
}

void rules_apply(const struct rule_set *prefer, const struct rule_set *exclude,
		 struct nic *nics, int n)
{
	int unmatched_rank = prefer ? prefer->n : 0;

	for (int i = 0; i < n; i++) {
		int rank = rules_match(prefer, &nics[i]);
		nics[i].rank = rank >= 0 ? rank : unmatched_rank;
		nics[i].excluded = rules_match(exclude, &nics[i]) >= 0;
	}
}
