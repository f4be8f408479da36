/* The settings a script reads that the network stage already knows: the
 * winning lease (ip, netmask, gateway, dns, domain, next-server, ...) and
 * every NIC (net<N>/mac, net<N>/chip, ...), under iPXE's names, so
 * `${net0/netmask}` or `${gateway:hex}` expand as they would in iPXE.
 * net<N> is the agent's NIC list in its order. */
#ifndef SNBOOT_SCRIPT_SETTINGS_H
#define SNBOOT_SCRIPT_SETTINGS_H

#include "net/lease.h"
#include "net/nic.h"
#include "script/script.h"

/* Pure: fills s from the lease won on nics[winner] (winner may be -1 when
 * no NIC won, e.g. snboot.url with a lease from elsewhere) and from the n
 * NICs. Also ${version} and ${buildarch}. The SMBIOS facts (serial, uuid,
 * manufacturer, ...) and ${platform} are the caller's. SN_OK, or the
 * first script_set() failure (SN_E_NOMEM, ...). */
int script_settings_from_lease(struct script_settings *s, const struct lease *l,
			       const struct nic *nics, int n, int winner);

/* Pure: after `dhcp <ifname>` on an interface the script made (vcreate),
 * its lease under <ifname>/ and netX/ (the interface opened last), and
 * unscoped only where nothing is set yet (iPXE looks unscoped names up
 * through the interfaces in the order they appeared). SN_OK,
 * SN_E_SCRIPT_NO_NIC for an empty or overlong name, or script_set()'s error. */
int script_settings_iface_lease(struct script_settings *s, const char *ifname,
				const struct lease *l);

/* net<N>/busid (iPXE: bus type 01 for PCI, then vendor and device IDs,
 * "01:80:86:10:0e") for each PCI NIC, read from sysfs_root (normally
 * "/sys") class/net/<name>/device/{vendor,device}. NICs without them get
 * none. Returns the number set. */
int script_settings_busids(struct script_settings *s, const struct nic *nics, int n,
			   const char *sysfs_root);

/* Which of the n NICs iPXE's interface name means: "net<N>" is nics[N],
 * "netX" the winner (the one the script came over). -1 for any other name
 * or one out of range. */
int script_nic_index(const char *name, int n, int winner);

#endif
