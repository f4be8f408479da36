/* Load, report, reboot: the same for every boot source (see boot.h). */
#include "boot/boot.h"

#include "boot/kexec.h"
#include "core/log.h"
#include "core/report.h"
#include "http/redact.h"
#include "net/netstage.h"

int boot_load(struct agent *a, const struct boot_image *img, struct sn_err *e)
{
	uint64_t t0 = mono_ms();
	char shown[1024];   /* key=, token=, password= values masked (redact.h) */
	int rc;

	cmdline_redact(img->cmdline, shown, sizeof(shown));
	logmsg("kexec", "loading %s from %s (%d initrd%s), cmdline: %s", img->label,
	       img->source, img->n_initrds, img->n_initrds == 1 ? "" : "s", shown);
	rc = kexec_load_image(img, e);
	if (rc != SN_OK)
		return rc;
	log_stage_done("kexec", mono_ms() - t0);
	report_event(a, "kexec", "ok", mono_ms() - t0, img->label);
	return SN_OK;
}

int boot_reboot(struct agent *a, const struct boot_image *img, struct sn_err *e)
{
	if (a->have_net)  /* the bond and VLANs the network stage made (keep_net) */
		net_release(&a->cfg, &a->net);
	logmsg("kexec", "rebooting into %s", img->label);
	return kexec_reboot_now(e);
}
