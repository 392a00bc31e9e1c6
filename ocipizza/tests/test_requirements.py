"""Supply chain: every requirements file pins every package with hashes, and every install checks them."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")


def entries(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (version, hashes) of a compiled requirements file; fails on anything that is not a pin."""
    text = path.read_text().replace("\\\n", " ")  # one logical line per requirement
    pins = {}
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = REQUIREMENT.match(line)
        assert match, f"{path.name}: not an exact pin: {line[:80]!r} (-r, -e, URLs and ranges have no hash)"
        hashes = frozenset(HASH.findall(line))
        assert hashes, f"{path.name}: {match['name']} has no --hash=sha256"
        pins[match["name"].lower().replace("_", "-")] = (match["version"], hashes)
    return pins


def top_level(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if match := REQUIREMENT.match(line.strip()):
            pins[match["name"].lower().replace("_", "-")] = match["version"]
    return pins


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-test.txt", "requirements-load.txt"])
def test_every_package_is_pinned_with_its_hashes(name):
    pins = entries(ROOT / name)
    assert len(pins) > 10
    # What the .in file pins is what the compiled file installs.
    declared = top_level(ROOT / name.replace(".txt", ".in"))
    assert declared and {n: pins[n][0] for n in declared} == declared


def test_the_test_environment_runs_the_production_packages():
    runtime, test = entries(ROOT / "requirements.txt"), entries(ROOT / "requirements-test.txt")
    assert {name: test[name] for name in runtime} == runtime
    assert {"pytest", "pytest-django", "ruff"} <= test.keys()


def test_a_file_without_hashes_is_refused(tmp_path):
    unhashed = tmp_path / "requirements.txt"
    unhashed.write_text("# pinned but not hashed\nDjango==5.2.19\n")
    with pytest.raises(AssertionError, match="has no --hash"):
        entries(unhashed)
    included = tmp_path / "requirements-test.txt"
    included.write_text("-r requirements.txt\n")
    with pytest.raises(AssertionError, match="not an exact pin"):
        entries(included)


def test_the_scripts_and_the_image_install_with_require_hashes():
    common = (ROOT / "scripts" / "_common.sh").read_text()
    installs = [
        line for line in common.splitlines() if "pip install" in line and not line.lstrip().startswith("#")
    ]
    assert installs and all("--require-hashes" in line for line in installs), installs
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and all("--require-hashes" in line for line in installs), installs
