"""Writes an archive to stdout as Python's tarfile and zipfile write them, from a JSON list of entries on stdin.

Used by the workspace archive tests for what java.util.zip cannot write: tar archives, links, devices and pipes.
Entry: {"name", "type": file|dir|symlink|hardlink|chardev|fifo, "text": content, "zeros": size, "link": target}.
"""
import io
import json
import stat
import sys
import tarfile
import zipfile

TAR_TYPES = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
             "hardlink": tarfile.LNKTYPE, "chardev": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}
ZIP_MODES = {"file": stat.S_IFREG | 0o644, "dir": stat.S_IFDIR | 0o755, "symlink": stat.S_IFLNK | 0o777,
             "chardev": stat.S_IFCHR | 0o644, "fifo": stat.S_IFIFO | 0o644}


def content(entry):
    if "zeros" in entry:
        return bytes(entry["zeros"])
    if "link" in entry and entry["type"] == "symlink":
        return entry["link"].encode()
    return entry.get("text", "").encode()


def tar(entries, tar_format):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", format=tar_format) as archive:
        for entry in entries:
            info = tarfile.TarInfo(entry["name"])
            info.type = TAR_TYPES[entry["type"]]
            info.linkname = entry.get("link", "")
            if entry["type"] == "file":
                data = content(entry)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            else:
                archive.addfile(info)
    return out.getvalue()


def zip_(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry["name"] + ("/" if entry["type"] == "dir" else ""))
            info.create_system = 3
            info.external_attr = ZIP_MODES[entry["type"]] << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, b"" if entry["type"] == "dir" else content(entry))
    return out.getvalue()


spec = json.load(sys.stdin)
if spec["format"] == "zip":
    result = zip_(spec["entries"])
else:
    result = tar(spec["entries"], tarfile.GNU_FORMAT if spec["format"] == "gnu.tar.gz" else tarfile.PAX_FORMAT)
sys.stdout.buffer.write(result)
