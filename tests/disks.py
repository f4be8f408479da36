"""Disk images for the local-disk scenarios, built without root and without
mounting anything: mkfs.ext4 -d (from a directory), mkfs.xfs -p (a proto
file), mkfs.vfat + mcopy, sfdisk on an image file, and dd to place each
filesystem at its partition's offset. The disk's kernel is the test target
(build/target), whose marker line shows the command line it got, so a
scenario can tell which entry booted.

    disk = Disk(path, table="gpt")
    disk.add("ext4", {"/boot/vmlinuz": TARGET_KERNEL, "/boot/grub/grub.cfg": "text"})
    disk.build()
"""
import os
import shutil
import tempfile

import programs

MiB = 1024 * 1024

TYPE_GUID = {
    "linux": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
    "esp": "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
    "xbootldr": "BC13C2FF-59E6-4262-A352-B275FD6F7172",
}
MBR_TYPE = {"linux": "83", "esp": "ef", "xbootldr": "ea"}
# xfsprogs 6.x refuses filesystems under 300 MiB; the image stays sparse.
MIN_MIB = {"ext4": 16, "xfs": 300, "vfat": 34, "raw": 1}


def _run(cmd, **kw):
    programs.run(cmd, check=True, capture_output=True, **kw)


def _stage(files, root):
    """Writes files ({path on the fs: bytes, str or a host file path given
    as ("file", path)}) under root."""
    for path, content in files.items():
        dst = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if isinstance(content, tuple) and content[0] == "file":
            shutil.copyfile(content[1], dst)
        elif isinstance(content, tuple) and content[0] == "symlink":
            os.symlink(content[1], dst)
        else:
            with open(dst, "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)


def _xfs_proto(root, out):
    """mkfs.xfs proto file for the tree under root (owner 0:0)."""
    lines = ["/dev/null", "0 0", "d--755 0 0"]

    def walk(d, depth):
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            ind = " " * depth
            if os.path.islink(p):
                lines.append("%s%s l--777 0 0 %s" % (ind, name, os.readlink(p)))
            elif os.path.isdir(p):
                lines.append("%s%s d--755 0 0" % (ind, name))
                walk(p, depth + 1)
                lines.append("%s$" % ind)
            else:
                lines.append("%s%s ---644 0 0 %s" % (ind, name, p))
    walk(root, 1)
    lines.append("$")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def make_fs(fstype, files, path, size_mib=None, label=""):
    """One filesystem image file at path holding files."""
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.makedirs(root)
        _stage(files, root)
        content = sum(os.path.getsize(os.path.join(d, f))
                      for d, _dirs, names in os.walk(root) for f in names)
        # Room for metadata (inode tables, journal, FAT) beyond the files.
        size_mib = max(size_mib or 0, MIN_MIB[fstype], content * 5 // 4 // MiB + 12)
        if os.path.exists(path):
            os.unlink(path)
        if fstype == "ext4":
            cmd = ["mkfs.ext4", "-q", "-F", "-d", root, "-E", "root_owner=0:0"]
            if label:
                cmd += ["-L", label]
            _run(cmd + [path, "%dM" % size_mib])
        elif fstype == "xfs":
            proto = os.path.join(tmp, "proto")
            _xfs_proto(root, proto)
            with open(path, "wb") as f:
                f.truncate(size_mib * MiB)
            cmd = ["mkfs.xfs", "-q", "-f", "-p", proto]
            if label:
                cmd += ["-L", label]
            _run(cmd + [path])
        elif fstype == "vfat":
            cmd = ["mkfs.vfat", "-C"]
            if label:
                cmd += ["-n", label]
            _run(cmd + [path, str(size_mib * 1024)])
            for name in sorted(os.listdir(root)):
                _run(["mcopy", "-s", "-i", path, os.path.join(root, name), "::/"])
        elif fstype == "raw":
            with open(path, "wb") as f:
                f.truncate(size_mib * MiB)
        else:
            raise ValueError(fstype)
    return path


class Disk:
    """A partitioned disk image: add() filesystems in order, then build()."""

    def __init__(self, path, table="gpt"):
        self.path = path
        self.table = table
        self.parts = []   # (fs image path, size MiB, type)

    def add(self, fstype, files, size_mib=None, ptype="linux", label="", corrupt=False):
        img = "%s.p%d" % (self.path, len(self.parts) + 1)
        make_fs(fstype, files, img, size_mib, label)
        if corrupt:
            corrupt_ext4(img)
        size = (os.path.getsize(img) + MiB - 1) // MiB
        self.parts.append((img, size, ptype))
        return self

    def build(self):
        start = 1   # MiB; GPT's backup header needs the last MiB
        script = ["label: %s" % self.table]
        offsets = []
        for img, size, ptype in self.parts:
            t = TYPE_GUID[ptype] if self.table == "gpt" else MBR_TYPE[ptype]
            script.append("start=%dMiB, size=%dMiB, type=%s" % (start, size, t))
            offsets.append(start)
            start += size
        with open(self.path, "wb") as f:
            f.truncate((start + 1) * MiB)
        programs.run(["sfdisk", "-q", self.path], input="\n".join(script) + "\n",
                     text=True, check=True, capture_output=True)
        for (img, _size, _t), off in zip(self.parts, offsets):
            _run(["dd", "if=" + img, "of=" + self.path, "bs=1M", "seek=%d" % off,
                  "conv=notrunc,sparse", "status=none"])
            os.unlink(img)
        return self.path


def corrupt_ext4(img):
    """Keeps the ext4 magic (so the agent sees ext4) but breaks the
    superblock so that the kernel refuses to mount it: a block size of
    2^(10+40) bytes."""
    with open(img, "r+b") as f:
        f.seek(1024 + 24)          # s_log_block_size
        f.write((40).to_bytes(4, "little"))


def qemu_disk_args(path, bus, index=0):
    """QEMU arguments attaching a raw image on a bus the image's kernel has
    a driver for: virtio (virtio-blk), nvme, sata (AHCI), megasas (MegaRAID
    SAS, megaraid_sas), scsi (virtio-scsi)."""
    drv = "disk%d" % index
    args = ["-drive", "if=none,id=%s,format=raw,file=%s" % (drv, path)]
    if bus == "virtio":
        args += ["-device", "virtio-blk-pci,drive=%s" % drv]
    elif bus == "nvme":
        args += ["-device", "nvme,drive=%s,serial=SNB%04d" % (drv, index)]
    elif bus == "sata":
        args += ["-device", "ahci,id=ahci%d" % index,
                 "-device", "ide-hd,drive=%s,bus=ahci%d.0" % (drv, index)]
    elif bus == "megasas":      # LSI MegaRAID SAS 1078: the megaraid_sas driver
        args += ["-device", "megasas,id=sas%d" % index,
                 "-device", "scsi-hd,drive=%s,bus=sas%d.0" % (drv, index)]
    elif bus == "scsi":
        args += ["-device", "virtio-scsi-pci,id=scsi%d" % index,
                 "-device", "scsi-hd,drive=%s,bus=scsi%d.0" % (drv, index)]
    else:
        raise ValueError(bus)
    return args
