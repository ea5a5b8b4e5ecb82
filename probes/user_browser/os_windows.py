"""Windows registry policies: read live through `winreg`, or from a `regedit` export.

Both readers produce the same dump (key path -> value name -> value), and one function
turns a dump into policies, so the recorded `.reg` fixtures exercise the code path the
live reader feeds. List policies are subkeys of numbered values (`URLBlocklist\\1`).
"""

from __future__ import annotations

import re
import sys
from typing import Any

RegistryDump = dict[str, dict[str, str | int]]  # key path -> value name -> data, as reg.exe exports it


HIVES = ("HKLM", "HKCU")
_LONG = {"HKEY_LOCAL_MACHINE": "HKLM", "HKEY_CURRENT_USER": "HKCU"}
_VALUE = re.compile(r'^("(?:[^"\\]|\\.)*"|@)=(.*)$')


def read_registry(keys: list[str]) -> RegistryDump:
    """Every value under `HIVE\\key` for both hives (and their subkeys); {} off Windows."""
    if sys.platform != "win32":
        return {}
    import winreg

    roots = {"HKLM": winreg.HKEY_LOCAL_MACHINE, "HKCU": winreg.HKEY_CURRENT_USER}
    dump: RegistryDump = {}

    def walk(hive: str, path: str) -> None:
        try:
            handle = winreg.OpenKey(roots[hive], path, 0, winreg.KEY_READ)
        except OSError:
            return
        with handle:
            subkeys, count, _ = winreg.QueryInfoKey(handle)
            values: dict[str, str | int] = {}
            for index in range(count):
                name, data, _kind = winreg.EnumValue(handle, index)
                if isinstance(data, int | str):
                    values[name] = data
            dump[f"{hive}\\{path}"] = values
            for index in range(subkeys):
                walk(hive, f"{path}\\{winreg.EnumKey(handle, index)}")

    for hive in HIVES:
        for key in keys:
            walk(hive, key)
    return dump


def parse_reg(text: str) -> RegistryDump:
    """A `regedit /e` export (REG_SZ and REG_DWORD values) as a dump."""
    dump: RegistryDump = {}
    current: dict[str, str | int] | None = None
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if line.startswith("[") and line.endswith("]"):
            hive, _, rest = line[1:-1].partition("\\")
            current = dump.setdefault(f"{_LONG.get(hive, hive)}\\{rest}", {})
            continue
        match = _VALUE.match(line)
        if current is None or match is None:
            continue
        name = "" if match.group(1) == "@" else match.group(1)[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        raw = match.group(2)
        if raw.startswith("dword:"):
            current[name] = int(raw[6:], 16)
        elif raw.startswith('"') and raw.endswith('"'):
            current[name] = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return dump


def load_reg_file(data: bytes) -> RegistryDump:
    """A `.reg` file's bytes (regedit writes UTF-16 with a byte-order mark; older exports UTF-8)."""
    text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
    return parse_reg(text)


def _tree(dump: RegistryDump, path: str) -> dict[str, Any]:
    """The key's values, with subkeys as lists (numbered values) or nested dicts."""
    tree: dict[str, Any] = dict(dump.get(path, {}))
    prefix = path + "\\"
    children = {k[len(prefix):].split("\\", 1)[0] for k in dump if k.startswith(prefix)}
    for child in sorted(children):
        sub = _tree(dump, prefix + child)
        if sub and all(name.isdigit() for name in sub):
            tree[child] = [sub[n] for n in sorted(sub, key=int)]
        else:
            tree[child] = sub
    return tree


def policies_from_registry(dump: RegistryDump, key: str) -> dict[str, dict[str, Any]]:
    """Hive-qualified source -> policies set under `key` there (machine first, then user)."""
    found: dict[str, dict[str, Any]] = {}
    for hive in HIVES:
        path = f"{hive}\\{key}"
        if any(k == path or k.startswith(path + "\\") for k in dump):
            found[path] = _tree(dump, path)
    return found
