"""The one image boots every server model and must stay small enough to
chain-load quickly and to fit in a firmware flash region: at most 4 MiB
(HTTPBOOT's tool is 5.8 MB; the PXE image it replaced 40 MB). `make size`
shows where the bytes go."""
import os

import harness as h

BUDGET = 4 * 1024 * 1024


def test_efi_image_within_4_mib():
    h.require_files(h.IMAGE)
    size = os.path.getsize(h.IMAGE)
    assert size <= BUDGET, "build/snboot.efi is %d bytes, %d over the 4 MiB budget (see make size)" % (
        size, size - BUDGET)
