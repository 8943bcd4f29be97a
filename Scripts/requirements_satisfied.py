#!/usr/bin/env python3
"""Exit 0 when every `name==version` pin of a requirements file is installed, 1 otherwise.

Used by `make setup` to skip `pip install` (which takes seconds even when nothing is to do).
Only exact pins are understood, which is all requirements.txt holds.
"""

import re
import sys
from importlib import metadata


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def main(path):
    missing = []
    with open(path, encoding="utf-8") as requirements:
        for line in requirements:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, separator, version = line.partition("==")
            if not separator:
                print(f"{path}: not an exact pin: {line}", file=sys.stderr)
                return 1
            try:
                installed = metadata.version(normalized(name.strip()))
            except metadata.PackageNotFoundError:
                installed = None
            if installed != version.strip():
                missing.append(f"{name.strip()}=={version.strip()} (installed: {installed})")
    for requirement in missing:
        print(f"not satisfied: {requirement}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements.txt"))
