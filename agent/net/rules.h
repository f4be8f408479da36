/* NIC preference and exclusion rules (snboot.prefer, snboot.exclude): an
 * ordered list of terms separated by commas or spaces; a term is one or more
 * `field:glob` conditions joined with `+`, all of which must match. Fields:
 * name, driver, pci (slot), mac; a condition without `field:` matches the
 * name. Globs are fnmatch(3) patterns, mac without case. Pure: no I/O.
 * Syntax reference: docs/params/snboot.prefer.md. */
#ifndef SNBOOT_RULES_H
#define SNBOOT_RULES_H

#include "core/err.h"
#include "net/nic.h"

#define RULES_MAX 32        /* terms in one list */
#define RULE_CONDS_MAX 4    /* conditions joined by '+' in one term */
#define RULE_GLOB_MAX 64

enum rule_field {
	RULE_FIELD_NAME,
	RULE_FIELD_DRIVER,
	RULE_FIELD_PCI,
	RULE_FIELD_MAC,
};

struct rule_cond {
	enum rule_field field;
	char glob[RULE_GLOB_MAX];
};

struct rule {
	struct rule_cond conds[RULE_CONDS_MAX];
	int n_conds;
};

struct rule_set {
	struct rule rules[RULES_MAX];
	int n;
};

/* Parses text (NULL or "" gives an empty set). On error *out holds the terms
 * before the faulty one and e says which term and why. */
int rules_parse(const char *text, struct rule_set *out, struct sn_err *e);

/* Index of the first rule n matches, -1 if none (or rs is NULL). */
int rules_match(const struct rule_set *rs, const struct nic *n);

/* Sets nics[i].rank to the index of the first matching prefer rule (rules
 * count when none matches: after every preferred NIC) and nics[i].excluded
 * when an exclude rule matches. Either set may be NULL (no rules). */
void rules_apply(const struct rule_set *prefer, const struct rule_set *exclude,
		 struct nic *nics, int n);

/* "name", "driver", "pci", "mac". */
const char *rules_field_name(enum rule_field f);

#endif
