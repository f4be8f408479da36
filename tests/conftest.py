"""pytest fixtures for the QEMU scenarios (tests/test_boot.py,
tests/test_nics.py). Everything a scenario starts goes through `stack` and
is torn down at the end, pass or fail. Console logs stay in build/test-logs/.
Set SNBOOT_TEST_VERBOSE=1 (with pytest -s) to watch the consoles live."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402


def pytest_configure(config):
    # An exception in a test's helper thread (a client, a fake server) is a
    # failure, not a warning in the summary: one server test passed
    # while the request its own thread made was cut every time.
    config.addinivalue_line("filterwarnings",
                            "error::pytest.PytestUnhandledThreadExceptionWarning")


@pytest.fixture
def stack(request):
    st = harness.Stack(request.node.name)
    try:
        yield st
    finally:
        st.close()


@pytest.fixture
def boot_files():
    """The image, the backend and the test target must exist (make does it);
    a missing one fails the scenario rather than skipping it."""
    harness.require_files(harness.IMAGE, harness.SERVER_STUB, harness.TARGET_KERNEL,
                          harness.TARGET_INITRD, os.path.join(harness.PKI, "ca.pem"))


@pytest.fixture
def netns_ok(boot_files):
    """Network namespaces, taps and dnsmasq need root."""
    if os.geteuid() != 0:
        pytest.fail("the NIC scenarios create network namespaces and taps: run as root")
