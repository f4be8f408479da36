/* Boot settings that reach a machine without DHCP and without editing its
 * kernel command line: SMBIOS type 11 OEM strings (BMCs, hypervisors;
 * QEMU -smbios type=11,value=snboot.url=...) and QEMU's fw_cfg file
 * opt/org.snboot/config. Order, later wins:
 *   table defaults < /etc/snboot.conf < SMBIOS type 11 < fw_cfg < kernel
 *   command line
 * The command line stays last: it is what a person types at the console
 * to override everything else. Both sources go through the command line
 * parser, so what the command line may not set (baked-only trust
 * settings), they may not either. */
#ifndef SNBOOT_BOOTSRC_H
#define SNBOOT_BOOTSRC_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#define BOOTSRC_DMI "/sys/firmware/dmi/tables/DMI"
/* Needs CONFIG_FW_CFG_SYSFS in the kernel. */
#define BOOTSRC_FWCFG "/sys/firmware/qemu_fw_cfg/by_name/opt/org.snboot/config/raw"

/* Every OEM string that starts with "snboot." is one `snboot.<name>=<value>`
 * setting (others belong to someone else and are skipped). Returns how
 * many were applied. */
int bootsrc_apply_oem(struct config *c, const uint8_t *dmi, size_t len,
		      config_warn_fn warn, void *arg);

/* fw_cfg text: kernel command line syntax, newlines count as blanks and a
 * line starting with '#' is a comment. */
void bootsrc_apply_fwcfg(struct config *c, const char *text, size_t len,
			 config_warn_fn warn, void *arg);

/* Reads BOOTSRC_DMI and BOOTSRC_FWCFG (a missing file is not an error) and
 * applies them. Call between the baked file and the command line. */
void bootsrc_load(struct config *c, config_warn_fn warn, void *arg);

#endif
