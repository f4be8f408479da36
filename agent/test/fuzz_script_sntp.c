/* libFuzzer: sntp_reply_parse over any datagram, against a fixed request
 * (seed: a real chronyd answer, agent/test/corpus/script_sntp/). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "script/script_sntp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sntp_time sent = { 0xec2a1b2c, 0x12345678 };
	struct sntp_reply r;
	struct sn_err e;
	int64_t sec;
	uint32_t nsec;

	sn_clear(&e);
	if (sntp_reply_parse(data, size, sent, &r, &e) == SN_OK) {
		if (r.mode != 4 || r.stratum == 0 || r.stratum > 15 || r.leap == 3)
			abort();
		sntp_to_unix(r.transmit, &sec, &nsec);
		if (nsec >= 1000000000u)
			abort();
	} else if (e.code != SN_E_SCRIPT_NTP_REPLY) {
		abort();
	}
	return 0;
}
