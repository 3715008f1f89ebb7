"""Shared fixtures: real seed reports, real SQLite files in tmp dirs, an isolated environment."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from reportbot.bot.service import ReportService

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No test reads the developer's real database, config or token."""
    for name in ("REPORTBOT_DB", "REPORTBOT_CONFIG", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # PTB warns on every RetryAfter unless it may use timedelta values; warnings are errors here.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))  # sample database


@pytest.fixture
def tg(request, tmp_path):
    """The real bot over a copy of the seeded database, polling the fake Bot API
    (tests/telegram_harness.py); `@pytest.mark.bot_config(bot={...})` changes settings."""
    from telegram_harness import BotHarness

    marker = request.node.get_closest_marker("bot_config")
    harness = BotHarness(tmp_path, **(marker.kwargs if marker else {}))
    yield harness
    harness.close()


@pytest.fixture
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed reports not found at {SEEDS} (they live in ../shared/seeds)")
    return SEEDS


@pytest.fixture
def dev_set() -> Path:
    if not DEV_SET.is_file():
        pytest.skip(f"dev question set not found at {DEV_SET}")
    return DEV_SET


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "reports.db"


@pytest.fixture
def service(db_path):
    service = ReportService.open(db_path)
    yield service
    service.close()


@pytest.fixture
def seeded(service, seeds):
    """A service whose database holds the five real seed reports."""
    results = service.ingest([seeds])
    assert [r.status for r in results] == ["added"] * 5
    return service


class Tmpfs:
    """A small RAM file system mounted for one test: a disk that can really fill up."""

    def __init__(self, mount_point: Path) -> None:
        self.path = mount_point

    def resize(self, size: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True)

    def make_read_only(self) -> None:
        """A folder nobody can write to, root included (root ignores permission bits)."""
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def fill(self) -> Path:
        """Take every free byte with a filler file; delete it to give the space back."""
        filler = self.path / "filler"
        with open(filler, "ab", buffering=0) as file:
            for size in (65536, 512, 1):
                try:
                    while file.write(b"\0" * size):
                        pass
                except OSError:
                    pass
        return filler


@pytest.fixture
def tmpfs(tmp_path):
    """Factory: `tmpfs("2m")` mounts a tmpfs of that size (root only; skipped otherwise)."""
    mounted: list[Path] = []

    def mount(size: str) -> Tmpfs:
        if os.geteuid() != 0:
            pytest.skip("disk-full tests mount a small tmpfs and need root")
        point = tmp_path / f"tmpfs{len(mounted)}"
        point.mkdir()
        if subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True
        ).returncode:
            pytest.skip("cannot mount a tmpfs here (needs CAP_SYS_ADMIN)")
        mounted.append(point)
        return Tmpfs(point)

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)
