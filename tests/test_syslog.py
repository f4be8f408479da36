"""Remote syslog: the log server DHCP names (option 7) receives the agent's
lines as RFC 5424 messages over UDP, so a fleet's boots can be followed in
one place. A real UDP listener in the lab's namespace collects them."""
import re
import subprocess
import sys

import harness as h

SERIAL = "DEMO-0001"

# Prints each datagram as one line (newlines escaped), flushing at once.
LISTENER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 514))
print("listening", flush=True)
while True:
    data = s.recv(65535)
    print(data.decode("utf-8", "replace").replace("\n", "\\n"), flush=True)
"""


class SyslogListener:
    def __init__(self, lab, addr):
        self.cmd = h.netns_prefix(lab.ns) + [sys.executable, "-u", "-c", LISTENER, addr]
        self.logfile = h.log_path("%s.syslog.log" % lab.stack.name)
        self.proc = None
        self.log = None

    def start(self):
        self.proc = h.popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.log = h.LineStream(self.proc.stdout, self.logfile, prefix="syslog| ")
        if self.log.wait(r"^listening$", 10)[1] is None:
            raise h.HarnessError("syslog listener did not start:\n%s" % self.log.tail(10))
        return self

    def close(self):
        h.stop_process(self.proc)
        if self.log:
            self.log.join()


def test_log_lines_reach_the_option7_syslog_server(stack, netns_ok):
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    syslog = stack.add(SyslogListener(lab, "10.77.1.1")).start()
    lab.serve_v4(1, ["--dhcp-option=option:log-server,10.77.1.1"])
    vm = lab.qemu(SERIAL, append="snboot.ipv6=0").start()
    vm.wait_for(r"snboot net: logging to syslog server 10\.77\.1\.1:514")
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    # RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG, the
    # serial as HOSTNAME, the stage as MSGID; local0.info = 134.
    header = r"^<134>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z %s snboot - " % SERIAL
    for stage, text in (("api", r"POST https://10\.77\.1\.1:\d+/api/v1/boot"),
                        ("download", r"vmlinuz: \d+ bytes"),
                        ("kexec", r"rebooting into vmlinuz")):
        _, m = syslog.log.wait(header + stage + r" - " + text, 10)
        assert m, "syslog never got the %s line:\n%s" % (stage, syslog.log.tail(20))
    # Lines before the lease (no server known yet) are only on the console.
    assert not syslog.log.search(r" identify - ")[1]
    assert all(re.match(r"^<1(31|34)>1 ", l) for l in syslog.log.lines if l != "listening"), \
        syslog.log.tail(20)
