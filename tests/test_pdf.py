"""vms/pdf.py: a document with Thai title, paragraph and table; the text reads back out and
page 1 renders (pdftoppm, poppler-utils from scripts/bootstrap.sh)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from vms.errors import ConfigError
from vms.pdf import PdfDocument, find_font

LONG = "camera unreachable: check that it is on and that the address and port are right"


def sample() -> bytes:
    doc = PdfDocument("รายงานตรวจสอบกล้อง / Camera check", subtitle="1 ธันวาคม 2569", footer="VMS")
    doc.heading("สรุป / Summary")
    doc.paragraph("กล้องใช้งานได้ร้อยละ 75.0 ของเวลาที่ตรวจวัด")
    rows = [[f"กล้องหน้าศาลากลาง {n}", "ออฟไลน์", "75.0"] for n in range(60)]  # two pages
    rows[1][1] = LONG  # wraps onto more lines of its row
    doc.table(["กล้อง", "สถานะ", "%"], rows, widths=[3, 2, 1], align=["L", "L", "R"])
    return doc.output()


def test_thai_text_reads_back_from_every_part() -> None:
    reader = pypdf.PdfReader(io.BytesIO(sample()))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    for expected in ("รายงานตรวจสอบกล้อง", "สรุป / Summary", "ร้อยละ 75.0", "กล้องหน้าศาลากลาง 0"):
        assert expected in first, expected
    assert "check that it is on" in first and "port are right" in first  # wrapped, not cut
    second = reader.pages[1].extract_text()
    assert "สถานะ" in second  # the header row repeats on the next page
    assert "กล้องหน้าศาลากลาง 59" in second
    assert (
        reader.metadata is not None and reader.metadata.title == "รายงานตรวจสอบกล้อง / Camera check"
    )


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_page_one_renders(tmp_path: Path) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(sample())
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
        timeout=30,
    )
    [png] = tmp_path.glob("p*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_font_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMS_PDF_FONT", "/nonexistent/font.ttf")
    with pytest.raises(ConfigError, match="VMS_PDF_FONT"):
        find_font()
    monkeypatch.delenv("VMS_PDF_FONT")
    regular, bold = find_font()
    assert regular.suffix == ".ttf" and bold is not None
