"""`snboot localboot --dry-run` on the host (issue 6, item 4): a directory
of a filesystem's files, and disk images (GPT and MBR; ext4 and xfs) that
the tool attaches read-only through loop devices. No QEMU. Images need
root, as for an operator."""
import json
import os
import pytest

import disks
import harness as h
import programs

SNBOOT = os.path.join(h.BUILD, "snboot")


def dry_run(*args):
    h.require_files(SNBOOT)
    return programs.run([SNBOOT, "localboot"] + list(args), capture_output=True,
                        text=True, timeout=60)


def bls(title, version, entry):
    return "title %s\nversion %s\nlinux /vmlinuz-%s\ninitrd /initrd-%s\noptions entry=%s\n" % (
        title, version, version, version, entry)


def test_directory_json(tmp_path):
    entries = tmp_path / "loader" / "entries"
    entries.mkdir(parents=True)
    (entries / "a-6.1.conf").write_text(bls("Linux 6.1", "6.1.0", "old"))
    (entries / "a-6.10.conf").write_text(bls("Linux 6.10", "6.10.0", "new"))
    r = dry_run("--dry-run", "--json", str(tmp_path))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [e["cmdline"] for e in doc] == ["entry=new", "entry=old"]
    first = doc[0]
    assert set(first) >= {"label", "kernel", "initrds", "cmdline", "default", "source", "fs"}
    assert first["default"] is True and doc[1]["default"] is False
    assert first["kernel"] == "/vmlinuz-6.10.0" and first["initrds"] == ["/initrd-6.10.0"]
    assert first["source"] == "bls" and first["fs"] == "dir"


@pytest.mark.skipif(os.geteuid() != 0, reason="loop devices need root")
def test_gpt_image_with_ext4_grub_and_xfs_bls(tmp_path):
    d = disks.Disk(str(tmp_path / "disk.img"))
    d.add("ext4", {"/boot/grub/grub.cfg": (
        "set default=1\n"
        "menuentry 'First' {\n  linux /boot/vmlinuz-a entry=first\n}\n"
        "menuentry 'Second' {\n  linux /boot/vmlinuz-b entry=second\n"
        "  initrd /boot/initrd-b\n}\n"),
        "/boot/vmlinuz-a": "a", "/boot/vmlinuz-b": "b", "/boot/initrd-b": "i"}, label="root")
    d.add("xfs", {"/loader/entries/x.conf": bls("On xfs", "5.14.0", "xfs")})
    image = d.build()
    before = os.path.getmtime(image)
    r = dry_run("--dry-run", "--json", image)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [(e["label"], e["fs"], e["default"]) for e in doc] == [
        ("First", "ext4", False), ("Second", "ext4", True), ("On xfs", "xfs", False)]
    assert doc[1]["initrds"] == ["/boot/initrd-b"]
    # Read-only: the image is untouched, nothing stays attached or mounted.
    assert os.path.getmtime(image) == before
    with open("/proc/mounts") as f:
        assert image not in f.read()
    with open("/proc/self/mountinfo") as f:
        assert "snboot-localboot" not in f.read()


@pytest.mark.skipif(os.geteuid() != 0, reason="loop devices need root")
def test_mbr_image_text_and_a_corrupt_partition(tmp_path):
    d = disks.Disk(str(tmp_path / "mbr.img"), table="dos")
    d.add("ext4", {"/x": "x"}, corrupt=True)
    d.add("ext4", {"/boot/extlinux/extlinux.conf":
                   "DEFAULT b\nLABEL a\n LINUX /boot/k\n APPEND entry=a\n"
                   "LABEL b\n MENU LABEL Bee\n LINUX /boot/k\n APPEND entry=b\n",
                   "/boot/k": "k"})
    r = dry_run("--dry-run", d.build())
    assert r.returncode == 0, r.stderr
    assert "will not mount read-only" in r.stderr, r.stderr
    lines = [l for l in r.stdout.splitlines() if not l.startswith("    ")]
    assert lines[0].startswith("  0 ") and lines[1].startswith("* 1 \"Bee\""), r.stdout


def test_usage_errors():
    r = dry_run("/nonexistent")
    assert r.returncode == 2 and "E0975" in r.stderr and "--dry-run" in r.stderr
    r = dry_run("--dry-run", "/nonexistent/dir")
    assert r.returncode == 1 and "E0974" in r.stderr and "/nonexistent/dir" in r.stderr


def test_esp_grub_reading_boot_bls_lists_each_entry_once(tmp_path):
    """RHEL/Fedora layout: the ESP's grub.cfg finds /boot by a file and
    reads its BLS entries (blscfg); /boot is also scanned by itself."""
    esp, boot = tmp_path / "esp", tmp_path / "boot"
    (esp / "EFI" / "fedora").mkdir(parents=True)
    (esp / "EFI" / "fedora" / "grub.cfg").write_text(
        "search --no-floppy --file --set=root /loader/entries/f-6.5.6.conf\nblscfg\n")
    (boot / "loader" / "entries").mkdir(parents=True)
    # Names as installers write them (machine-id-version): grub's blscfg
    # sorts by name, the BLS scan by version; both agree here.
    (boot / "loader" / "entries" / "f-6.5.6.conf").write_text(bls("Fedora", "6.5.6", "a"))
    (boot / "loader" / "entries" / "f-6.5.10.conf").write_text(bls("Fedora", "6.5.10", "b"))
    r = dry_run("--dry-run", "--json", str(esp), str(boot))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [e["cmdline"] for e in doc] == ["entry=b", "entry=a"], doc
    assert [e["default"] for e in doc] == [True, False]
