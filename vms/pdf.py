"""Small PDF documents with Thai text shaped right: a title, paragraphs and tables.

Built on fpdf2 with HarfBuzz text shaping (uharfbuzz), so Thai vowels and tone marks sit
where they belong, with a Thai-capable TrueType font found on the system (Debian
fonts-thai-tlwg; `VMS_PDF_FONT` may name another regular TTF). Used by the uptime reports
and meant for any other document the server hands out (receipts, ...):

    doc = PdfDocument("รายงาน / Report", subtitle="1 Dec 2026")
    doc.heading("Cameras")
    doc.paragraph("ข้อความภาษาไทย ...")
    doc.table(["Camera", "Up %"], [["กล้อง 1", "75.0"]], widths=[3, 1], align=["L", "R"])
    data: bytes = doc.output()
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from vms.errors import ConfigError

FONT_DIRS = (Path("/usr/share/fonts/truetype/tlwg"), Path("/usr/share/fonts/truetype"))
# Regular and bold faces tried in order (all fonts-thai-tlwg; each has Latin letters too).
FONT_CANDIDATES = (
    ("Loma.ttf", "Loma-Bold.ttf"),
    ("Garuda.ttf", "Garuda-Bold.ttf"),
    ("Waree.ttf", "Waree-Bold.ttf"),
    ("Kinnari.ttf", "Kinnari-Bold.ttf"),
)
Align = Literal["L", "R", "C"]


def find_font() -> tuple[Path, Path | None]:
    """(regular, bold or None) of a Thai-capable TTF; ConfigError naming what to install."""
    override = os.environ.get("VMS_PDF_FONT")
    if override:
        path = Path(override)
        if not path.is_file():
            raise ConfigError(f"VMS_PDF_FONT={override}: no such font file")
        return path, None
    for directory in FONT_DIRS:
        for regular, bold in FONT_CANDIDATES:
            found = list(directory.rglob(regular)) if directory.is_dir() else []
            if found:
                bold_path = found[0].with_name(bold)
                return found[0], bold_path if bold_path.is_file() else None
    raise ConfigError(
        "no Thai font for PDF documents: install the Debian package fonts-thai-tlwg "
        "(scripts/bootstrap.sh does) or set VMS_PDF_FONT to a TTF file"
    )


class PdfDocument:
    """An A4 document (portrait or landscape) built top to bottom; `output()` gives the bytes."""

    def __init__(
        self,
        title: str,
        *,
        subtitle: str | None = None,
        landscape: bool = False,
        footer: str | None = None,
    ) -> None:
        regular, bold = find_font()
        pdf = _Pdf(orientation="L" if landscape else "P", unit="mm", format="A4")
        pdf.footer_text = footer
        pdf.set_title(title)
        pdf.set_creator("CCTV Command Center VMS")
        pdf.set_creation_date(datetime.now(UTC))
        pdf.add_font("body", "", str(regular))
        pdf.add_font("body", "B", str(bold or regular))
        pdf.set_text_shaping(True)
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_page()
        self._pdf = pdf
        self._set(16, bold=True)
        pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self._set(11)
            pdf.multi_cell(0, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)

    def _set(self, size: float, *, bold: bool = False) -> None:
        self._pdf.set_font("body", "B" if bold else "", size)

    def heading(self, text: str) -> None:
        """A section heading (starts a new page when too close to the bottom)."""
        pdf = self._pdf
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.ln(2)
        self._set(13, bold=True)
        pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    def paragraph(self, text: str, *, size: float = 10) -> None:
        """Wrapped text."""
        self._set(size)
        self._pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._pdf.ln(1.5)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float] | None = None,
        align: Sequence[Align] | None = None,
        size: float = 9,
    ) -> None:
        """A bordered table, header row (bold, shaded) repeated on each page; `widths` are
        relative. A cell too long for its column wraps onto more lines.

        Drawn cell by cell rather than with fpdf2's own table: its line breaking shapes the
        text once per character, five times slower on a report of a thousand cameras."""
        pdf = self._pdf
        rel = list(widths) if widths else [1.0] * len(header)
        cols = [pdf.epw * w / sum(rel) for w in rel]
        aligns: list[Align] = list(align) if align else ["L"] * len(header)
        line_h = size * 0.55

        def draw(cells: Sequence[str], head: bool) -> None:
            self._set(size, bold=head)
            lines = [self._lines(text, w) for text, w in zip(cells, cols, strict=False)]
            height = line_h * max(len(cell) for cell in lines)
            if pdf.get_y() + height > pdf.page_break_trigger:
                pdf.add_page()
                if not head:
                    draw(header, True)
                    self._set(size)
            y = pdf.get_y()
            x = pdf.l_margin
            for cell, w, a in zip(lines, cols, aligns, strict=False):
                if head:
                    pdf.set_fill_color(225, 230, 238)
                pdf.rect(x, y, w, height, style="DF" if head else "D")
                for n, text in enumerate(cell):
                    pdf.set_xy(x, y + n * line_h)
                    pdf.set_text_shaping(_complex(text))
                    pdf.cell(w, line_h, text, align=a)
                x += w
            pdf.set_text_shaping(True)
            pdf.set_xy(pdf.l_margin, y + height)

        draw(header, True)
        for values in rows:
            draw(values, False)
        pdf.ln(3)

    def _lines(self, text: str, width: float) -> list[str]:
        """`text` as the lines it takes in a column `width` wide (one line when it fits)."""
        pdf = self._pdf
        pdf.set_text_shaping(_complex(text))
        if pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
            return [text]
        pdf.set_text_shaping(True)
        lines = pdf.multi_cell(width, 5, text, dry_run=True, output=MethodReturnValue.LINES)
        return [str(line) for line in lines] if isinstance(lines, list) and lines else [text]

    def output(self) -> bytes:
        return bytes(self._pdf.output())


class _Pdf(FPDF):
    footer_text: str | None = None

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("body", "", 8)
        page = f"{self.page_no()}/{{nb}}"
        text = f"{self.footer_text}    {page}" if self.footer_text else page
        self.cell(0, 5, text, align="R")


def _complex(text: str) -> bool:
    """Whether `text` needs shaping (Thai, or anything beyond Latin-1); plain text is drawn
    without it, much faster."""
    return any(ord(ch) > 0xFF for ch in text)
