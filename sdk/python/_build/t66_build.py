"""A PEP 517 build backend for t66-python that needs nothing but the standard library.

pip installs from source by asking a build backend for a wheel. The usual backends
(setuptools, hatchling, flit) must themselves be installed first, which needs a package
index; this one ships with the source, so `pip install ./sdk/python` works offline, with or
without build isolation. A wheel is a zip of the package plus a `.dist-info` folder, so that
is all this builds (PEP 427), along with an sdist (PEP 517) and editable installs (PEP 660).
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "t66"


def _project():
    """The [project] fields this backend uses, read from pyproject.toml (tomllib is 3.11+ only)."""
    fields = {}
    section = None
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as handle:
        for line in handle:
            stripped = line.strip()
            header = re.match(r"^\[([^\]]+)\]$", stripped)
            if header:
                section = header.group(1)
                continue
            pair = re.match(r'^([A-Za-z-]+)\s*=\s*"(.*)"$', stripped)
            if section == "project" and pair:
                fields[pair.group(1)] = pair.group(2).replace('\\"', '"')
    return fields


def _names():
    project = _project()
    name, version = project["name"], project["version"]
    stem = re.sub(r"[-_.]+", "_", name).lower() + "-" + version
    return project, stem


def _metadata():
    project, _ = _names()
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + project["name"],
        "Version: " + project["version"],
        "Summary: " + project.get("description", ""),
        "License: " + project.get("license", ""),
        "Requires-Python: " + project.get("requires-python", ">=3.9"),
    ]
    readme = os.path.join(ROOT, project.get("readme", "README.md"))
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as handle:
            return "\n".join(lines) + "\n\n" + handle.read()
    return "\n".join(lines) + "\n"


def _package_files():
    """(path in the archive, path on disk) for every file of the package, sorted for reproducible archives."""
    found = []
    for folder, dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            disk = os.path.join(folder, name)
            found.append((os.path.relpath(disk, ROOT).replace(os.sep, "/"), disk))
    return found


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def _write_wheel(wheel_directory, entries):
    """entries: (path in the wheel, bytes). Adds the dist-info files and answers the wheel's file name."""
    _, stem = _names()
    dist_info = stem + ".dist-info"
    entries = list(entries) + [
        (dist_info + "/METADATA", _metadata().encode("utf-8")),
        (dist_info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: t66_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        (dist_info + "/top_level.txt", (PACKAGE + "\n").encode("utf-8")),
    ]
    record = "\n".join(_record_line(path, data) for path, data in entries) + "\n" + dist_info + "/RECORD,,\n"
    filename = stem + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in entries + [(dist_info + "/RECORD", record.encode("utf-8"))]:
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    return filename


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    entries = []
    for path, disk in _package_files():
        with open(disk, "rb") as handle:
            entries.append((path, handle.read()))
    return _write_wheel(wheel_directory, entries)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # A .pth file puts the source folder on sys.path, so edits take effect without reinstalling.
    return _write_wheel(wheel_directory, [("_t66_python_editable.pth", (ROOT + "\n").encode("utf-8"))])


def build_sdist(sdist_directory, config_settings=None):
    _, stem = _names()
    filename = stem + ".tar.gz"
    sources = [("pyproject.toml", os.path.join(ROOT, "pyproject.toml")), ("_build/t66_build.py", os.path.abspath(__file__))]
    readme = os.path.join(ROOT, "README.md")
    if os.path.exists(readme):
        sources.append(("README.md", readme))
    sources += _package_files()
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path, disk in sources:
            archive.add(disk, arcname=stem + "/" + path, recursive=False)
        info = tarfile.TarInfo(stem + "/PKG-INFO")
        data = _metadata().encode("utf-8")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return filename
