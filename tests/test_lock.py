"""The lock files agree with pyproject.toml: every dependency it declares is pinned, at a version
it allows, with hashes, in the lock that ``make venv`` (dev), ``make bench`` (bench) and a
production install (main) read. A dependency added to pyproject.toml without ``make lock`` fails
here instead of being silently missing from every fresh checkout."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCKS = {"main": [], "dev": ["dev"], "bench": ["dev", "bench"]}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def _pins(lock: str) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) for the pins that apply on this machine."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements" / f"{lock}.txt").read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            name, version, marker = match.groups()
            applies = marker is None or Requirement(f"x; {marker}").marker.evaluate()
            current = canonicalize_name(name) if applies else None
            if current:
                pins[current] = (version, 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif not line.startswith(" "):
            current = None
    return pins


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_lock_pins_every_declared_dependency(lock):
    pins = _pins(lock)
    declared = list(PROJECT["dependencies"])
    for extra in LOCKS[lock]:
        declared += PROJECT["optional-dependencies"][extra]
    problems = []
    env = default_environment()
    for spec in declared:
        requirement = Requirement(spec)
        if requirement.marker and not requirement.marker.evaluate(env):
            continue
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement.name} is not in requirements/{lock}.txt")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{requirement.name}=={pins[name][0]} does not satisfy {spec!r}")
    assert not problems, "run `make lock`: " + "; ".join(problems)
    unhashed = sorted(name for name, (_version, hashes) in pins.items() if hashes == 0)
    assert not unhashed, f"pins without hashes in requirements/{lock}.txt: {unhashed}"


def test_locks_agree_on_every_version():
    """main ⊂ dev ⊂ bench, each version the same in all three (make lock constrains each by the next)."""
    main, dev, bench = _pins("main"), _pins("dev"), _pins("bench")
    assert set(main) <= set(dev) <= set(bench)
    assert {name: bench[name][0] for name in dev} == {name: pin[0] for name, pin in dev.items()}
    assert {name: dev[name][0] for name in main} == {name: pin[0] for name, pin in main.items()}
