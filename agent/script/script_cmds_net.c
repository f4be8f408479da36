/* Network commands. The agent brought its NICs up before it asked for
 * the script, so dhcp/ifconf/ifopen succeed for them; what needs the
 * network side (DHCPv4 on a VLAN vcreate made, ntp, vcreate) goes
 * through the caller's hooks and fails clearly without one. */
#include "script/script_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct net_opts {
	unsigned timeout_ms;
	const char *configurator;
};
struct vcreate_opts {
	struct opt_uint tag;
	unsigned priority;
};

OPTS_FIT(struct net_opts);
OPTS_FIT(struct vcreate_opts);

static const struct script_opt net_opts[] = {
	OPT("timeout", 't', 1, struct net_opts, timeout_ms, script_parse_uint),
	OPT("configurator", 'c', 1, struct net_opts, configurator, script_parse_string),
};
static const struct script_opt vcreate_opts[] = {
	OPT("tag", 't', 1, struct vcreate_opts, tag, script_parse_opt_uint),
	OPT("priority", 'p', 1, struct vcreate_opts, priority, script_parse_uint),
};

/* The agent brought the network up before asking for this script. */
static int cmd_net_up(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	script_log(c, "%s: the network is already up", c->cmd);
	return SN_OK;
}

/* The interfaces snboot knows: net<N> from the agent's NIC list (its
 * net<N>/mac setting), or one vcreate made (its <name>/mac or /ip). */
static int nic_known(struct script_ctx *c, const char *name)
{
	char key[SCRIPT_NAME_MAX + 8];

	snprintf(key, sizeof(key), "%.*s/mac", (int)SCRIPT_NAME_MAX, name);
	if (script_get(c->settings, key))
		return 1;
	snprintf(key, sizeof(key), "%.*s/ip", (int)SCRIPT_NAME_MAX, name);
	return script_get(c->settings, key) != NULL;
}

static const char *nic_setting(struct script_ctx *c, int i, const char *what)
{
	char key[48];
	const char *v;

	snprintf(key, sizeof(key), "net%d/%s", i, what);
	v = script_get(c->settings, key);
	return v ? v : "";
}

/* ifstat: iPXE's two lines per interface, from what the agent knows. */
static int cmd_ifstat(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	char line[512], name[16];

	for (int j = 0; j < argc; j++)
		if (!nic_known(c, argv[j]))
			return sn_fail(e, SN_E_SCRIPT_NO_NIC, "\"%.40s\"", argv[j]);
	for (int i = 0; i < 64; i++) {
		int wanted = argc == 0;
		snprintf(name, sizeof(name), "net%d", i);
		if (!nic_known(c, name))
			break;
		for (int j = 0; j < argc && !wanted; j++)
			wanted = strcmp(argv[j], name) == 0;
		if (!wanted)
			continue;
		snprintf(line, sizeof(line),
			 "%s: %s using %s on %s (Ethernet) [%s]\n  [Link:%s]\n", name,
			 nic_setting(c, i, "mac"), *nic_setting(c, i, "chip") ?
			 nic_setting(c, i, "chip") : "?", *nic_setting(c, i, "busid") ?
			 nic_setting(c, i, "busid") : "?",
			 *nic_setting(c, i, "ip") ? "open" : "closed",
			 *nic_setting(c, i, "ip") ? "up" : "down");
		if (c->ops->echo)
			c->ops->echo(c->arg, line);
	}
	return SN_OK;
}

static int cmd_ntp(struct script_ctx *c, const void *opts, int argc,
		   char *const *argv, struct sn_err *e)
{
	int rc;

	if (!c->ops->ntp)
		return sn_fail(e, SN_E_SCRIPT_NO_NET_OP, "ntp %.60s: the agent gives no ntp hook",
			       argv[0]);
	sn_clear(e);
	if ((rc = c->ops->ntp(c->arg, argv[0], e)) != SN_OK) {
		if (e->code == SN_OK)
			sn_fail(e, SN_E_SCRIPT_NO_NET_OP, "returned %d", rc);
		script_err_prefix(e, "ntp %.60s: ", argv[0]);
		return e->code;
	}
	return SN_OK;
}

static int cmd_vcreate(struct script_ctx *c, const void *opts, int argc,
		       char *const *argv, struct sn_err *e)
{
	const struct vcreate_opts *o = opts;
	int rc;

	if (!o->tag.given || o->tag.value == 0 || o->tag.value > 4094)
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "--tag: a VLAN tag 1..4094 is needed");
	if (o->priority > 7)
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "--priority %u (0..7)", o->priority);
	if (!nic_known(c, argv[0]))
		return sn_fail(e, SN_E_SCRIPT_NO_NIC, "trunk \"%.40s\"", argv[0]);
	if (!c->ops->vcreate)
		return sn_fail(e, SN_E_SCRIPT_NO_NET_OP,
			       "vcreate %s-%u: the agent gives no VLAN hook", argv[0], o->tag.value);
	sn_clear(e);
	if ((rc = c->ops->vcreate(c->arg, argv[0], o->tag.value, o->priority, e)) != SN_OK) {
		if (e->code == SN_OK)
			sn_fail(e, SN_E_SCRIPT_NO_NET_OP, "returned %d", rc);
		script_err_prefix(e, "vcreate %s-%u: ", argv[0], o->tag.value);
		return e->code;
	}
	return SN_OK;
}

/* "net0-42": a name vcreate gives a VLAN on one of the agent's NICs. */
static int is_vlan_name(struct script_ctx *c, const char *name)
{
	char trunk[SCRIPT_NAME_MAX];
	const char *dash = strrchr(name, '-');

	if (!dash || dash == name || !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1) ||
	    (size_t)(dash - name) >= sizeof(trunk))
		return 0;
	memcpy(trunk, name, (size_t)(dash - name));
	trunk[dash - name] = '\0';
	return nic_known(c, trunk);
}

/* dhcp/ifconf: the agent brought its NICs up before asking for the
 * script; an interface it did not configure (a VLAN from vcreate) gets
 * DHCPv4 through the dhcp hook, bounded by --timeout, and fails clearly
 * without one. */
static int cmd_dhcp(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	const struct net_opts *o = opts;
	char key[SCRIPT_NAME_MAX + 8];
	int rc;

	for (int i = 0; i < argc; i++) {
		snprintf(key, sizeof(key), "%.*s/ip", (int)SCRIPT_NAME_MAX, argv[i]);
		if (script_get(c->settings, key))
			continue;   /* configured already */
		if (!is_vlan_name(c, argv[i])) {
			if (!nic_known(c, argv[i]))
				return sn_fail(e, SN_E_SCRIPT_NO_NIC, "\"%.40s\"", argv[i]);
			continue;   /* one of the agent's NICs: up already */
		}
		if (!c->ops->dhcp)
			return sn_fail(e, SN_E_SCRIPT_DHCP_UNSUPPORTED, "%s %.40s: snboot runs no "
				       "DHCP on an interface the script made here (no dhcp hook)",
				       c->cmd, argv[i]);
		sn_clear(e);
		if ((rc = c->ops->dhcp(c->arg, argv[i], o->timeout_ms, c->settings, e)) != SN_OK) {
			if (e->code == SN_OK)
				sn_fail(e, SN_E_SCRIPT_NO_NET_OP, "returned %d", rc);
			script_err_prefix(e, "%s %.40s: ", c->cmd, argv[i]);
			return e->code;
		}
	}
	script_log(c, "%s: the network is up", c->cmd);
	return SN_OK;
}

const struct script_cmd script_cmds_net[] = {
	CMD("dhcp", cmd_dhcp, net_opts, 0, MANY,
	    "dhcp [--timeout <ms>] [<interface>...]",
	    "the network is up; an interface made by vcreate gets DHCP"),
	CMD("ifconf", cmd_dhcp, net_opts, 0, MANY,
	    "ifconf [--configurator <name>] [--timeout <ms>] [<interface>...]",
	    "same as dhcp"),
	CMD0("ifopen", cmd_net_up, 0, MANY, "ifopen [<interface>...]",
	     "no-op: the network is up"),
	CMD0("ifstat", cmd_ifstat, 0, MANY, "ifstat [<interface>...]",
	     "print the network interfaces"),
	CMD0("ntp", cmd_ntp, 1, 1, "ntp <server>", "set the clock from an NTP server"),
	CMD("vcreate", cmd_vcreate, vcreate_opts, 1, 1,
	    "vcreate --tag <tag> [--priority <priority>] <trunk interface>",
	    "create a VLAN interface <trunk>-<tag>"),
};
const size_t script_cmds_net_n = ARRAY_LEN(script_cmds_net);
