"""LibreOffice (headless) helpers for tests: convert, recalculate and open-check workbooks.

SPEC §8: formulas in the issued workbooks must compute the same in Excel and in
LibreOffice 7.4. A workbook written by XlsxWriter carries cached results (0), and a
plain ``soffice --convert-to`` keeps them (the default ``OOXMLRecalcMode`` is 1,
"never recalculate"). Every call here therefore runs soffice with a private user
profile whose ``registrymodifications.xcu`` sets ``OOXMLRecalcMode`` and
``ODFRecalcMode`` to 0 ("always recalculate"), so the values read back are the ones
LibreOffice computed.

One soffice call converting many files costs about 0.2 s a file against over 1 s for
a call per file: convert in batches (``convert``, ``recalculate_many``).

    from tests.libreoffice import convert, opens_cleanly, recalculated, recalculate_many
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest

__all__ = [
    "LibreOfficeError",
    "convert",
    "opens_cleanly",
    "recalculate_many",
    "recalculated",
    "soffice",
]

INSTALL_HINT = "LibreOffice (soffice) is not installed: run `make libreoffice`"

# Values of /org.openoffice.Office.Calc/Formula/Load/*RecalcMode:
# 0 = always recalculate, 1 = never (LibreOffice's default), 2 = ask (prompt).
RECALC_ALWAYS = 0

_RECALC_XCU = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""

# The first call also initialises the profile (a few seconds); after that a file
# takes well under a second. Generous, but a hung soffice must not hang the suite.
_TIMEOUT_BASE_S = 120.0
_TIMEOUT_PER_FILE_S = 10.0

# One soffice at a time per profile: a second soffice started on a profile in use
# hands its work to the running one and exits, which breaks timeouts and errors.
_lock = threading.Lock()
_profiles: dict[int, Path] = {}  # pid -> profile dir (a forked child gets its own)


class LibreOfficeError(AssertionError):
    """soffice failed, timed out, or did not write an expected output file.

    An AssertionError, so a failing conversion fails the test rather than erroring it.
    """


def soffice() -> str:
    """Path of the soffice binary; fails under CI (CI=true) and skips elsewhere if missing."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path:
        return path
    if os.environ.get("CI") == "true":
        raise AssertionError(INSTALL_HINT + " (required when CI=true)")
    pytest.skip(INSTALL_HINT + " (this skip becomes a failure under CI=true)")


def _profile_dir(recalc: bool = True) -> Path:
    """The private LibreOffice user profile of this process (created on first use)."""
    key = os.getpid() if recalc else -os.getpid()
    profile = _profiles.get(key)
    if profile is None:
        profile = Path(tempfile.mkdtemp(prefix=f"salesplan-lo-profile-{os.getpid()}-"))
        if recalc:
            user = profile / "user"
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(
                _RECALC_XCU.format(mode=RECALC_ALWAYS), encoding="utf-8"
            )
        _profiles[key] = profile
        atexit.register(_remove_profile, key, profile)
    return profile


def _remove_profile(key: int, profile: Path) -> None:
    if abs(key) == os.getpid():  # not in a forked child that inherited the handler
        shutil.rmtree(profile, ignore_errors=True)


def _output_name(src: Path, fmt: str) -> str:
    ext = fmt.split(":", 1)[0].strip().lower()
    return f"{src.stem}.{ext}"


def _names(paths: Iterable[Path]) -> str:
    return ", ".join(str(p) for p in paths)


def convert(
    paths: Iterable[str | os.PathLike[str]],
    fmt: str,
    outdir: str | os.PathLike[str],
    *,
    timeout: float | None = None,
    recalc: bool = True,
) -> list[Path]:
    """Convert all ``paths`` to ``fmt`` in ONE headless soffice call; return the outputs.

    ``fmt`` is what ``--convert-to`` takes: "xlsx", "pdf", "csv", or with a filter,
    e.g. 'csv:Text - txt - csv (StarCalc):44,34,76'. Output ``i`` is
    ``outdir/<stem of paths[i]>.<fmt extension>``, in input order. Formulas are
    recalculated on load (private profile, see module doc). Raises
    ``LibreOfficeError`` naming the files if soffice fails, times out, or an output
    is missing; ``ValueError`` if two inputs share a stem or an output would
    overwrite its input. ``recalc=False`` uses a profile with LibreOffice's default
    (never recalculate .xlsx on load), only to show why the forcing matters.
    """
    sources = [Path(p).resolve() for p in paths]
    if not sources:
        return []
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)

    missing_src = [p for p in sources if not p.is_file()]
    if missing_src:
        raise FileNotFoundError(f"cannot convert, no such file: {_names(missing_src)}")
    outputs = [out / _output_name(p, fmt) for p in sources]
    if len(set(outputs)) != len(outputs):
        raise ValueError(f"inputs share a file stem, outputs would collide: {_names(sources)}")
    clobbered = [p for p, o in zip(sources, outputs, strict=True) if p == o]
    if clobbered:
        raise ValueError(f"converting would overwrite the input: {_names(clobbered)}")

    exe = soffice()
    if timeout is None:
        timeout = _TIMEOUT_BASE_S + _TIMEOUT_PER_FILE_S * len(sources)
    for o in outputs:  # never mistake a stale output for a fresh one
        o.unlink(missing_ok=True)

    with _lock:
        profile = _profile_dir(recalc)
        cmd = [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            *map(str, sources),
        ]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # so a timeout can kill soffice.bin too
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            stdout, stderr = proc.communicate()
            raise LibreOfficeError(
                f"soffice timed out after {timeout:.0f} s converting to {fmt}: "
                f"{_names(sources)}\nstdout: {stdout}\nstderr: {stderr}"
            ) from None

    failed = [s for s, o in zip(sources, outputs, strict=True) if not o.is_file()]
    if proc.returncode != 0 or failed:
        raise LibreOfficeError(
            f"soffice (exit {proc.returncode}) could not convert to {fmt}: "
            f"{_names(failed or sources)}\nstdout: {stdout.strip()}\nstderr: {stderr.strip()}"
        )
    return outputs


def recalculate_many(
    paths: Iterable[str | os.PathLike[str]],
) -> dict[Path, openpyxl.Workbook]:
    """Recalculate workbooks in LibreOffice (one soffice call) and load the computed values.

    Returns {input path: workbook loaded with ``data_only=True``}, so cell ``.value``
    is what LibreOffice computed (formulas are not kept). Inputs may share names.
    """
    sources = [Path(p) for p in paths]
    result: dict[Path, openpyxl.Workbook] = {}
    if not sources:
        return result
    with tempfile.TemporaryDirectory(prefix="salesplan-lo-") as tmp:
        staged = Path(tmp, "in")
        staged.mkdir()
        copies = []
        for i, src in enumerate(sources):  # unique names; outputs never clobber inputs
            if not src.is_file():
                raise FileNotFoundError(f"cannot recalculate, no such file: {src}")
            copy = staged / f"{i:05d}_{src.stem}.xlsx"
            shutil.copyfile(src, copy)
            copies.append(copy)
        outputs = convert(copies, "xlsx", Path(tmp, "out"))
        for src, output in zip(sources, outputs, strict=True):
            result[src] = openpyxl.load_workbook(output, data_only=True)
    return result


def recalculated(path: str | os.PathLike[str]) -> openpyxl.Workbook:
    """The workbook at ``path`` as LibreOffice computes it (values, ``data_only=True``)."""
    return recalculate_many([path])[Path(path)]


def opens_cleanly(*paths: str | os.PathLike[str]) -> None:
    """Assert LibreOffice opens each of ``paths`` and saves every sheet of it again (as
    OpenDocument), all in one soffice call.

    Saving as .ods walks the whole model LibreOffice loaded (cells, formulas, tables, charts)
    at a tenth of the cost of laying it out as PDF; the PDF tests that show a rendering do so
    on purpose (test_issue, test_charts)."""
    sources = [Path(p) for p in paths]
    assert sources, "opens_cleanly: no file given"
    with tempfile.TemporaryDirectory(prefix="salesplan-lo-") as tmp:
        inputs = sources
        if len({p.stem for p in sources}) < len(sources):  # outputs would collide: copies
            staged = Path(tmp, "in")
            staged.mkdir()
            inputs = [
                Path(shutil.copyfile(src, staged / f"{i:05d}_{src.name}"))
                for i, src in enumerate(sources)
            ]
        saved_as = convert(inputs, "ods", Path(tmp, "out"))
        for src, ods in zip(sources, saved_as, strict=True):
            assert zipfile.is_zipfile(ods), f"LibreOffice did not write a document for {src}"
            with zipfile.ZipFile(ods) as z:
                content = z.read("content.xml")
            with zipfile.ZipFile(src) as z:
                sheets = len(re.findall(rb"<(?:\w+:)?sheet[\s/>]", z.read("xl/workbook.xml")))
            saved = content.count(b"<table:table ")
            assert saved == sheets, f"LibreOffice saved {saved} of the {sheets} sheets of {src}"
