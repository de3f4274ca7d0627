#!/usr/bin/env python3
"""Generate phiscan's labelled corpus of binary office formats (PDF, spreadsheets, Word/ODF
documents, e-mail, archives).

    corpus/make-docs.sh                              (creates corpus/.venv, installs, runs this)
    corpus/.venv/bin/python corpus/generate_docs.py [OUTDIR]   (default OUTDIR: this directory)

Deletes and rewrites OUTDIR/docs/, OUTDIR/docs-labels.jsonl and OUTDIR/docs-expected.jsonl.
Needs the packages pinned in requirements-docs.txt.

Content and labels follow generate.py exactly: the same synthetic population (build_population),
the same identifier generators, Doc markers for every expected finding, and generate.py's
oracle (an independent reference scanner implementing the labelling rules) as the judge. Some
text documents are made by generate.py's own generators run with this corpus' seed, then laid
out as PDF pages, Word/ODF paragraphs or archive members; the rest is built here.

Labels: one line per expected finding occurrence, like labels.jsonl, with the path of a
container member written as INVENTORY.md says: docs/archive/a.zip!/inner.zip!/b.pdf, an e-mail
attachment docs/mail/x.eml!/labs.pdf. docs-expected.jsonl lists every file or member whose
status is not "scanned" (no_text, encrypted, error, unsupported).

Deterministic: string-seeded random.Random, fixed timestamps in every zip/tar/gzip/7z header and
document property, reportlab's invariant mode, explicit MIME boundaries, and the few library
random sources (AES salts, 7z timestamps) replaced by seeded ones. Two runs with the pinned
packages give byte-identical output.

Self-check (after every run, exit 1 on any problem): every written file is read back from its
bytes with ordinary libraries (pypdf; openpyxl, xlrd, odfpy, cross-checked cell by cell with
python-calamine, the library phiscan itself uses; python-docx; email; zipfile, tarfile, gzip,
bz2, lzma, py7zr), each file and member gets a status, its extracted text is given to
generate.py's oracle, and the oracle must reproduce the labels exactly and in order, with no
grey-zone construct; every label is re-validated (checksums, ranges, normalization) and its
displayed value must be in the extracted text.
"""
from __future__ import annotations

import bz2
import datetime as dt
import email
import email.charset
import email.policy
import email.utils
import gzip
import html
import html.parser
import io
import json
import logging
import lzma
import mailbox
import os
import random
import re
import shutil
import sys
import tarfile
import tempfile
import textwrap
import zipfile
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from xml.sax.saxutils import escape as xml_escape

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402  (the text corpus generator: population, identifiers, rules, oracle)

# reportlab reads its invariant flag when its modules are imported: set it first.
from reportlab import rl_config  # noqa: E402

rl_config.invariant = 1
rl_config.pageCompression = 1
from reportlab.lib import pdfencrypt  # noqa: E402
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.lib.utils import ImageReader  # noqa: E402
from reportlab.pdfgen import canvas as rl_canvas  # noqa: E402

import docx  # noqa: E402
import docx.shared  # noqa: E402
import odf.opendocument  # noqa: E402
import odf.namespaces  # noqa: E402
import odf.table  # noqa: E402
import openpyxl  # noqa: E402
import py7zr  # noqa: E402
import py7zr.helpers  # noqa: E402
import pypdf  # noqa: E402
import python_calamine  # noqa: E402
import pyzipper  # noqa: E402
import pyzipper.zipfile_aes  # noqa: E402
import xlrd  # noqa: E402
import xlwt  # noqa: E402
from openpyxl.writer.excel import ExcelWriter  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

DOCS_SEED = "phiscan-docs-corpus/v1"
logging.getLogger("pypdf").setLevel(logging.ERROR)
Doc, P = G.Doc, G.P
us, longdate, wrap = G.us, G.longdate, G.wrap
PR = G.PRACTICES


def rng(name: str) -> random.Random:
    return random.Random(f"{DOCS_SEED}|{name}")


# ----------------------------------------------------------------------------------------------
# Determinism: library random sources and clocks
# ----------------------------------------------------------------------------------------------

class _SeededRandom:
    """Stands in for Cryptodome.Random in pyzipper: AES salts from a seeded generator."""

    def __init__(self):
        self.r = rng("aes-salt")

    def new(self):
        return self

    def read(self, n: int) -> bytes:
        return bytes(self.r.getrandbits(8) for _ in range(n))


pyzipper.zipfile_aes.Random = _SeededRandom()


def _fixed_7z_now(cls):
    return cls(int((dt.datetime(2024, 6, 3, 18, 5, 0).timestamp() - py7zr.helpers.TIMESTAMP_ADJUST) * 10000000))


py7zr.helpers.ArchiveTimestamp.from_now = classmethod(_fixed_7z_now)
os.environ["TZ"] = "UTC"
if hasattr(__import__("time"), "tzset"):
    __import__("time").tzset()


# ----------------------------------------------------------------------------------------------
# The corpus: files and container members, each with its labels and expected status
# ----------------------------------------------------------------------------------------------

class Item:
    """A file or container member: its bytes, the labels of its own text, its status and, for
    containers, its members [(name, Item)]."""

    def __init__(self, data: bytes, labels=None, status: str = "scanned", members=None, kind: str = ""):
        self.data = data
        self.labels = list(labels or [])
        self.status = status
        self.members = list(members or [])
        self.kind = kind

    def flat(self, path: str):
        yield path, self
        for name, m in self.members:
            yield from m.flat(f"{path}!/{name}")


class DocsCorpus:
    def __init__(self):
        self.files: dict[str, Item] = {}

    def add(self, path: str, item: Item) -> str:
        assert path not in self.files, path
        assert not path.startswith("/") and ".." not in path and "!/" not in path
        self.files[path] = item
        return path

    def flat(self):
        for path in sorted(self.files):
            yield from self.files[path].flat(f"docs/{path}")


def cp1252_ok(s: str) -> bool:
    try:
        s.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


# ----------------------------------------------------------------------------------------------
# Zip helpers (fixed timestamps)
# ----------------------------------------------------------------------------------------------

def zdt(d: dt.date | dt.datetime, hh: int = 9, mm: int = 30) -> tuple:
    if isinstance(d, dt.datetime):
        return (d.year, d.month, d.day, d.hour, d.minute, d.second - d.second % 2)
    return (d.year, d.month, d.day, hh, mm, 0)


def zip_bytes(members: list[tuple[str, bytes, tuple]], stored_exts=(".zip", ".jpg", ".png", ".7z", ".gz"),
              system: int = 0, comment: bytes = b"") -> bytes:
    """A zip of (name, data, date_time) in this order; already-compressed members are stored."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, when in members:
            zi = zipfile.ZipInfo(name, date_time=when)
            zi.compress_type = zipfile.ZIP_STORED if name.lower().endswith(stored_exts) else zipfile.ZIP_DEFLATED
            zi.create_system = system
            zi.external_attr = (0o100644 << 16) if system == 3 else 0x20
            z.writestr(zi, data, compresslevel=6)
        if comment:
            z.comment = comment
    return buf.getvalue()


def normalize_zip(data: bytes, when: tuple) -> bytes:
    """Rewrite a zip package (xlsx, docx) with one fixed timestamp and fixed attributes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=when)
            zi.compress_type = info.compress_type
            zi.create_system = 0
            zi.external_attr = 0
            z.writestr(zi, src.read(info.filename), compresslevel=6)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------------
# PDF (reportlab)
# ----------------------------------------------------------------------------------------------

class Line:
    """One line of a PDF page: text, font, size, x indent; bold: the length of a prefix drawn
    in bold as a separate text run (form labels such as "Date of Birth: ")."""

    def __init__(self, text: str, font: str = "Helvetica", size: float = 10, x: float = 54, gap: float = 0, bold: int = 0):
        self.text, self.font, self.size, self.x, self.gap, self.bold = text, font, size, x, gap, bold


def pdf_bytes(pages: list[list[Line]], title: str, author: str, subject: str = "", encrypt=None,
              footer: str | None = None) -> bytes:
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter, invariant=1, pageCompression=1, encrypt=encrypt)
    c.setTitle(title)
    c.setAuthor(author)
    c.setCreator("Microsoft Word - " + title if author != "scanner" else "fi-7160 PaperStream")
    if subject:
        c.setSubject(subject)
    n = len(pages)
    for k, lines in enumerate(pages):
        y = 742
        for ln in lines:
            y -= ln.gap
            assert cp1252_ok(ln.text), ln.text
            assert "\t" not in ln.text
            if ln.bold:
                t = c.beginText(ln.x, y)
                t.setFont("Helvetica-Bold", ln.size)
                t.textOut(ln.text[:ln.bold])
                t.setFont(ln.font, ln.size)
                t.textOut(ln.text[ln.bold:])
                c.drawText(t)
            else:
                c.setFont(ln.font, ln.size)
                c.drawString(ln.x, y, ln.text)
            y -= ln.size * 1.32
            assert y > 40, f"page overflow in {title}"
        if footer is not None:
            c.setFont("Helvetica", 7.5)
            c.drawString(54, 28, footer.format(page=k + 1, pages=n))
        c.showPage()
    c.save()
    return buf.getvalue()


def text_pages(text: str, per_page: int = 52, font: str = "Courier", size: float | None = None) -> list[list[Line]]:
    """Lay out a plain-text document (one PDF line per text line) on pages."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    width = max((len(x) for x in lines), default=1)
    if size is None:
        size = 9.5 if width <= 88 else (8.5 if width <= 98 else 7.5)
    pages = []
    for i in range(0, len(lines), per_page):
        pages.append([Line(x, font, size) for x in lines[i:i + per_page]])
    return pages


def split_pages_at(text: str, markers: list[str], size: float = 9.5) -> list[list[Line]]:
    """Start a new page before each line that starts with one of the markers."""
    pages, cur = [], []
    for x in text.replace("\r\n", "\n").rstrip("\n").split("\n"):
        if cur and any(x.startswith(m) for m in markers):
            pages.append(cur)
            cur = []
        cur.append(Line(x, "Courier", size))
    pages.append(cur)
    return pages


def ocr_font(size: int):
    return ImageFont.load_default(size=size)


def scanned_page_image(lines: list[str], r: random.Random, skew: float = 0.4) -> Image.Image:
    """A fax-quality page image of the given text lines (no text layer anywhere)."""
    w, h = 1275, 1650
    img = Image.new("L", (w, h), 250)
    dr = ImageDraw.Draw(img)
    font = ocr_font(24)
    y = 90
    for ln in lines:
        dr.text((95 + r.randint(-2, 2), y), ln, fill=25, font=font)
        y += 34
    for _ in range(2600):   # toner speckle
        x, yy = r.randrange(w), r.randrange(h)
        dr.point((x, yy), fill=r.choice([40, 90, 160]))
    dr.rectangle((0, 0, w, 18), fill=70)     # fax header bar
    img = img.rotate(skew, resample=Image.BILINEAR, fillcolor=250)
    return img


def image_pdf_bytes(images: list[Image.Image], title: str) -> bytes:
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("scanner")
    c.setCreator("fi-7160 PaperStream Capture")
    for img in images:
        jb = io.BytesIO()
        img.save(jb, "JPEG", quality=55, optimize=False)
        jb.seek(0)
        c.drawImage(ImageReader(jb), 0, 0, width=612, height=792)
        c.showPage()
    c.save()
    return buf.getvalue()


# ----------------------------------------------------------------------------------------------
# Spreadsheets: a cell model shared by the xlsx, xls and ods writers
# ----------------------------------------------------------------------------------------------

class L:
    """A typed, labelled cell: a date (dob) or a number (ssn, mrn, npi...) stored as such."""

    def __init__(self, value, kind: str, fmt: str | None = None):
        self.value, self.kind, self.fmt = value, kind, fmt


class Sheet:
    def __init__(self, name: str, rows: list[list], date_fmt: str = "mm/dd/yyyy", widths=None, hidden: bool = False):
        self.name, self.rows, self.date_fmt, self.widths, self.hidden = name, rows, date_fmt, widths, hidden


def render_number(v) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def render_cell(v) -> str:
    """A cell as phiscan's sheet extractor shows it: dates ISO, integral numbers without .0."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (int, float)):
        return render_number(v)
    return re.sub(r"[\t\r\n]", " ", str(v))


def tsv_lines(rows: list[list]) -> list[str]:
    """Rows of cell values as the extractor's tab-separated lines (empty rows dropped)."""
    out = []
    for row in rows:
        cells = [(i, render_cell(v)) for i, v in enumerate(row)]
        cells = [(i, s) for i, s in cells if s != ""]
        if not cells:
            continue
        line, col = "", 0
        for i, s in cells:
            line += "\t" * (i - col) + s
            col = i
        out.append(line)
    return out


def header_index(lines: list[str]) -> int:
    """phiscan's rule: the header is the first of the first ten rows with 2+ cells, none
    starting with a digit; none: the first row."""
    for i, ln in enumerate(lines[:10]):
        cells = [x for x in ln.split("\t") if x != ""]
        if len(cells) >= 2 and all(not x[0].isdigit() for x in cells):
            return i
    return 0


def render_sheets(d: Doc, sheets: list[Sheet]):
    """Resolve markers and typed labels: (sheets with plain values, labels in sheet/row/column order)."""
    labels = []
    out = []
    for sh in sheets:
        rows = []
        for row in sh.rows:
            vals = []
            for v in row:
                if isinstance(v, str):
                    text, labs = d.render(v)
                    labels += labs
                    vals.append(text if text != "" else None)
                elif isinstance(v, L):
                    shown = render_cell(v.value)
                    norm = v.value.isoformat() if v.kind == "dob" else G.normalize(v.kind, shown)
                    labels.append((v.kind, norm, shown))
                    vals.append(v)
                else:
                    vals.append(v)
            rows.append(vals)
        out.append(Sheet(sh.name, rows, sh.date_fmt, sh.widths, sh.hidden))
    return out, labels


def plain(v):
    return v.value if isinstance(v, L) else v


def xlsx_bytes(sheets: list[Sheet], when: dt.datetime, creator: str, title: str = "") -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for ri, row in enumerate(sh.rows):
            for ci, v in enumerate(row):
                fmt = v.fmt if isinstance(v, L) else None
                v = plain(v)
                if v is None or v == "":
                    continue
                if isinstance(v, str) and v[:1] in "=+-@":
                    cell = ws.cell(row=ri + 1, column=ci + 1)
                    cell.value = v
                    cell.data_type = "s"
                else:
                    cell = ws.cell(row=ri + 1, column=ci + 1, value=v)
                if isinstance(v, dt.datetime):
                    cell.number_format = fmt or "m/d/yyyy h:mm"
                elif isinstance(v, dt.date):
                    cell.number_format = fmt or sh.date_fmt
                elif isinstance(v, float):
                    cell.number_format = fmt or "#,##0.00"
                elif fmt:
                    cell.number_format = fmt
        if sh.widths:
            for ci, w in enumerate(sh.widths):
                ws.column_dimensions[openpyxl.utils.get_column_letter(ci + 1)].width = w
        if sh.hidden:
            ws.sheet_state = "hidden"
    wb.properties.creator = creator
    wb.properties.lastModifiedBy = creator
    wb.properties.created = when
    wb.properties.modified = when
    if title:
        wb.properties.title = title
    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return normalize_zip(buf.getvalue(), zdt(when))


XLWT_DATE = {"mm/dd/yyyy": "MM/DD/YYYY", "m/d/yy": "M/D/YY", "yyyy-mm-dd": "YYYY-MM-DD", "d-mmm-yy": "D-MMM-YY",
             "m/d/yyyy": "M/D/YYYY"}


def xls_bytes(sheets: list[Sheet]) -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    styles = {}

    def style(fmt):
        if fmt not in styles:
            s = xlwt.XFStyle()
            s.num_format_str = fmt
            styles[fmt] = s
        return styles[fmt]
    for sh in sheets:
        ws = wb.add_sheet(sh.name)
        for ri, row in enumerate(sh.rows):
            for ci, v in enumerate(row):
                fmt = v.fmt if isinstance(v, L) else None
                v = plain(v)
                if v is None or v == "":
                    continue
                if isinstance(v, dt.datetime):
                    ws.write(ri, ci, v, style("M/D/YYYY h:mm"))
                elif isinstance(v, dt.date):
                    ws.write(ri, ci, v, style(XLWT_DATE.get(fmt or sh.date_fmt, "MM/DD/YYYY")))
                elif isinstance(v, float):
                    ws.write(ri, ci, v, style("#,##0.00"))
                else:
                    ws.write(ri, ci, v)
        if sh.widths:
            for ci, w in enumerate(sh.widths):
                ws.col(ci).width = int(w * 256)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
          'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
          'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
          'xmlns:officeooo="http://openoffice.org/2009/office"')


def odf_text(s: str) -> str:
    """Text content for ODF: runs of spaces as text:s, tabs as text:tab."""
    out = []
    for part in re.split(r"( {2,}|\t)", s):
        if part == "\t":
            out.append("<text:tab/>")
        elif part.startswith("  "):
            out.append(" <text:s/>" if len(part) == 2 else f" <text:s text:c=\"{len(part) - 1}\"/>")
        else:
            out.append(xml_escape(part))
    return "".join(out)


def odf_package(mimetype: str, content: str, styles: str, when: dt.datetime, creator: str, title: str) -> bytes:
    meta = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {ODF_NS} office:version="1.3"><office:meta>'
            f"<meta:generator>LibreOffice/7.6.4.1$Windows_X86_64 LibreOffice_project/e19e193f88cd6c0525a17fb7a176ed8e6a3e2aa1</meta:generator>"
            f"<dc:title>{xml_escape(title)}</dc:title><meta:initial-creator>{xml_escape(creator)}</meta:initial-creator>"
            f"<dc:creator>{xml_escape(creator)}</dc:creator>"
            f"<meta:creation-date>{when.strftime('%Y-%m-%dT%H:%M:%S')}</meta:creation-date><dc:date>{when.strftime('%Y-%m-%dT%H:%M:%S')}</dc:date>"
            f"<meta:editing-cycles>3</meta:editing-cycles></office:meta></office:document-meta>\n")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">\n'
                f' <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{mimetype}"/>\n'
                ' <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>\n'
                ' <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>\n'
                ' <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>\n'
                '</manifest:manifest>\n')
    w = zdt(when)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        zi = zipfile.ZipInfo("mimetype", date_time=w)
        zi.compress_type = zipfile.ZIP_STORED
        z.writestr(zi, mimetype)
        for name, data in (("content.xml", content), ("styles.xml", styles), ("meta.xml", meta), ("META-INF/manifest.xml", manifest)):
            zi = zipfile.ZipInfo(name, date_time=w)
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data.encode("utf-8"), compresslevel=6)
    return buf.getvalue()


ODS_DATE_STYLES = {
    "mm/dd/yyyy": '<number:month number:style="long"/><number:text>/</number:text><number:day number:style="long"/><number:text>/</number:text><number:year number:style="long"/>',
    "m/d/yy": '<number:month/><number:text>/</number:text><number:day/><number:text>/</number:text><number:year/>',
    "yyyy-mm-dd": '<number:year number:style="long"/><number:text>-</number:text><number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/>',
}


def ods_bytes(sheets: list[Sheet], when: dt.datetime, creator: str, title: str) -> bytes:
    styles_used = {}
    body = []
    for sh in sheets:
        ncols = max((len(r) for r in sh.rows), default=1)
        body.append(f'<table:table table:name="{xml_escape(sh.name)}"><table:table-column table:number-columns-repeated="{ncols}"/>')
        for row in sh.rows:
            cells = []
            for v in row:
                fmt = v.fmt if isinstance(v, L) else None
                v = plain(v)
                if v is None or v == "":
                    cells.append("<table:table-cell/>")
                elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                    f = fmt or sh.date_fmt
                    sname = styles_used.setdefault(f, f"ce{len(styles_used) + 1}")
                    shown = v.strftime("%m/%d/%Y") if f == "mm/dd/yyyy" else (f"{v.month}/{v.day}/{v.year % 100:02d}" if f == "m/d/yy" else v.isoformat())
                    cells.append(f'<table:table-cell table:style-name="{sname}" office:value-type="date" office:date-value="{v.isoformat()}"><text:p>{shown}</text:p></table:table-cell>')
                elif isinstance(v, (int, float)):
                    shown = render_number(v) if isinstance(v, int) else f"{v:,.2f}"
                    cells.append(f'<table:table-cell office:value-type="float" office:value="{render_number(v)}"><text:p>{shown}</text:p></table:table-cell>')
                else:
                    cells.append(f'<table:table-cell office:value-type="string"><text:p>{odf_text(v)}</text:p></table:table-cell>')
            while cells and cells[-1] == "<table:table-cell/>":
                cells.pop()
            packed = []
            for x in cells:
                if x == "<table:table-cell/>" and packed and packed[-1][0] == x:
                    packed[-1][1] += 1
                else:
                    packed.append([x, 1])
            cells = [x if k == 1 else f'<table:table-cell table:number-columns-repeated="{k}"/>' for x, k in packed]
            body.append("<table:table-row>" + ("".join(cells) or "<table:table-cell/>") + "</table:table-row>")
        body.append("</table:table>")
    auto = []
    for f, sname in styles_used.items():
        auto.append(f'<number:date-style style:name="N{sname}">{ODS_DATE_STYLES[f]}</number:date-style>'
                    f'<style:style style:name="{sname}" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N{sname}"/>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODF_NS} office:version="1.3">'
               f'<office:automatic-styles>{"".join(auto)}</office:automatic-styles><office:body><office:spreadsheet>'
               + "".join(body) + "</office:spreadsheet></office:body></office:document-content>\n")
    styles = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {ODF_NS} office:version="1.3"><office:styles>'
              '<style:style style:name="Default" style:family="table-cell"/></office:styles></office:document-styles>\n')
    return odf_package("application/vnd.oasis.opendocument.spreadsheet", content, styles, when, creator, title)


# ----------------------------------------------------------------------------------------------
# Word-processing documents: one intermediate form for docx, odt (and HTML e-mail bodies)
# ----------------------------------------------------------------------------------------------

class WDoc:
    """header lines, body blocks ("p", text, style) / ("table", rows), footer lines and comments
    (body block index, author, text); all text already rendered (markers resolved)."""

    def __init__(self):
        self.header: list[str] = []
        self.blocks: list[tuple] = []
        self.footer: list[str] = []
        self.comments: list[tuple[int, str, str]] = []
        self.labels: list[tuple] = []
        self.split_runs = False     # "Label: value" paragraphs as a bold run and the value cut in two runs

    def part_labels(self, d: Doc, template: str) -> str:
        text, labs = d.render(template)
        self.labels += labs
        return text

    # builders, called in reading order (header, body, footer, comments)
    def h(self, d: Doc, template: str):
        for ln in self.part_labels(d, template).split("\n"):
            self.header.append(ln)

    def p(self, d: Doc, template: str, style: str = ""):
        for ln in self.part_labels(d, template).split("\n"):
            self.blocks.append(("p", ln, style))

    def table(self, d: Doc, rows: list[list[str]]):
        self.blocks.append(("table", [[self.part_labels(d, c) for c in row] for row in rows]))

    def f(self, d: Doc, template: str):
        for ln in self.part_labels(d, template).split("\n"):
            self.footer.append(ln)

    def comment(self, d: Doc, block: int, author: str, template: str):
        self.comments.append((block, author, self.part_labels(d, template)))


def run_pieces(text: str) -> list[tuple[str, bool]]:
    """A "Label: value" line as Word often stores it: the label in a bold run, the value split
    across two runs (the text is unchanged when the runs are joined)."""
    m = re.match(r"[A-Z][A-Za-z #/.]{1,26}: ", text)
    if not m or len(text) - m.end() < 6:
        return [(text, False)]
    rest = text[m.end():]
    k = len(rest) // 2
    while k < len(rest) - 1 and (rest[k] == " " or rest[k - 1] == " "):
        k += 1
    return [(text[:m.end()], True), (rest[:k], False), (rest[k:], False)]


def docx_bytes(w: WDoc, when: dt.datetime, author: str, title: str) -> bytes:
    document = docx.Document()
    cp = document.core_properties
    cp.author = author
    cp.last_modified_by = author
    cp.created = when
    cp.modified = when
    cp.revision = 2
    cp.title = title
    sec = document.sections[0]
    if w.header:
        hp = sec.header.paragraphs
        hp[0].text = w.header[0]
        for ln in w.header[1:]:
            sec.header.add_paragraph(ln)
    if w.footer:
        fp = sec.footer.paragraphs
        fp[0].text = w.footer[0]
        for ln in w.footer[1:]:
            sec.footer.add_paragraph(ln)
    objs = []
    for b in w.blocks:
        if b[0] == "p":
            style = b[2] or None
            if style and style.startswith("Heading"):
                objs.append(document.add_heading(b[1], level=int(style[-1])))
            else:
                para = document.add_paragraph()
                if b[1]:
                    for txt, bold in (run_pieces(b[1]) if w.split_runs else [(b[1], False)]):
                        run = para.add_run(txt)
                        if bold:
                            run.bold = True
                objs.append(para)
        else:
            rows = b[1]
            t = document.add_table(rows=len(rows), cols=len(rows[0]))
            t.style = "Table Grid"
            for ri, row in enumerate(rows):
                for ci, v in enumerate(row):
                    t.cell(ri, ci).text = v
            objs.append(t)
    for block, auth, text in w.comments:
        target = objs[block]
        assert target.runs, "a comment needs a run to anchor to"
        cm = document.add_comment(target.runs, text=text, author=auth, initials="".join(x[0] for x in auth.split()[:2]))
        cm._comment_elm.date = when
    buf = io.BytesIO()
    document.save(buf)
    return normalize_zip(buf.getvalue(), zdt(when))


def odt_bytes(w: WDoc, when: dt.datetime, author: str, title: str) -> bytes:
    anchored = {}
    for block, auth, text in w.comments:
        anchored.setdefault(block, []).append((auth, text))
    body = []
    for i, b in enumerate(w.blocks):
        notes = "".join(f"<office:annotation><dc:creator>{xml_escape(a)}</dc:creator><dc:date>{when.strftime('%Y-%m-%dT%H:%M:%S')}</dc:date>"
                        f"<text:p>{odf_text(t)}</text:p></office:annotation>" for a, t in anchored.get(i, []))
        if b[0] == "p":
            if b[2].startswith("Heading"):
                body.append(f'<text:h text:outline-level="{b[2][-1]}">{notes}{odf_text(b[1])}</text:h>')
            else:
                pieces = run_pieces(b[1]) if w.split_runs else [(b[1], False)]
                if len(pieces) == 3:
                    inner = (f'<text:span text:style-name="T1">{odf_text(pieces[0][0])}</text:span>{odf_text(pieces[1][0])}'
                             f'<text:span text:style-name="T2">{odf_text(pieces[2][0])}</text:span>')
                else:
                    inner = odf_text(b[1])
                body.append(f'<text:p text:style-name="Standard">{notes}{inner}</text:p>')
        else:
            rows = b[1]
            t = [f'<table:table table:name="Table{i}"><table:table-column table:number-columns-repeated="{len(rows[0])}"/>']
            for row in rows:
                t.append("<table:table-row>" + "".join(f'<table:table-cell office:value-type="string"><text:p>{odf_text(v)}</text:p></table:table-cell>' for v in row) + "</table:table-row>")
            t.append("</table:table>")
            body.append("".join(t))
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODF_NS} office:version="1.3">'
               '<office:automatic-styles><style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>'
               '<style:style style:name="T2" style:family="text"><style:text-properties officeooo:rsid="0012a4f1"/></style:style></office:automatic-styles>'
               '<office:body><office:text>' + "".join(body) + "</office:text></office:body></office:document-content>\n")
    hdr = "".join(f"<text:p>{odf_text(x)}</text:p>" for x in w.header)
    ftr = "".join(f"<text:p>{odf_text(x)}</text:p>" for x in w.footer)
    styles = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {ODF_NS} office:version="1.3">'
              '<office:styles><style:style style:name="Standard" style:family="paragraph"/></office:styles>'
              '<office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="8.5in" fo:page-height="11in"/>'
              '<style:header-style/><style:footer-style/></style:page-layout></office:automatic-styles>'
              '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">'
              + (f"<style:header>{hdr}</style:header>" if hdr else "") + (f"<style:footer>{ftr}</style:footer>" if ftr else "")
              + "</style:master-page></office:master-styles></office:document-styles>\n")
    return odf_package("application/vnd.oasis.opendocument.text", content, styles, when, author, title)


def wrap_keep(line: str, width: int, atoms: list[str]) -> list[str]:
    """Wrap a rendered line at spaces, never inside a labelled value (atoms)."""
    if len(line) <= width:
        return [line]
    for a in atoms:
        line = line.replace(a, a.replace(" ", "\x00"))
    out = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
    return [x.replace("\x00", " ") for x in out]


def wdoc_pdf_pages(w: WDoc, per_page: int = 46, width: int = 98) -> list[list[Line]]:
    """A WDoc without tables as PDF pages (header lines at the top of the first page only)."""
    atoms = sorted({disp for _, _, disp in w.labels if " " in disp}, key=len, reverse=True)
    lines = [Line(x, "Helvetica-Bold" if i == 0 else "Helvetica", 12 if i == 0 else 9) for i, x in enumerate(w.header)]
    if lines:
        lines.append(Line("", "Helvetica", 6))
    for b in w.blocks:
        assert b[0] == "p", "PDF text pages carry no tables"
        head = b[2].startswith("Heading")
        for x in wrap_keep(b[1], width, atoms):
            lines.append(Line(x, "Helvetica-Bold" if head else "Helvetica", 11 if head else 10))
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)]
    if w.footer:
        foot = [Line(y, "Helvetica-Oblique", 7.5) for x in w.footer for y in wrap_keep(x, 125, atoms)]
        pages[-1] = pages[-1] + [Line("", "Helvetica", 8)] + foot
    return pages


# ----------------------------------------------------------------------------------------------
# E-mail
# ----------------------------------------------------------------------------------------------

def _encoded_text(text: str, subtype: str, charset: str, encoding) -> MIMENonMultipart:
    cs = email.charset.Charset(charset)
    cs.body_encoding = encoding
    m = MIMENonMultipart("text", subtype)
    m.set_payload(text, cs)
    return m


def qp_text(text: str, subtype: str = "plain", charset: str = "utf-8") -> MIMENonMultipart:
    return _encoded_text(text, subtype, charset, email.charset.QP)


def b64_text(text: str, subtype: str = "plain", charset: str = "utf-8") -> MIMENonMultipart:
    return _encoded_text(text, subtype, charset, email.charset.BASE64)


def seven_bit(text: str, subtype: str = "plain") -> MIMEText:
    assert text.isascii()
    return MIMEText(text, subtype, "us-ascii")


def attach(name: str, data: bytes, mime: str) -> MIMEBase:
    main, sub = mime.split("/")
    if main == "image":
        part = MIMEImage(data, sub)
    else:
        part = MIMEApplication(data, sub)
    if name.isascii():
        part.add_header("Content-Disposition", "attachment", filename=name)
        part.set_param("name", name)
    else:   # RFC 2231: filename*=utf-8''...
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
        part.set_param("name", name, charset="utf-8")
    return part


def text_attach(name: str, text: str, sub: str = "csv") -> MIMEBase:
    part = qp_text(text, sub) if not text.isascii() else MIMEText(text, sub, "us-ascii")
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part


def eml_attach(name: str, inner) -> MIMEBase:
    part = MIMEMessage(inner)
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part


def set_headers(msg, hdrs: list[tuple[str, str]]):
    for k, v in hdrs:
        msg[k] = v


def multipart(sub: str, parts: list, boundary: str) -> MIMEMultipart:
    m = MIMEMultipart(sub, boundary=boundary)
    for p in parts:
        m.attach(p)
    return m


def msg_bytes(msg, crlf: bool) -> bytes:
    pol = email.policy.compat32.clone(linesep="\r\n" if crlf else "\n")
    return msg.as_bytes(policy=pol)


def html_to_text(s: str) -> str:
    """HTML body to text: tags dropped, <br> and block ends as line breaks, entities decoded."""
    class H(html.parser.HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.out = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("style", "script", "head", "title"):
                self.skip += 1
            if tag in ("br",):
                self.out.append("\n")

        def handle_endtag(self, tag):
            if tag in ("style", "script", "head", "title"):
                self.skip -= 1
            if tag in ("p", "div", "tr", "li", "h1", "h2", "h3", "table"):
                self.out.append("\n")

        def handle_data(self, data):
            if not self.skip:
                self.out.append(data)
    h = H()
    h.feed(s)
    h.close()
    text = "".join(h.out)
    return "\n".join(x.strip() for x in text.split("\n") if x.strip()) + "\n"


def html_body(lines: list[str], title: str = "") -> str:
    """Lines of already-rendered text as a simple Outlook-style HTML body."""
    out = ["<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
           "<style>p{margin:0;font-family:Calibri,sans-serif;font-size:11pt}</style></head><body>"]
    for ln in lines:
        if not ln.strip():
            out.append("<p>&nbsp;</p>")
            continue
        m = re.match(r"^([A-Z][A-Za-z .#/]{1,28}:) (.*)$", ln)
        if m:
            out.append(f"<p><b>{html.escape(m.group(1), quote=False)}</b> {html.escape(m.group(2), quote=False)}</p>")
        else:
            out.append(f"<p>{html.escape(ln, quote=False)}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------
# Sources: generate.py's text generators run with this corpus' seed
# ----------------------------------------------------------------------------------------------

SRC_GENERATORS = ["gen_referrals", "gen_visit_notes", "gen_labs", "gen_discharge", "gen_tables", "gen_superbills",
                  "gen_statements", "gen_day_sheets", "gen_call_logs", "gen_intake", "gen_scans", "gen_hr_docs",
                  "gen_cards_text", "gen_cc_auth", "gen_rx_text", "gen_misc_clinical", "gen_hl7", "gen_x12", "gen_fhir",
                  "gen_admin_negatives", "gen_more_negatives", "gen_test_data", "gen_directory"]


class Src:
    """Text documents made by generate.py's generators (new seed, same population)."""

    def __init__(self, pop):
        G.SEED = DOCS_SEED
        self.c = G.Corpus()
        for name in SRC_GENERATORS:
            getattr(G, name)(self.c, pop)
        self.used: set[str] = set()

    def paths(self, prefix: str, ext: str = "", pred=None) -> list[str]:
        out = []
        for p in sorted(self.c.files):
            f = self.c.files[p]
            if not p.startswith(prefix) or not p.endswith(ext) or f["enc"] == "binary" or p in self.used:
                continue
            if pred and not pred(p, f):
                continue
            out.append(p)
        return out

    def take(self, r: random.Random, prefix: str, n: int, ext: str = "", pred=None) -> list[str]:
        cands = self.paths(prefix, ext, pred)
        assert len(cands) >= n, (prefix, len(cands), n)
        got = sorted(r.sample(cands, n))
        self.used.update(got)
        return got

    def text(self, path: str) -> tuple[str, list]:
        f = self.c.files[path]
        return f["text"], list(f["labels"])

    def raw(self, path: str) -> Item:
        f = self.c.files[path]
        return Item(G.encode_text(f["text"], f["enc"]), f["labels"])


def printable(p, f) -> bool:
    """A source document that can be laid out as PDF/Word text: cp1252 characters, no tabs."""
    return cp1252_ok(f["text"]) and "\t" not in f["text"]


def base(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def patients(pop, practice=None, pred=None):
    return [p for p in pop.patients if (practice is None or p.practice == practice) and (pred is None or pred(p))]


def when_dt(d: dt.date, r: random.Random) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, r.randint(8, 17), r.randint(0, 59), r.randint(0, 59))


def render_pages(d: Doc, page_templates: list[str], font="Helvetica", size=10.0, bold_labels: bool = False) -> tuple[list[list[Line]], list]:
    """Page templates (markers inside) to PDF lines and labels in page order. Lines that start
    with '#' are headings; with bold_labels, a leading "Label: " is drawn in bold."""
    pages, labels = [], []
    for tpl in page_templates:
        text, labs = d.render(tpl)
        labels += labs
        lines = []
        for x in text.rstrip("\n").split("\n"):
            if x.startswith("# "):
                lines.append(Line(x[2:], "Helvetica-Bold", 12, gap=4))
            else:
                m = re.match(r"[A-Z][A-Za-z #/.]{1,26}: ", x) if bold_labels else None
                lines.append(Line(x, font, size, bold=m.end() if m else 0))
        pages.append(lines)
    return pages, labels


# ----------------------------------------------------------------------------------------------
# Shared content builders
# ----------------------------------------------------------------------------------------------

MED_EXT = lambda pop: [e for e in pop.externals if e.spec not in ("Oral Surgery", "Periodontics", "Orthodontics", "Endodontics")]


def referral_wdoc(d: Doc, r: random.Random, pop, p, when: dt.date, with_table: bool, comments: bool) -> WDoc:
    """A referral letter: letterhead in the page header, confidentiality notice in the footer."""
    pr = PR[p.practice]
    prov = r.choice([x for x in pr.providers if x.dea])
    ext = r.choice(MED_EXT(pop))
    w = WDoc()
    w.split_runs = True
    w.h(d, f"{pr.name}\n{pr.street}, {pr.city}, {pr.state} {pr.zip4}\n"
           f"Phone {d.phone(pr.phone, r.choice(['paren', 'dash']))}   Fax {d.phone(pr.fax, 'paren')}   www.{pr.domain}")
    payer, ins = G.pt_ins(d, r, p)
    w.p(d, longdate(when))
    w.p(d, f"{ext.first} {ext.last}, {ext.cred}\n{ext.org}\n{G.addr_line(ext.addr)}")
    w.p(d, "")
    re_idx = len(w.blocks)
    w.p(d, f"RE: {p.first} {p.last}")
    w.p(d, f"{G.dob_label(r)} {d.dob(p.dob, G.dob_style(r, p.dob))}")
    w.p(d, f"{G.mrn_label(r, p.practice)} {d.v('mrn', p.mrn[p.practice])}")
    ins_idx = len(w.blocks)
    w.p(d, f"Insurance: {payer}, {ins}")
    w.p(d, "")
    age = G.age_on(p.dob, when)
    who = ("girl" if p.sex == "F" else "boy") if p.practice == "peds" else ("woman" if p.sex == "F" else "man")
    reason = r.choice(G.REASONS[ext.spec])
    w.p(d, f"Dear Dr. {ext.last},")
    w.p(d, f"Thank you for seeing {p.first}, a {age}-year-old {who} I am referring for {reason}. "
           + r.choice(["Symptoms began about three months ago and have slowly worsened.",
                       "We have tried conservative management for six weeks without improvement.",
                       "This has been present for over a year and now limits daily activities."])
           + " " + r.choice(["Recent labs and imaging are enclosed.", "Notes from the last two visits are enclosed."]))
    meds = r.sample(G.MEDS, r.randint(2, 4)) if p.practice != "peds" else ["cetirizine 5 mg daily", "albuterol HFA 2 puffs q4h PRN"]
    if with_table:
        w.p(d, "Current medications:")
        w.table(d, [["Medication", "Dose / frequency", "Started"]] +
                [[m.split(" ")[0], " ".join(m.split(" ")[1:]), str(r.randint(2012, 2024))] for m in meds])
    else:
        w.p(d, "Current medications: " + "; ".join(meds) + ".")
    w.p(d, f"Allergies: {r.choice(G.ALLERGIES)}")
    w.p(d, f"Please call our office at {d.phone(pr.phone, r.choice(['paren', 'dash']))} with any questions, "
           f"or fax your consult note to {d.phone(pr.fax, 'dash')}.")
    w.p(d, "")
    w.p(d, r.choice(["Sincerely,", "Best regards,", "Kind regards,"]))
    w.p(d, "")
    w.p(d, G.signature(d, r, prov, pr, dea=r.random() < 0.4))
    w.f(d, r.choice(G.CONFIDENTIAL))
    if comments:
        staff = r.choice(pop.employees)
        w.comment(d, ins_idx, f"{staff.first} {staff.last}",
                  r.choice([f"Verified eligibility {us(when - dt.timedelta(days=2))}. Card on file matches.",
                            f"Called pt, cell on file is current: {d.phone(p.cell or p.phone, 'dash')}"]))
        if r.random() < 0.6:
            w.comment(d, re_idx, f"{prov.first} {prov.last}", "Please send with last two visit notes and the lipid panel.")
    return w


def face_sheet(d: Doc, r: random.Random, pop, p) -> str:
    pr = PR[p.practice]
    payer, ins = G.pt_ins(d, r, p, p.practice == "dental")
    body = "# PATIENT DEMOGRAPHICS / FACE SHEET\n"
    body += f"{pr.name}\n\n"
    body += f"Name: {p.last.upper()}, {p.first.upper()} {p.middle}\n"
    body += f"{G.dob_label(r)} {d.dob(p.dob, r.choice(['us', 'us', 'iso', 'us_nopad']))}     Sex: {p.sex}\n"
    body += f"{G.mrn_label(r, p.practice)} {d.v('mrn', p.mrn[p.practice])}\n"
    body += f"Address: {G.addr_line(p.addr, r.random() < 0.4)}\n"
    body += f"Home phone: {d.phone(p.phone, 'paren')}\n"
    if p.cell:
        body += f"Cell: {d.phone(p.cell, r.choice(['dash', 'paren']))}\n"
    if p.email:
        body += f"Email: {d.email(p.email)}\n"
    if p.ssn:
        body += f"SSN: {d.ssn(p.ssn, r.choice(['dash', 'dash', 'bare']))}\n"
    elif p.itin:
        body += f"SSN/ITIN: {d.ssn(p.itin, 'dash')}\n"
    else:
        body += "SSN: declined\n"
    body += f"\nPrimary insurance: {payer}\n{ins}\n"
    grp = p.dental_group if p.practice == "dental" else p.group
    if grp:
        body += f"Group #: {grp}\n"
    if p.guardian:
        body += f"\nGuarantor: {p.guardian.first} {p.guardian.last} ({p.guardian.rel})\n"
    ec_phone = pop.ids.phone()
    body += f"Emergency contact: {r.choice(G.FIRST_F + G.FIRST_M)} {p.last}, {d.phone(ec_phone, 'paren')}\n"
    body += f"\nPreferred language: {r.choice(['English', 'English', 'Spanish', 'Vietnamese'])}   Portal: {r.choice(['active', 'not enrolled'])}\n"
    return body


def clinical_summary(d: Doc, r: random.Random, p, when: dt.date) -> str:
    body = "# CLINICAL SUMMARY\n"
    body += f"Patient: {p.last}, {p.first}     {G.dob_label(r)} {d.dob(p.dob, 'us')}\n\n"
    peds = p.practice == "peds"
    icds = [x for x in G.MED_ICD if x[0] in ("J45.909", "J06.9", "H66.91", "J02.9", "R51.9", "L70.0", "Z23")] if peds else G.MED_ICD
    body += "Problem list:\n"
    for code, desc in r.sample(icds, 3):
        body += f"  {code:<8} {desc}\n"
    meds = ["cetirizine 5 mg daily", "albuterol HFA 2 puffs q4h PRN", "fluticasone nasal 1 spray daily", "ibuprofen 200 mg q6h PRN"] if peds else G.MEDS
    body += "\nMedications:\n" + "".join(f"  - {m}\n" for m in r.sample(meds, r.randint(2, 4)))
    body += f"\nAllergies: {r.choice(G.ALLERGIES)}\n"
    body += (f"Vitals ({us(when)}): BP {r.randint(92, 118) if peds else r.randint(108, 152)}/{r.randint(54, 76) if peds else r.randint(64, 94)}  "
             f"HR {r.randint(70, 110) if peds else r.randint(58, 96)}  Wt {r.randint(40, 160) if peds else r.randint(110, 260)} lb\n\n")
    body += "Recent labs:\n"
    for name, unit, lo, hi, vlo, vhi in r.sample(G.LABS, 5):
        v = r.uniform(vlo, vhi)
        body += f"  {name:<22}{(f'{v:.1f}' if hi < 20 else str(int(v))):>8} {unit:<8} ref {lo}-{hi}\n"
    body += f"\nLast office visit: {us(G.svc_date(r, when - dt.timedelta(days=90), when))}\n"
    return body


# ----------------------------------------------------------------------------------------------
# PDF
# ----------------------------------------------------------------------------------------------

def gen_pdf_referral_packets(c: DocsCorpus, pop, src: Src):
    r = rng("pdf-referral-packets")
    for i in range(8):
        p = r.choice(patients(pop, "fm" if i % 4 else "peds"))
        when = G.svc_date(r, dt.date(2022, 1, 3), dt.date(2025, 5, 30))
        d = Doc()
        w = referral_wdoc(d, r, pop, p, when, with_table=False, comments=False)
        pages = wdoc_pdf_pages(w)
        labels = list(w.labels)
        more, labs = render_pages(d, [clinical_summary(d, r, p, when), face_sheet(d, r, pop, p)], bold_labels=True)
        pages += more
        labels += labs
        name = f"clinical/referrals/{when.year}/Referral_{G.strip_accents(p.last).replace(' ', '').replace(chr(39), '')}_{when.strftime('%Y%m%d')}.pdf"
        c.add(name, Item(pdf_bytes(pages, f"Referral {when.isoformat()}", r.choice(pop.employees).first.lower(),
                                   footer="Page {page} of {pages}"), labels))


def gen_pdf_from_text(c: DocsCorpus, pop, src: Src):
    """Printed-to-PDF copies of text documents: lab reports, discharge summaries, statements..."""
    r = rng("pdf-from-text")
    plan = [("lab/results/", 6, "lab/results/{y}/{b}.pdf", 60), ("clinical/hospital-records/", 4, "clinical/hospital-records/{b}.pdf", 24),
            ("billing/statements/", 3, "billing/statements/{y}/{b}.pdf", 60), ("insurance/prior-auth/", 3, "insurance/prior-auth/{b}.pdf", 60),
            ("clinical/rx-copies/", 2, "clinical/rx-copies/{b}.pdf", 60), ("clinical/treatment-plans/", 2, "clinical/treatment-plans/{b}.pdf", 60),
            ("scans-export/eob/", 2, "scans-export/eob/{b}_ocr.pdf", 60), ("admin/credentialing/DEA_renewals", 1, "admin/credentialing/{b}.pdf", 60),
            ("clinical/notes/", 3, "clinical/notes/{y}/{b}.pdf", 30), ("front-desk/forms/cc_authorization", 1, "front-desk/forms/{b}.pdf", 60),
            ("billing/superbills/", 2, "billing/superbills/{b}.pdf", 60),
            # negatives (and a few low-sensitivity positives)
            ("admin/policies/", 3, "admin/policies/{b}.pdf", 60), ("admin/invoices/", 3, "admin/invoices/{y}/{b}.pdf", 60),
            ("admin/bank/", 1, "admin/bank/{b}.pdf", 40), ("reports/kpi/", 1, "reports/kpi/{b}.pdf", 60),
            ("training/", 1, "training/{b}.pdf", 60), ("admin/forms/templates/New Patient", 1, "admin/forms/templates/{b}.pdf", 60),
            ("admin/meetings/", 1, "admin/meetings/{b}.pdf", 60)]
    for prefix, n, pattern, per_page in plan:
        for path in src.take(r, prefix, n, pred=printable):
            text, labels = src.text(path)
            yr = re.search(r"(20\d\d)", path)
            out = pattern.format(y=yr.group(1) if yr else "2024", b=base(path))
            pages = text_pages(text, per_page=per_page)
            c.add(out, Item(pdf_bytes(pages, base(path).replace("_", " "), r.choice(pop.employees).first.lower(),
                                      footer="Page {page} of {pages}" if len(pages) > 1 else None), labels))


def gen_pdf_special(c: DocsCorpus, pop, src: Src):
    r = rng("pdf-special")
    # 1. an image-only fax (no text layer): no_text
    p = r.choice(patients(pop, "fm"))
    ext = r.choice(MED_EXT(pop))
    pr = PR["fm"]
    page1 = [f"FAX  {G.fmt_phone(ext.fax, 'paren')}  ->  {G.fmt_phone(pr.fax, 'paren')}   03/12/2024 09:31   P.001/002",
             "", f"{ext.org.upper()}", "CONSULTATION REPORT", "",
             f"Patient: {p.last.upper()}, {p.first.upper()}", f"DOB: {us(p.dob)}     MRN: {p.mrn['fm']}",
             f"Referring: Dr. {p.provider.last}", "",
             "Assessment: " + r.choice(G.REASONS[ext.spec]), "Plan: follow up in 6 weeks; results to PCP.", "",
             f"{ext.first} {ext.last}, {ext.cred}   NPI {ext.npi}"]
    page2 = [f"FAX  {G.fmt_phone(ext.fax, 'paren')}  ->  {G.fmt_phone(pr.fax, 'paren')}   03/12/2024 09:31   P.002/002", "",
             "Insurance on file: " + G.payer_name(p.payer), f"Home phone: {G.fmt_phone(p.phone, 'dash')}", "",
             "This fax may contain confidential medical information."]
    c.add("scans/fax-in/fax_20240312_093114.pdf",
          Item(image_pdf_bytes([scanned_page_image(page1, r), scanned_page_image(page2, r, -0.3)], "fax_20240312_093114"), status="no_text"))
    # 2. W-2 copies protected with a user password: encrypted (content never read, so no labels)
    lines = ["# Form W-2 Wage and Tax Statement 2023 - employee copies", ""]
    for e in pop.employees[:12]:
        tin = G.fmt_ssn(e.ssn or e.itin)
        lines += [f"Employee: {e.first} {e.last}   SSN: {tin}", f"Wages: {e.rate * 2080:,.2f}   Federal withheld: {e.rate * 208:,.2f}", ""]
    enc = pdfencrypt.StandardEncryption("Harbor2024!", ownerPassword="hfm-owner-7731", canPrint=1, canModify=0, canCopy=0,
                                        canAnnotate=0, strength=128)
    pages = [[Line(x[2:], "Helvetica-Bold", 12) if x.startswith("# ") else Line(x) for x in lines]]
    c.add("hr/W-2 2023 - all employees (password).pdf", Item(pdf_bytes(pages, "W-2 2023", "payroll", encrypt=enc), status="encrypted"))
    # 3. "no copy/no edit" permissions only (empty user password): readable, scanned
    path = src.take(r, "billing/statements/", 1, pred=printable)[0]
    text, labels = src.text(path)
    enc = pdfencrypt.StandardEncryption("", ownerPassword="stmt-owner-2291", canPrint=1, canModify=0, canCopy=0, canAnnotate=0, strength=128)
    c.add(f"billing/statements/secure/{base(path)}_secure.pdf",
          Item(pdf_bytes(text_pages(text), "Patient statement", "billing", encrypt=enc), labels))
    # 4. a fax that stopped mid-transfer: a PDF header, one object, then line noise: error
    good = pdf_bytes([[Line("Incoming fax - page 1 of 3")]], "fax_20240313_101244", "scanner")
    cut = good.index(b"endobj") + len(b"endobj\n")
    noise = bytes((r.getrandbits(8) | 0x80) if k % 7 else 0x0A for k in range(4000))
    c.add("scans/fax-in/fax_20240313_101244.pdf", Item(good[:cut] + noise, status="error"))


# ----------------------------------------------------------------------------------------------
# Spreadsheets
# ----------------------------------------------------------------------------------------------

def ssn_cell(d: Doc, p, r: random.Random, numeric: bool = True, fmt: str | None = None):
    """A patient's or employee's SSN as an SSN-column cell: a number where Excel would keep all
    nine digits (fmt: a display format such as Excel's 000-00-0000; the value stays the number),
    else a formatted string; ITINs always formatted."""
    if p.ssn:
        if numeric and p.ssn[0] != "0" and r.random() < 0.8:
            return L(int(p.ssn), "ssn", fmt)
        return d.ssn(p.ssn, "dash")
    if p.itin:
        return d.ssn(p.itin, "dash")
    return r.choice(["", "", "declined", "000-00-0000"])


def mrn_cell(d: Doc, p, practice: str, numeric: bool):
    """fm MRNs are zero-padded digits: stored as a number they lose the zeros (482913)."""
    v = p.mrn[practice]
    if practice == "fm" and numeric:
        return L(int(v), "mrn")
    return d.v("mrn", v)


def member_cell(d: Doc, p, r: random.Random, practice: str):
    if practice == "dental":
        return d.v("insurance_id", p.dental_member)
    if p.payer == "medicare":
        return d.v("insurance_id", G.fmt_mbi(p.mbi, r.random() < 0.3))
    return d.v("insurance_id", p.member)


def group_cell(p, practice: str):
    g = p.dental_group if practice == "dental" else p.group
    if g and g.isdigit() and g[0] != "0":
        return int(g)
    return g or ""


def payer_of(p, practice: str) -> str:
    return G.payer_name(p.dental_payer if practice == "dental" else p.payer)


def bad_dob_text(r: random.Random, p) -> str:
    return r.choice([f"02/30/{p.dob.year}", f"13/{p.dob.day:02d}/{p.dob.year}", "00/00/0000", f"04/31/{p.dob.year}",
                     f"{p.dob.month:02d}/{p.dob.day:02d}/{p.dob.year + 120}"])


def roster_sheets(d: Doc, r: random.Random, pop) -> list[Sheet]:
    sheets = []
    ph = r.choice(["paren", "dash"])
    rows = [["Harborview Family Medicine"], ["Active patient roster - all providers"], ["Run date", dt.date(2024, 2, 5)], [],
            ["MRN", "Last Name", "First Name", "DOB", "Sex", "Home Phone", "Cell", "Email", "Address", "City", "ST", "Zip",
             "Primary Ins", "Member ID", "Group #"]]
    for p in r.sample(patients(pop, "fm"), 70):
        rows.append([mrn_cell(d, p, "fm", r.random() < 0.85), p.last, p.first, L(p.dob, "dob"), p.sex, d.phone(p.phone, ph),
                     d.phone(p.cell, ph) if p.cell else "", d.email(p.email) if p.email else "",
                     p.addr["street"] + (f" {p.addr['unit']}" if p.addr["unit"] else ""), p.addr["city"], p.addr["state"],
                     int(p.addr["zip"]), payer_of(p, "fm"), member_cell(d, p, r, "fm"), group_cell(p, "fm")])
    sheets.append(Sheet("Family Med", rows, "mm/dd/yyyy", [10, 14, 12, 11, 5, 15, 15, 28, 26, 12, 4, 7, 26, 16, 10]))
    rows = [["Chart #", "Patient Name", "Birth Date", "Cell Phone", "Email", "Carrier", "Subscriber ID", "Group Number"]]
    for p in r.sample(patients(pop, "dental"), 45):
        rows.append([d.v("mrn", p.mrn["dental"]), f"{p.last}, {p.first}", L(p.dob, "dob", "m/d/yy") if r.random() < 0.85 else d.dob(p.dob, "us_nopad"),
                     d.phone(p.cell, "dash") if p.cell else "", d.email(p.email) if p.email else "",
                     payer_of(p, "dental"), member_cell(d, p, r, "dental"), group_cell(p, "dental")])
    sheets.append(Sheet("Dental", rows, "m/d/yy"))
    rows = [["Cedar Creek Pediatrics - patients seen 2023-2024"], [],
            ["Patient ID", "Last", "First", "DOB", "Parent/Guardian", "Guardian Phone", "Payer", "Member #"]]
    for p in r.sample(patients(pop, "peds"), 35):
        g = p.guardian
        rows.append([d.v("mrn", p.mrn["peds"]), p.last, p.first, L(p.dob, "dob"), f"{g.first} {g.last} ({g.rel.lower()})",
                     d.phone(p.cell or p.phone, "paren"), payer_of(p, "peds"), member_cell(d, p, r, "peds")])
    sheets.append(Sheet("Peds", rows))
    p1, p2, p3 = r.sample(patients(pop, "fm", lambda x: x.cell is not None), 3)
    fix = G.rand_date(r, dt.date(1950, 1, 1), dt.date(1990, 12, 31))
    rows = [["Notes"],
            [f"{us(dt.date(2024, 1, 8))} merged duplicate chart for {p1.first} {p1.last}: kept MRN {d.v('mrn', p1.mrn['fm'])}"],
            [f"{p2.first} {p2.last} - corrected DOB {d.dob(fix, 'us')} (was entered as {fix.month:02d}/{fix.day:02d}/{fix.year + 100})"],
            [f"{us(dt.date(2024, 2, 1))} {p3.first} {p3.last} new cell {d.phone(p3.cell, 'dash')}, text reminders OK"],
            ["Do not print this workbook. Export only to the encrypted share."]]
    sheets.append(Sheet("Notes", rows))
    return sheets


def charges_sheets(d: Doc, r: random.Random, pop, practice: str, year: int, q: int, n: int) -> list[Sheet]:
    codes = G.practice_codes(practice)
    m0 = 3 * (q - 1) + 1
    rows = [["Order #", "Acct #", "Patient", "DOB", "DOS", "CPT" if practice != "dental" else "CDT", "ICD10", "Charge", "Paid",
             "Payer", "Member ID", "Rendering NPI", "Provider", "Status"]]
    bad = set(r.sample(range(n), 2))
    for i, p in enumerate(r.sample(patients(pop, practice), n)):
        code, desc, fee = r.choice(codes)
        paid = round(fee * r.choice([0, 0.6, 0.72, 0.8, 1.0]), 2)
        dos = G.svc_date(r, dt.date(year, m0, 1), dt.date(year, m0 + 2, 26))
        acct = L(int(p.acct), "mrn") if p.acct.isdigit() else d.v("mrn", p.acct)
        npi = L(int(p.provider.npi), "npi") if r.random() < 0.97 else int(p.provider.npi[:9] + str((int(p.provider.npi[9]) + 5) % 10))
        rows.append([r.randint(100000000, 899999999), acct, f"{p.last}, {p.first}",
                     bad_dob_text(r, p) if i in bad else L(p.dob, "dob"), dos, code,
                     r.choice(G.DENT_ICD if practice == "dental" else G.MED_ICD)[0], float(fee), float(paid),
                     payer_of(p, practice), member_cell(d, p, r, practice), npi,
                     f"{p.provider.last}, {p.provider.first[0]}", r.choice(["PAID", "PAID", "DENIED", "PENDING", "SUBMITTED"])])
    summary = [["Code", "Description", "Count", "Billed", "Collected"]]
    for code, desc, fee in codes[:10]:
        k = r.randint(3, 60)
        summary.append([code, desc, k, float(k * fee), float(round(k * fee * r.uniform(0.5, 0.9), 2))])
    payers = [["Payer", "Provider services", "Claims address", "Payer ID"]]
    for name in ["Aetna", "Regence BlueCross BlueShield", "UnitedHealthcare", "Cigna", "PacificSource", "Moda Health"]:
        payers.append([name, d.phone(pop.ids.phone(r.choice(["800", "866", "877", "888"])), "one"),
                       f"PO Box {r.randint(1000, 99999)}, {r.choice(['Lexington, KY', 'Portland, OR', 'Salt Lake City, UT'])}",
                       str(r.randint(10000, 99999))])
    return [Sheet("Charges", rows, "mm/dd/yyyy"), Sheet("Summary", summary), Sheet("Payers", payers)]


def gen_xlsx(c: DocsCorpus, pop, src: Src):
    r = rng("xlsx")
    emps = pop.employees

    def put(path, sheets, when, creator, d, status="scanned"):
        shs, labels = render_sheets(d, sheets)
        data = xlsx_bytes(shs, when, creator, base(path))
        c.add(path, Item(data, labels, status))
        return data

    d = Doc()
    put("front-desk/Patient Roster 2024.xlsx", roster_sheets(d, r, pop), dt.datetime(2024, 2, 5, 16, 2), "frontdesk1", d)
    for practice, year, q in [("fm", 2024, 2), ("dental", 2023, 3), ("peds", 2025, 1)]:
        d = Doc()
        put(f"billing/{year}/charges_{year}-Q{q}.xlsx", charges_sheets(d, r, pop, practice, year, q, r.randint(60, 90)),
            dt.datetime(year, 3 * q + 1, 3, 9, 15), "billing", d)
    # A/R aging with title rows and bucket columns
    d = Doc()
    rows = [["Harborview Family Medicine - A/R Aging Detail"], ["As of", dt.date(2024, 6, 30)], [],
            ["Acct #", "Patient", "DOB", "Payer", "Policy #", "Group #", "Current", "Over 30", "Over 60", "Over 90", "Total"]]
    for p in r.sample(patients(pop, "fm", lambda x: x.payer != "medicare"), 60):
        b = [float(round(r.uniform(0, x), 2)) for x in (300, 200, 150, 500)]
        rows.append([d.v("mrn", p.acct), f"{p.last.upper()}, {p.first.upper()}", L(p.dob, "dob"), payer_of(p, "fm"),
                     member_cell(d, p, r, "fm"), group_cell(p, "fm"), *b, float(round(sum(b), 2))])
    put("billing/2024/AR_aging_2024-06-30.xlsx", [Sheet("Aging", rows)], dt.datetime(2024, 7, 1, 8, 40), "billing", d)
    # payroll register: SSNs stored as numbers, routing numbers and hire dates alongside
    d = Doc()
    reg = [["Emp ID", "Employee", "SSN", "Hire Date", "Period End", "Reg Hrs", "Gross", "Fed WH", "SS WH", "Medicare WH", "Net",
            "Routing #", "Deposit Account"]]
    ytd = [["Employee", "SSN", "YTD Gross", "YTD Fed WH", "YTD State WH"]]
    for e in emps:
        hrs = round(r.uniform(60, 80), 2)
        gross = round(hrs * e.rate, 2)
        reg.append([int(e.empid), f"{e.last}, {e.first}", ssn_cell(d, e, r, fmt="000-00-0000"), e.hire, dt.date(2024, 6, 28), hrs, gross,
                    round(gross * 0.1, 2), round(gross * 0.062, 2), round(gross * 0.0145, 2), round(gross * 0.75, 2),
                    int(e.routing), int(e.deposit)])
    for e in emps:
        ytd.append([f"{e.first} {e.last}", d.ssn(e.ssn or e.itin, "dash"), round(e.rate * 1040, 2), round(e.rate * 104, 2),
                    round(e.rate * 46.8, 2)])
    put("hr/payroll/Payroll Register 2024-Q2.xlsx", [Sheet("Register", reg), Sheet("YTD", ytd, hidden=True)], dt.datetime(2024, 7, 2, 11, 5), "bookkeeper", d)
    # benefits: dependents' birth dates too
    d = Doc()
    rows = [["Employee", "SSN", "DOB", "Plan", "Tier", "Dependent", "Dependent DOB", "Effective"]]
    for e in r.sample(emps, 20):
        dep = r.random() < 0.5
        rows.append([f"{e.first} {e.last}", ssn_cell(d, e, r), L(e.dob, "dob"), r.choice(["PPO 500", "HMO Gold", "HDHP + HSA"]),
                     r.choice(["EE+SP", "EE+CH", "FAM"]) if dep else "EE",
                     f"{r.choice(G.FIRST_F + G.FIRST_M)} {e.last}" if dep else "",
                     L(G.rand_date(r, dt.date(2004, 1, 1), dt.date(2023, 6, 30)), "dob") if dep else "", dt.date(2025, 1, 1)])
    put("hr/benefits/Open Enrollment 2025.xlsx", [Sheet("Enrollment", rows, "yyyy-mm-dd")], dt.datetime(2024, 11, 18, 14, 0), "office.manager", d)
    # eligibility checks
    d = Doc()
    shs = []
    for practice in ("fm", "dental"):
        h = "Chart #" if practice == "dental" else "MRN"
        rows = [["Patient", h, "DOB", "Payer", "Subscriber ID", "Group #", "Status", "Eff Date", "Copay", "Checked"]]
        for p in r.sample(patients(pop, practice, lambda x: x.payer != "medicare"), 30):
            rows.append([f"{p.last}, {p.first}", mrn_cell(d, p, practice, True), L(p.dob, "dob"), payer_of(p, practice),
                         member_cell(d, p, r, practice), group_cell(p, practice), r.choice(["Active", "Active", "Inactive", "Termed"]),
                         dt.date(r.randint(2018, 2024), 1, 1), r.choice(["$0", "$20", "$25", "20%"]), dt.date(2024, 11, r.randint(4, 8))])
        shs.append(Sheet("Medical" if practice == "fm" else "Dental", rows))
    put("insurance/eligibility/Eligibility checks 2024-11.xlsx", shs, dt.datetime(2024, 11, 8, 17, 30), "ins.coord", d)
    # controlled-substance log
    d = Doc()
    prescribers = [x for x in pop.providers if x.dea and x.practice == "fm"]
    rows = [["Date", "Rx #", "Patient", "DOB", "MRN", "Drug", "Strength", "Sched", "Qty", "Prescriber", "DEA", "NPI"]]
    for _ in range(50):
        p = r.choice(patients(pop, "fm"))
        pv = r.choice(prescribers)
        drug, st, sc = r.choice([("Hydrocodone/APAP", "5-325 mg", "C-II"), ("Tramadol", "50 mg", "C-IV"), ("Lorazepam", "0.5 mg", "C-IV"),
                                 ("Zolpidem", "5 mg", "C-IV"), ("Methylphenidate ER", "18 mg", "C-II"), ("Pregabalin", "75 mg", "C-V")])
        rows.append([G.svc_date(r, dt.date(2024, 1, 2), dt.date(2024, 12, 30)), r.randint(1000000, 9999999), f"{p.last}, {p.first}",
                     L(p.dob, "dob"), mrn_cell(d, p, "fm", True), drug, st, sc, r.choice([10, 20, 30, 60]), f"{pv.last}, {pv.first[0]}",
                     d.v("dea", pv.dea), L(int(pv.npi), "npi")])
    rows[1:] = sorted(rows[1:], key=lambda x: x[0])
    put("clinical/controlled-substances/CS log 2024.xlsx", [Sheet("2024", rows)], dt.datetime(2025, 1, 6, 10, 0), "rn.care", d)
    # provider roster
    d = Doc()
    rows = [["Provider", "Credential", "Specialty", "NPI", "DEA", "DEA Exp", "License #", "DOB", "Direct", "Email"]]
    for pv in pop.providers:
        rows.append([f"{pv.last}, {pv.first}", pv.cred, pv.spec, L(int(pv.npi), "npi"), d.v("dea", pv.dea) if pv.dea else "",
                     dt.date(r.randint(2026, 2028), r.randint(1, 12), 28) if pv.dea else "", pv.license, L(pv.dob, "dob"),
                     d.phone(pv.direct, "dash"), d.email(pv.email)])
    put("admin/credentialing/Provider Roster.xlsx", [Sheet("Providers", rows)], dt.datetime(2024, 9, 9, 9, 9), "practice.admin", d)
    # appointments: date-time cells that are not birth dates
    d = Doc()
    rows = [["Appt", "Patient", "DOB", "MRN", "Phone", "Provider", "Visit Type", "Notes"]]
    t = dt.datetime(2024, 10, 7, 8, 0)
    for p in r.sample(patients(pop, "fm"), 28):
        rows.append([t, f"{p.last}, {p.first}", L(p.dob, "dob"), mrn_cell(d, p, "fm", False), d.phone(p.cell or p.phone, "paren"),
                     p.provider.last, r.choice(["F/U", "NP", "PE", "SICK", "TELE"]),
                     r.choice(["", "", "needs new ins card", "interpreter: Spanish", "bal due"])])
        t += dt.timedelta(minutes=r.choice([15, 20, 30]))
        if t.hour >= 17:
            t = t.replace(day=t.day + 1, hour=8, minute=0)
    put("front-desk/schedules/Appointments week of 2024-10-07.xlsx", [Sheet("Schedule", rows)], dt.datetime(2024, 10, 4, 16, 45), "frontdesk2", d)
    # card on file (formatted, masked and test numbers)
    d = Doc()
    rows = [["Acct #", "Patient", "Card Type", "Card Number", "Exp", "Amount"]]
    for p in r.sample([x for x in pop.patients if x.card], 30):
        roll = r.random()
        num = d.card(p.card, r.choice([" ", "-"])) if roll < 0.7 else f"XXXX-XXXX-XXXX-{p.card[-4:]}"
        rows.append([d.v("mrn", p.acct), f"{p.last}, {p.first}", {"visa": "Visa", "mc": "MasterCard", "amex": "AMEX", "disc": "Discover"}[p.card_brand],
                     num, p.card_exp, float(round(r.uniform(10, 600), 2))])
    rows.insert(5, ["TEST", "TEST, PATIENT", "Visa", "4111 1111 1111 1111", "12/29", 1.0])
    put("billing/payments/Card on File.xlsx", [Sheet("Cards", rows)], dt.datetime(2024, 5, 2, 12, 0), "billing", d)
    # Medicare patients: MBIs (some dashed)
    d = Doc()
    rows = [["Beneficiary", "MBI", "DOB", "Part B Eff", "Supplement", "Supp Member ID"]]
    for p in [x for x in pop.patients if x.mbi][:40]:
        rows.append([f"{p.last.upper()}, {p.first.upper()}", d.v("insurance_id", G.fmt_mbi(p.mbi, r.random() < 0.4)), L(p.dob, "dob"),
                     dt.date(p.dob.year + 65, p.dob.month, 1), G.payer_name(p.sup_payer) if p.sup_payer else "",
                     d.v("insurance_id", p.sup_member) if p.sup_member else ""])
    put("insurance/Medicare patients 2024.xlsx", [Sheet("Medicare", rows)], dt.datetime(2024, 3, 1, 10, 30), "ins.coord", d)
    # negatives
    d = Doc()
    vendors = ["Henry Schein Dental", "Patterson Dental Supply", "McKesson Medical-Surgical", "Medline Industries", "Benco Dental"]
    items = ["Nitrile exam gloves, M", "Surgical masks, level 3", "Prophy paste, medium", "Fluoride varnish 5%", "Composite A2 syringe",
             "Sterilization pouches", "Cotton rolls #2", "Saliva ejectors", "Exam table paper", "Alcohol prep pads", "Lidocaine 2% carpules"]
    rows = [["SKU", "Description", "Vendor", "On Hand", "Reorder Pt", "Unit Cost", "Lot #", "Exp Date", "Last Order #"]]
    for it in items:
        rows.append([f"HS-{r.randint(100, 999)}-{r.randint(1000, 9999)}", it, r.choice(vendors), r.randint(0, 40), r.randint(2, 10),
                     float(round(r.uniform(3, 90), 2)), G.broken_mbi(r) if r.random() < 0.3 else f"{r.choice('ABLMNPRT')}{r.randint(10, 99)}X{r.randint(100, 999)}",
                     dt.date(r.randint(2025, 2028), r.randint(1, 12), 1), r.randint(100000000, 999999999)])
    put("admin/inventory/Supply Inventory 2024.xlsx", [Sheet("Inventory", rows)], dt.datetime(2024, 4, 30, 15, 0), "office.manager", d)
    cats = ["Rent", "Payroll", "Dental supplies", "Medical supplies", "Lab fees", "IT services", "Utilities", "Insurance (malpractice)", "Marketing"]
    rows = [["Harborview Family Medicine - Operating budget 2025"], [], ["Category"] + G.MON3 + ["Total"]]
    for cat in cats:
        vals = [float(round(r.uniform(800, 60000), 2)) for _ in range(12)]
        rows.append([cat] + vals + [float(round(sum(vals), 2))])
    put("admin/finance/Budget 2025.xlsx", [Sheet("Budget", rows), Sheet("Assumptions", [["Item", "Value"], ["Visit growth", "4%"], ["New hires", 2],
                                                                                                   ["Rent increase", "3% (lease renewal)"]])],
        dt.datetime(2024, 12, 2, 9, 0), "practice.admin", d)
    rows = [["Code", "Description", "Fee", "Medicare Allowed"]] + [[k, desc, float(fee), float(round(fee * 0.62, 2))] for k, desc, fee in G.CPT]
    put("billing/fee_schedules/Fee Schedule 2024.xlsx", [Sheet("Medical", rows), Sheet("Dental", [["Code", "Description", "Fee", "UCR 80th"]] +
                                                                                         [[k, desc, float(fee), float(round(fee * 1.1, 2))] for k, desc, fee in G.CDT])],
        dt.datetime(2024, 1, 2, 8, 0), "billing", Doc())
    rows = [["Employee", "Start", "End", "Type", "Approved By"]]
    for _ in range(40):
        s = G.rand_date(r, dt.date(2024, 1, 2), dt.date(2024, 12, 20))
        rows.append([f"{r.choice(emps).first} {r.choice('ABCDEFGHJKLMNPRSTW')}.", s, s + dt.timedelta(days=r.randint(0, 6)),
                     r.choice(["PTO", "PTO", "Sick", "CE course", "Jury duty"]), r.choice(["Office Mgr", "Practice Admin"])])
    put("hr/PTO tracker 2024.xlsx", [Sheet("2024", rows)], dt.datetime(2024, 12, 31, 12, 0), "office.manager", Doc())
    rows = [["Date", "Cycle #", "Sterilizer", "Load", "Temp (F)", "Time (min)", "Indicator", "BI Result", "Operator"]]
    cyc = r.randint(4000, 9000)
    for k in range(90):
        cyc += 1
        rows.append([dt.date(2024, 1, 2) + dt.timedelta(days=k // 3), cyc, r.choice(["Statim 5000", "Midmark M11"]),
                     r.choice(["cassettes", "handpieces", "pouches"]), r.choice([270, 273, 250]), r.choice([4, 6, 30]), "PASS",
                     r.choice(["", "", "neg"]), r.choice(emps).first[0] + r.choice(emps).last[0]])
    put("clinical/sterilization/Steri log 2024-Q1.xlsx", [Sheet("Q1", rows)], dt.datetime(2024, 4, 1, 7, 30), "dental.asst", Doc())
    # a workbook cut off mid-copy (no central directory): error
    d = Doc()
    data = xlsx_bytes(render_sheets(d, charges_sheets(d, r, pop, "fm", 2023, 4, 70))[0], dt.datetime(2024, 1, 3, 9, 0), "billing")
    c.add("billing/2023/charges_2023-Q4.xlsx", Item(data[: len(data) * 55 // 100], status="error"))


def gen_xls_ods(c: DocsCorpus, pop, src: Src):
    r = rng("xls-ods")
    emps = pop.employees

    def put(path, sheets, d, when=None, creator="", fmt="xls"):
        shs, labels = render_sheets(d, sheets)
        data = xls_bytes(shs) if fmt == "xls" else ods_bytes(shs, when, creator, base(path))
        c.add(path, Item(data, labels))

    # legacy xls exports
    d = Doc()
    rows = [["CHART #", "LAST", "FIRST", "DOB", "SSN", "PHONE", "EMAIL"]]
    for p in r.sample(patients(pop, "dental"), 60):
        rows.append([d.v("mrn", p.mrn["dental"]), p.last.upper(), p.first.upper(), L(p.dob, "dob"), ssn_cell(d, p, r),
                     d.phone(p.phone, "dash"), d.email(p.email) if p.email else ""])
    put("IT/old_pm_export/PATIENTS.XLS", [Sheet("PATIENTS", rows)], d)
    d = Doc()
    rows = [["Beneficiary", "HICN", "DOB", "Sex", "Supplement", "Supp Member ID"]]
    for p in [x for x in pop.patients if x.hicn][:35]:
        rows.append([f"{p.last.upper()}, {p.first.upper()}", d.v("insurance_id", p.hicn), L(p.dob, "dob"), p.sex,
                     G.payer_name(p.sup_payer) if p.sup_payer else "", d.v("insurance_id", p.sup_member) if p.sup_member else ""])
    put("insurance/archive/2016/Medicare HICN list 2016.xls", [Sheet("HICN", rows)], d)
    d = Doc()
    rows = [["Dental Production 2019 - Bright Smile Dental Group"], [],
            ["Chart #", "Patient", "DOB", "Provider", "Member ID", "Payer", "CDT", "Tooth", "Fee", "Ins Est"]]
    for p in r.sample(patients(pop, "dental"), 70):
        code, desc, fee = r.choice(G.CDT)
        rows.append([d.v("mrn", p.mrn["dental"]), f"{p.last}, {p.first}", L(p.dob, "dob"), p.provider.last,
                     member_cell(d, p, r, "dental"), payer_of(p, "dental"), code, r.randint(1, 32), float(fee), float(round(fee * 0.6, 2))])
    put("billing/2019/Dental Production 2019.xls", [Sheet("Production", rows)], d)
    d = Doc()
    rows = [["Emp ID", "Employee", "SSN", "Period End", "Gross", "Fed WH", "Net", "Routing #"]]
    for e in emps:
        gross = round(r.uniform(48, 80) * e.rate, 2)
        rows.append([int(e.empid), f"{e.last}, {e.first}", ssn_cell(d, e, r), dt.date(2018, 12, 28), gross, round(gross * 0.1, 2),
                     round(gross * 0.76, 2), int(e.routing)])
    put("hr/payroll/archive/payroll register 2018-12.xls", [Sheet("Dec 2018", rows)], d)
    rows = [["Item", "Qty", "Unit", "Cost", "Ordered"]]
    for it in ["Gloves M", "Gloves L", "Masks", "Gauze 2x2", "Bibs", "Cups", "Paper towels", "Toner"]:
        rows.append([it, r.randint(1, 30), r.choice(["box", "case", "each"]), float(round(r.uniform(3, 90), 2)), G.rand_date(r, dt.date(2019, 1, 2), dt.date(2019, 12, 20))])
    put("admin/inventory/inventory_2019.xls", [Sheet("2019", rows)], Doc())
    # ods
    d = Doc()
    rows = [["Patient ID", "Child", "DOB", "Parent/Guardian", "Guardian Phone", "DTaP 4", "MMR 2", "Varicella 2", "Flu 2024"]]
    for p in r.sample(patients(pop, "peds", lambda x: x.dob.year < 2021), 30):
        vd = lambda y: G.rand_date(r, p.dob + dt.timedelta(days=365 * y), p.dob + dt.timedelta(days=365 * y + 200))
        rows.append([d.v("mrn", p.mrn["peds"]), f"{p.last}, {p.first}", L(p.dob, "dob"), f"{p.guardian.first} {p.guardian.last}",
                     d.phone(p.cell or p.phone, "paren"), vd(4), vd(4), vd(4), G.rand_date(r, dt.date(2024, 9, 3), dt.date(2024, 12, 20))])
    put("clinical/peds/Immunization tracker 2024.ods", [Sheet("Tracker", rows)], d, dt.datetime(2024, 12, 20, 16, 0), "ma.peds", "ods")
    d = Doc()
    rows = [["Acct #", "Patient", "Phone", "Email", "Balance", "Last Stmt", "Stmts Sent"]]
    for p in r.sample(pop.patients, 40):
        rows.append([d.v("mrn", p.acct), f"{p.last}, {p.first}", d.phone(p.phone, "paren"), d.email(p.email) if p.email else "",
                     float(round(r.uniform(20, 900), 2)), G.svc_date(r, dt.date(2024, 1, 2), dt.date(2024, 6, 28)), r.randint(1, 4)])
    put("billing/collections/Collections worklist.ods", [Sheet("Worklist", rows, "m/d/yy")], d, dt.datetime(2024, 7, 1, 9, 0), "billing", "ods")
    d = Doc()
    rows = [["Staff roster (confidential)"], [],
            ["Emp ID", "Last", "First", "Position", "Hire Date", "DOB", "SSN", "Phone", "Personal Email", "Work Email"]]
    for e in emps:
        rows.append([int(e.empid), e.last, e.first, e.role, e.hire, L(e.dob, "dob", "yyyy-mm-dd"), ssn_cell(d, e, r), d.phone(e.phone, "dash"),
                     d.email(e.email), d.email(e.work_email)])
    put("hr/Staff roster.ods", [Sheet("Staff", rows)], d, dt.datetime(2024, 8, 12, 10, 0), "office.manager", "ods")
    d = Doc()
    rows = [["Medicaid ID", "Last Name", "First Name", "Birth Date", "Case #", "Plan", "Recert Due"]]
    for p in [x for x in pop.patients if x.medicaid][:40]:
        rows.append([d.v("insurance_id", p.medicaid), p.last, p.first, L(p.dob, "dob"), r.randint(100000000, 899999999),
                     r.choice(["CCO A - Health Share", "CCO B - Trillium", "Apple Health MCO", "FFS"]),
                     G.svc_date(r, dt.date(2024, 1, 1), dt.date(2025, 6, 1))])
    put("insurance/Medicaid members.ods", [Sheet("Members", rows)], d, dt.datetime(2024, 2, 14, 13, 0), "ins.coord", "ods")
    rows = [["Date", "Room", "Time", "Booked for", "Notes"]]
    for _ in range(30):
        rows.append([G.rand_date(r, dt.date(2024, 3, 1), dt.date(2024, 3, 29)), r.choice(["Conf A", "Break room", "Op 5"]),
                     f"{r.randint(8, 16)}:{r.choice(['00', '30'])}", r.choice(["Vendor demo", "Interview", "Training", "IT maintenance"]), ""])
    put("admin/calendar/Room bookings 2024-03.ods", [Sheet("March", rows)], Doc(), dt.datetime(2024, 2, 28, 12, 0), "reception", "ods")


# ----------------------------------------------------------------------------------------------
# Word-processing documents (docx, odt)
# ----------------------------------------------------------------------------------------------

def text_wdoc(text: str, labels: list, heading: bool = False) -> WDoc:
    """A plain-text document as paragraphs, one per line."""
    w = WDoc()
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    for i, ln in enumerate(lines):
        w.blocks.append(("p", ln, "Heading1" if heading and i == 0 else ""))
    w.labels = list(labels)
    return w


def intake_wdoc(d: Doc, r: random.Random, pop, p, day: dt.date) -> WDoc:
    pr = PR[p.practice]
    w = WDoc()
    w.h(d, f"{pr.name}\nNEW PATIENT REGISTRATION")
    w.p(d, "Please print clearly. Everything on this form is kept confidential.")
    payer, _ = G.pt_ins(Doc(), r, p, p.practice == "dental")
    if p.ssn:
        tin = d.ssn(p.ssn, r.choice(["dash", "bare"]))
    elif p.itin:
        tin = d.ssn(p.itin, "dash")
    else:
        tin = "declined"
    member = p.dental_member if p.practice == "dental" else (G.fmt_mbi(p.mbi, True) if p.payer == "medicare" else p.member)
    ec = r.choice(G.FIRST_F + G.FIRST_M)
    rows = [["Patient name", f"{p.first} {p.middle}. {p.last}"],
            ["Date of birth", d.dob(p.dob, r.choice(["us", "us_nopad"]))],
            ["Sex", {"F": "Female", "M": "Male"}[p.sex]],
            ["SSN", tin],
            ["Address", G.addr_line(p.addr)],
            ["Home phone", d.phone(p.phone, "paren")],
            ["Cell phone", d.phone(p.cell, "paren") if p.cell else "none"],
            ["Email", d.email(p.email) if p.email else "no email"],
            ["Insurance", payer],
            ["Member ID", d.v("insurance_id", member)],
            ["Group #", (p.dental_group if p.practice == "dental" else p.group) or "n/a"],
            ["Emergency contact", f"{ec} {p.last}, {d.phone(pop.ids.phone(), 'dash')}"],
            ["Date signed", us(day)]]
    w.table(d, rows)
    w.p(d, "")
    w.p(d, "I authorize the release of information needed to process my insurance claims.")
    w.p(d, f"Signature: {p.first[0]}. {p.last}")
    w.f(d, f"Form REG-01 rev. {r.randint(2019, 2023)}")
    return w


def results_letter_wdoc(d: Doc, r: random.Random, pop, p, day: dt.date) -> WDoc:
    pr = PR[p.practice]
    prov = p.provider
    w = WDoc()
    w.split_runs = True
    w.h(d, f"{pr.name}\n{pr.street}, {pr.city}, {pr.state} {pr.zip4}   {d.phone(pr.phone, 'dot')}")
    w.p(d, longdate(day))
    w.p(d, "")
    title = "Ms." if p.sex == "F" else "Mr."
    w.p(d, f"{title} {p.first} {p.last}\n{p.addr['street']}{(' ' + p.addr['unit']) if p.addr['unit'] else ''}\n{p.addr['city']}, {p.addr['state']} {p.addr['zip']}")
    w.p(d, "")
    w.p(d, f"{G.mrn_label(r, p.practice)} {d.v('mrn', p.mrn[p.practice])}")
    w.p(d, "")
    w.p(d, f"Dear {title} {p.last},")
    seen = G.svc_date(r, day - dt.timedelta(days=20), day - dt.timedelta(days=3))
    name, unit, lo, hi, vlo, vhi = r.choice(G.LABS)
    v = r.uniform(lo, hi) if lo else r.uniform(vlo, hi)
    w.p(d, f"The blood tests from your visit on {us(seen)} are back. Your {name} was {(f'{v:.1f}' if hi < 20 else str(int(v)))} {unit}, "
           f"which is within the normal range ({lo}-{hi}). No change to your treatment is needed.")
    w.p(d, r.choice(["Please keep your next scheduled appointment.", "We will recheck this at your annual visit."]))
    w.p(d, f"If you have questions, call us at {d.phone(pr.phone, 'paren')} or send a message through the patient portal.")
    w.p(d, "")
    w.p(d, f"Sincerely,\n{prov.first} {prov.last}, {prov.cred}")
    w.f(d, f"{pr.name} | {d.email(pr.frontdesk_email)} | www.{pr.domain}")
    return w


def new_hire_wdoc(d: Doc, r: random.Random, pop, e) -> WDoc:
    w = WDoc()
    w.split_runs = True
    w.h(d, "PERSONNEL FILE - CONFIDENTIAL")
    w.p(d, "New hire information", "Heading1")
    w.p(d, f"Employee: {e.first} {e.last}\nPosition: {e.role}\nStart date: {us(e.hire)}")
    if e.ssn:
        w.p(d, f"{r.choice(['Social Security Number:', 'SSN:', 'Taxpayer ID:'])} {d.ssn(e.ssn, r.choice(['dash', 'bare']))}")
    else:
        w.p(d, f"ITIN: {d.ssn(e.itin, 'dash')}")
    w.p(d, f"{r.choice(['Date of birth:', 'DOB:', 'Birth date:'])} {d.dob(e.dob, G.dob_style(r, e.dob))}")
    w.p(d, f"Home address: {G.addr_line(e.addr)}\nPersonal phone: {d.phone(e.phone, 'paren')}\nPersonal email: {d.email(e.email)}")
    w.p(d, "Direct deposit")
    w.table(d, [["Bank", "Routing #", "Account ending", "Type"],
                [r.choice(["Umpqua Bank", "OnPoint Community CU", "US Bank", "Columbia Bank"]), e.routing, e.acct_last4, "Checking"]])
    w.p(d, f"Emergency contact: {r.choice(G.FIRST_F + G.FIRST_M)} {e.last}, {d.phone(pop.ids.phone(), 'dash')}")
    w.f(d, "Form HR-101 rev. 2022 - keep in the locked personnel cabinet")
    w.comment(d, 1, r.choice(pop.employees).first + " (Office Manager)", "I-9 documents verified in person; copies in the I-9 binder.")
    return w


def recall_wdoc(d: Doc, r: random.Random, pop, practice: str, month: dt.date) -> WDoc:
    w = WDoc()
    pr = PR[practice]
    w.h(d, pr.name)
    w.p(d, f"Recall call list - {G.MONTHS[month.month - 1]} {month.year}", "Heading1")
    w.p(d, "Call each patient twice before sending the recall postcard. Note the outcome in the PM system.")
    hdr_id = {"fm": "MRN", "dental": "Chart #", "peds": "Patient ID"}[practice]
    rows = [["Patient", "DOB", hdr_id, "Phone", "Member ID", "Last Visit"]]
    for p in r.sample(patients(pop, practice), 14):
        rows.append([f"{p.last}, {p.first}", d.dob(p.dob, r.choice(["us", "us", "iso"])), d.v("mrn", p.mrn[practice]),
                     d.phone(p.cell or p.phone, "paren"), member_cell(d, p, r, practice),
                     us(G.svc_date(r, month - dt.timedelta(days=420), month - dt.timedelta(days=330)))])
    w.table(d, rows)
    w.p(d, "")
    w.p(d, f"Prepared by {r.choice(pop.employees).first}. Questions: front desk, ext {r.randint(201, 230)}.")
    return w


def memo_wdoc(r: random.Random, pop) -> WDoc:
    """A negative: numbers everywhere, none of them a finding."""
    w = WDoc()
    d = Doc()
    w.h(d, "INTERNAL MEMO")
    w.p(d, "Phone system and fax line changes", "Heading1")
    day = dt.date(2024, 4, 15)
    w.p(d, f"Date: {us(day)}")
    w.p(d, f"From: {r.choice(pop.employees).first}, Practice Administrator")
    w.p(d, "")
    w.p(d, f"The new phone system goes live on {us(day + dt.timedelta(days=12))}. Order {r.randint(100000000, 899999999)} "
           f"covers the handsets and the SIP trunk; the carrier's install ticket is TKT-{r.randint(10000, 99999)}.")
    w.p(d, f"Invoice #{r.randint(1000000, 9999999)} (Coastal IT Solutions) is approved. Extensions stay the same (201-260).")
    w.p(d, "The old fax line will forward for 90 days. Tracking for the returned equipment: "
           f"1Z{r.randint(100, 999)}W{r.randint(10 ** 9, 10 ** 10 - 1)}.")
    w.table(d, [["Item", "Qty", "Unit cost", "PO"], ["Yealink T54W handset", "14", "189.00", f"PO-2024-{r.randint(100, 999)}"],
                ["PoE switch 24 port", "1", "429.00", f"PO-2024-{r.randint(100, 999)}"], ["Headset", "6", "79.50", f"PO-2024-{r.randint(100, 999)}"]])
    w.p(d, "")
    w.p(d, "Training sessions: Tuesday and Thursday at 12:15 in Conf A. Bring your voicemail PIN.")
    w.f(d, "Internal use only")
    return w


def gen_wordproc(c: DocsCorpus, pop, src: Src):
    r = rng("wordproc")

    def put(path, w: WDoc, day: dt.date, author: str):
        when = when_dt(day, r)
        if path.endswith(".docx"):
            data = docx_bytes(w, when, author, base(path))
        else:
            data = odt_bytes(w, when, author, base(path))
        c.add(path, Item(data, w.labels))

    for i in range(6):
        p = r.choice(patients(pop, "fm" if i % 3 else "peds"))
        day = G.svc_date(r, dt.date(2022, 1, 3), dt.date(2025, 5, 30))
        d = Doc()
        w = referral_wdoc(d, r, pop, p, day, with_table=i % 2 == 0, comments=i != 3)
        ext = "docx" if i < 4 else "odt"
        put(f"clinical/referrals/{day.year}/Referral letter - {G.strip_accents(p.last)}, {p.first}.{ext}", w, day, r.choice(pop.employees).first)
    for i, ext in enumerate(["docx", "docx", "odt"]):
        p = r.choice(pop.patients)
        day = G.svc_date(r, dt.date(2023, 1, 2), dt.date(2025, 5, 30))
        d = Doc()
        put(f"front-desk/intake/{day.year}/Registration form - {G.strip_accents(p.last)} {p.first[0]}.{ext}", intake_wdoc(d, r, pop, p, day), day, "frontdesk1")
    for i, ext in enumerate(["docx", "docx", "odt"]):
        p = r.choice(patients(pop, ["fm", "peds", "fm"][i]))
        day = G.svc_date(r, dt.date(2023, 1, 2), dt.date(2025, 5, 30))
        d = Doc()
        put(f"clinical/letters/{day.year}/results letter {G.strip_accents(p.last).lower().replace(' ', '_')} {day.isoformat()}.{ext}",
            results_letter_wdoc(d, r, pop, p, day), day, p.provider.first.lower())
    for i, ext in enumerate(["docx", "odt"]):
        e = r.choice(pop.employees)
        d = Doc()
        put(f"hr/personnel/{G.strip_accents(e.last)}, {G.strip_accents(e.first)}/new hire information.{ext}", new_hire_wdoc(d, r, pop, e), e.hire, "office.manager")
    for practice, month, ext in [("dental", dt.date(2024, 3, 1), "docx"), ("fm", dt.date(2024, 9, 1), "odt"), ("peds", dt.date(2023, 8, 1), "docx")]:
        d = Doc()
        put(f"front-desk/recall/Recall list {practice} {month.strftime('%Y-%m')}.{ext}", recall_wdoc(d, r, pop, practice, month), month, "frontdesk2")
    put("admin/memos/Phone system changes.docx", memo_wdoc(r, pop), dt.date(2024, 4, 15), "practice.admin")
    # text documents kept as Word/ODF files
    conv = [("clinical/notes/", 3, "docx", "clinical/notes/{y}/{b}.docx"), ("clinical/phone-encounters/", 1, "odt", "clinical/phone-encounters/{b}.odt"),
            ("clinical/peds/school-forms/", 2, "odt", "clinical/peds/school-forms/{b}.odt"), ("hr/personnel/", 1, "docx", "hr/personnel/{b}.docx"),
            ("front-desk/intake/", 2, "docx", "front-desk/intake/{y}/{b}.docx"), ("clinical/referrals/dental/", 2, "docx", "clinical/referrals/dental/{b}.docx"),
            ("front-desk/call-logs/", 1, "odt", "front-desk/call-logs/{b}.odt"),
            ("admin/policies/", 2, "docx", "admin/policies/{b}.docx"), ("admin/meetings/", 2, "odt", "admin/meetings/{b}.odt"),
            ("admin/meetings/", 1, "docx", "admin/meetings/{b}.docx"), ("admin/forms/templates/HIPAA", 1, "docx", "admin/forms/templates/{b}.docx"),
            ("admin/forms/templates/referral_letter", 1, "docx", "admin/forms/templates/{b}.docx")]
    for prefix, n, ext, pattern in conv:
        for path in src.take(r, prefix, n, pred=printable):
            text, labels = src.text(path)
            yr = re.search(r"(20\d\d)", path)
            out = pattern.format(y=yr.group(1) if yr else "2024", b=base(path))
            day = dt.date(int(yr.group(1)), 6, 1) if yr else dt.date(2024, 6, 1)
            put(out, text_wdoc(text, labels), day, r.choice(pop.employees).first)


# ----------------------------------------------------------------------------------------------
# E-mail (.eml, .mbox)
# ----------------------------------------------------------------------------------------------

class Mail:
    """Labels of one message in reading order: From, To, Cc addresses, then the text parts."""

    def __init__(self, d: Doc):
        self.d = d
        self.labels: list[tuple] = []
        self.hdrs: list[tuple[str, str]] = []

    def _addr(self, name: str, addr: str) -> str:
        self.labels.append(("email", addr.lower(), addr))
        return email.utils.formataddr((name, addr)) if name else addr

    def head(self, frm, to, cc=(), subject="", date=None):
        self.hdrs.append(("From", self._addr(*frm)))
        self.hdrs.append(("To", ", ".join(self._addr(*x) for x in to)))
        if cc:
            self.hdrs.append(("Cc", ", ".join(self._addr(*x) for x in cc)))
        self.hdrs.append(("Subject", subject))
        self.hdrs.append(("Date", email.utils.format_datetime(date)))

    def text(self, template: str) -> str:
        text, labs = self.d.render(template)
        self.labels += labs
        return text

    def finish(self, root, mailer: str = "Microsoft Outlook 16.0"):
        set_headers(root, self.hdrs)
        root["X-Mailer"] = mailer
        return root


def mdate(day: dt.date, r: random.Random) -> dt.datetime:
    """A Pacific-time timestamp (daylight time from April through October)."""
    tz = dt.timezone(dt.timedelta(hours=-7 if 4 <= day.month <= 10 else -8))
    return dt.datetime(day.year, day.month, day.day, r.randint(7, 18), r.randint(0, 59), r.randint(0, 59), tzinfo=tz)


def card_image(r: random.Random, p, member: str) -> bytes:
    img = Image.new("RGB", (860, 540), (232, 240, 250))
    dr = ImageDraw.Draw(img)
    dr.rectangle((0, 0, 860, 90), fill=(20, 70, 140))
    dr.text((30, 25), G.payer_name(p.payer), fill=(255, 255, 255), font=ocr_font(34))
    for k, ln in enumerate([f"Member: {p.first.upper()} {p.last.upper()}", f"Member ID: {member}", f"Group: {p.group or ''}",
                            "PCP $25   Spec $50   ER $250"]):
        dr.text((40, 130 + 70 * k), ln, fill=(10, 10, 30), font=ocr_font(30))
    img = img.rotate(-3, resample=Image.BILINEAR, fillcolor=(60, 60, 60), expand=True)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


def referral_pdf(r: random.Random, pop, p, day: dt.date) -> Item:
    d = Doc()
    w = referral_wdoc(d, r, pop, p, day, with_table=False, comments=False)
    pages = wdoc_pdf_pages(w)
    more, labs = render_pages(d, [clinical_summary(d, r, p, day)])
    return Item(pdf_bytes(pages + more, "Referral", "frontdesk1", footer="Page {page} of {pages}"), w.labels + labs)


def roi_pdf(r: random.Random, p, ext, day: dt.date) -> Item:
    d = Doc()
    body = ("# AUTHORIZATION FOR RELEASE OF HEALTH INFORMATION\n"
            f"Patient name: {p.first} {p.last}\n{r.choice(['Date of Birth:', 'DOB:'])} {d.dob(p.dob, 'us')}\n"
            f"Phone: {d.phone(p.cell or p.phone, 'paren')}\n\n"
            f"I authorize {PR[p.practice].name} to release my records to {ext.org}.\n"
            f"Records: office notes, labs and imaging from {us(day - dt.timedelta(days=730))} to present.\n"
            f"Purpose: continuity of care.   Send to fax {d.phone(ext.fax, 'dash')}\n\n"
            f"This authorization expires one year from the date signed.\n\nSigned: {p.first[0]}. {p.last}   Date: {us(day)}\n")
    pages, labels = render_pages(d, [body], bold_labels=True)
    return Item(pdf_bytes(pages, "ROI authorization", "scanner"), labels)


def gen_mail(c: DocsCorpus, pop, src: Src):
    r = rng("mail")
    emps = pop.employees
    fm = PR["fm"]

    def put(path, root, m: Mail, members=(), crlf=True):
        c.add(path, Item(msg_bytes(root, crlf), m.labels, members=list(members)))

    # 1-2. referrals with PDF attachments (quoted-printable body)
    for k, (practice, spec) in enumerate([("fm", "Cardiology"), ("peds", "ENT")]):
        p = r.choice(patients(pop, practice))
        pr = PR[practice]
        prov = r.choice([x for x in pr.providers if x.dea])
        ext = [e for e in pop.externals if e.spec == spec][0]
        day = G.svc_date(r, dt.date(2023, 1, 2), dt.date(2025, 5, 30))
        d = Doc()
        m = Mail(d)
        m.head((f"{prov.first} {prov.last}, {prov.cred}", prov.email), [(f"{ext.first} {ext.last}", ext.email)],
               [("Front Desk", pr.frontdesk_email)], f"Referral - {p.first} {p.last[0]}.", mdate(day, r))
        body = m.text(f"Dr. {ext.last},\n\nPlease find attached a referral for {p.first} {p.last} ({G.dob_label(r)} "
                      f"{d.dob(p.dob, G.dob_style(r, p.dob))}), {G.mrn_label(r, practice)} {d.v('mrn', p.mrn[practice])}. "
                      f"The reason is {r.choice(G.REASONS[spec])}. The face sheet with the insurance details is attached as well; "
                      f"please call {d.phone(pr.phone, 'paren')} if anything is missing.\n\nThank you,\n{prov.first} {prov.last}, {prov.cred}\n"
                      f"{pr.name}\n\n{G.CONFIDENTIAL[0]}\n")
        ref = referral_pdf(r, pop, p, day)
        dd = Doc()
        pages, labs = render_pages(dd, [face_sheet(dd, r, pop, p)], bold_labels=True)
        face = Item(pdf_bytes(pages, "Face sheet", "frontdesk1"), labs)
        an, fn = f"Referral - {G.strip_accents(p.last)}.pdf", "Face sheet.pdf"
        alt = multipart("alternative", [qp_text(body), qp_text(html_body(body.split("\n")), "html")], f"----=_NextPart_001_00{k}2_01DA{r.getrandbits(32):08X}")
        root = multipart("mixed", [alt, attach(an, ref.data, "application/pdf"), attach(fn, face.data, "application/pdf")],
                         f"----=_NextPart_000_00{k}1_01DA{r.getrandbits(32):08X}")
        put(f"mail/{day.year}/{day.isoformat()} Referral - {spec} - {G.strip_accents(p.last)}.eml", m.finish(root), m, [(an, ref), (fn, face)])

    # 3. critical lab results: HTML-only body (base64) and an xlsx of the batch
    day = dt.date(2024, 5, 14)
    d = Doc()
    m = Mail(d)
    prov = r.choice(fm.providers)
    m.head(("PNRL Client Services", "results@pnwreflab.com"), [(f"{prov.first} {prov.last}", prov.email)], [],
           "Critical value notification - 05/14/2024", mdate(day, r))
    p = r.choice(patients(pop, "fm"))
    lines = m.text(f"Dr. {prov.last},\n\nA critical value was called to your clinic today.\n\nPatient: {p.first} {p.last}\n"
                   f"DOB: {d.dob(p.dob, 'us')}\nMRN: {d.v('mrn', p.mrn['fm'])}\nResult: Potassium 6.3 mmol/L (critical high)\n"
                   f"Called: 10:42, read back by RN\n\nThe full batch for today is attached.\n\nClient Services {d.phone('5032417785', 'paren')}\n"
                   "Pacific Northwest Reference Laboratory\n").split("\n")
    dx = Doc()
    rows = [["Patient", "MRN", "DOB", "Test", "Result", "Flag", "Collected"]]
    for q in r.sample(patients(pop, "fm"), 18):
        name, unit, lo, hi, vlo, vhi = r.choice(G.LABS)
        v = r.uniform(vlo, vhi)
        rows.append([f"{q.last}, {q.first}", mrn_cell(dx, q, "fm", True), L(q.dob, "dob"), name, round(v, 1), "H" if v > hi else ("L" if v < lo else ""),
                     dt.datetime(2024, 5, 14, r.randint(7, 11), r.randint(0, 59))])
    shs, xl_labels = render_sheets(dx, [Sheet("Results", rows)])
    xl = Item(xlsx_bytes(shs, dt.datetime(2024, 5, 14, 12, 0), "PNRL"), xl_labels)
    root = multipart("mixed", [b64_text(html_body(lines), "html"),
                               attach("results_2024-05-14.xlsx", xl.data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")],
                     "----=_Part_4471_1318930842.1715704920031")
    put("mail/2024/Critical value notification 2024-05-14.eml", m.finish(root, "JavaMail"), m, [("results_2024-05-14.xlsx", xl)], crlf=False)

    # 4. a CSV export attached to a 7bit note
    day = dt.date(2024, 6, 3)
    tmp = G.Corpus()
    G.patient_table(tmp, "collections_2024-06.csv", pop, ["acct", "name", "phone", "email", "balance"], r, None, 40, ",",
                    extra=[("Last Stmt", lambda d, r, p, ctx: us(G.svc_date(r, dt.date(2024, 1, 2), dt.date(2024, 5, 30))))])
    f = tmp.files["collections_2024-06.csv"]
    csv_item = Item(f["text"].encode("utf-8"), f["labels"])
    d = Doc()
    m = Mail(d)
    bk = [e for e in emps if e.role == "Bookkeeper"][0]
    m.head(("Billing Office", fm.billing_email), [(f"{bk.first} {bk.last}", bk.work_email)], [], "Collections list for review", mdate(day, r))
    body = m.text("Hi,\n\nAttached is this month's collections worklist (90+ days). Please do not forward it outside the office.\n\nThanks\n")
    root = multipart("mixed", [seven_bit(body), text_attach("collections_2024-06.csv", f["text"], "csv")], "===============7613370144152735161==")
    put("mail/2024/Collections list for review.eml", m.finish(root), m, [("collections_2024-06.csv", csv_item)])

    # 5. a forwarded message (attached .eml) that carries its own PDF attachment
    p = r.choice(patients(pop, "fm"))
    ext = r.choice(MED_EXT(pop))
    day = G.svc_date(r, dt.date(2024, 1, 2), dt.date(2024, 12, 20))
    prov = p.provider
    di = Doc()
    mi = Mail(di)
    mi.head(("Medical Records", f"records@{ext.domain}"), [("Front Desk", fm.frontdesk_email)], [], f"Records request - {p.last}",
            mdate(day - dt.timedelta(days=1), r))
    body_i = mi.text(f"Hello,\n\nPlease send the records for {p.first} {p.last}, DOB {di.dob(p.dob, 'us')}, for the last two years. "
                     f"The signed authorization is attached. You can fax them to {di.phone(ext.fax, 'dash')}.\n\nThank you,\n{ext.org} - Medical Records\n")
    roi = roi_pdf(r, p, ext, day - dt.timedelta(days=3))
    inner = mi.finish(multipart("mixed", [qp_text(body_i), attach("ROI_authorization.pdf", roi.data, "application/pdf")],
                                "----=_NextPart_001_0042_01DA1C2B.5E4F7A10"))
    inner_item = Item(msg_bytes(inner, True), mi.labels, members=[("ROI_authorization.pdf", roi)])
    d = Doc()
    m = Mail(d)
    fd = [e for e in emps if e.role == "Front Desk Coordinator"][0]
    m.head((f"{fd.first} {fd.last}", fd.work_email), [(f"{prov.first} {prov.last}", prov.email)], [], f"FW: Records request - {p.last}", mdate(day, r))
    body = m.text(f"Dr. {prov.last} - forwarding the request below for {p.first} {p.last} (Acct # {d.v('mrn', p.acct)}). "
                  "OK to release? The authorization is in the attached message.\n\n" + fd.first + "\n")
    an = f"Records request - {p.last}.eml"
    root = multipart("mixed", [qp_text(body), eml_attach(an, inner)], "----=_NextPart_000_0043_01DA1C2B.5E4F7A10")
    put(f"mail/{day.year}/FW Records request - {G.strip_accents(p.last)}.eml", m.finish(root), m, [(an, inner_item)])

    # 6. multipart/alternative: the same text as plain (quoted-printable) and HTML (base64); both are read
    p = r.choice(patients(pop, "dental", lambda x: x.email is not None))
    pr = PR["dental"]
    day = dt.date(2025, 3, 18)
    d = Doc()
    m = Mail(d)
    m.head((pr.name, pr.frontdesk_email), [(f"{p.first} {p.last}", p.email)], [], "Your appointment is confirmed", mdate(day, r))
    tpl = (f"Hi {p.first},\n\nThis confirms your appointment on {us(dt.date(2025, 3, 27))} at 10:30 AM with Dr. {p.provider.last}.\n"
           f"Chart #: {d.v('mrn', p.mrn['dental'])}\nPlease arrive 10 minutes early and bring your insurance card.\n"
           f"To reschedule, call {d.phone(pr.phone, 'paren')} at least 24 hours ahead.\n\n{pr.name}\n")
    plain_t = m.text(tpl)
    alt = multipart("alternative", [qp_text(plain_t), b64_text(html_body(plain_t.split("\n")), "html")], "b1_8f0c2c7e61a04d3f9b3ad0d41d2a7c55")
    put(f"mail/2025/Appointment confirmation - {G.strip_accents(p.last)}.eml", m.finish(alt, "PHPMailer 6.8.1"), m, crlf=False)

    # 7. an eligibility letter as a docx attachment (base64 plain body)
    p = r.choice(patients(pop, "fm", lambda x: x.payer in ("regence", "bcbs", "aetna", "providence")))
    day = G.svc_date(r, dt.date(2024, 1, 2), dt.date(2024, 12, 20))
    dl = Doc()
    w = WDoc()
    w.h(dl, f"{G.payer_name(p.payer)}\nProvider Services")
    w.p(dl, longdate(day))
    w.p(dl, f"Member: {p.first} {p.last}\nMember ID: {dl.v('insurance_id', p.member)}\nDate of Birth: {dl.dob(p.dob, 'us')}\nGroup #: {p.group}")
    w.p(dl, f"Coverage under this plan ended on {us(dt.date(day.year - 1, 12, 31))}. Claims for services after that date will be denied.")
    w.p(dl, f"Questions: Provider Services {dl.phone(pop.ids.phone('800'), 'one')}")
    dx_item = Item(docx_bytes(w, when_dt(day, r), "Provider Services", "Eligibility letter"), w.labels)
    ic = [e for e in emps if e.role == "Insurance Coordinator"][0]
    d = Doc()
    m = Mail(d)
    m.head((f"{ic.first} {ic.last}", ic.work_email), [("Billing Office", fm.billing_email)], [], f"Eligibility letter - {p.last}", mdate(day, r))
    body = m.text(f"FYI - {p.first} {p.last}'s coverage was termed. Subscriber ID {d.v('insurance_id', p.member)}. "
                  "Letter attached; I left a message for the patient to bring the new card.\n")
    an = f"Eligibility letter - {G.strip_accents(p.last)}.docx"
    root = multipart("mixed", [b64_text(body), attach(an, dx_item.data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")],
                     "----=_NextPart_000_0101_01DAB3F2.0C6B1E90")
    put(f"mail/{day.year}/Eligibility letter - {G.strip_accents(p.last)}.eml", m.finish(root), m, [(an, dx_item)])

    # 8. a patient's photo of a new insurance card: the image is unsupported, the text body is read
    p = r.choice(patients(pop, "fm", lambda x: x.email is not None and x.payer not in ("medicare",) and not x.payer.startswith("medicaid")))
    day = dt.date(2024, 1, 9)
    d = Doc()
    m = Mail(d)
    m.head((f"{p.first} {p.last}", p.email), [("Front Desk", fm.frontdesk_email)], [], "new insurance card", mdate(day, r))
    body = m.text(f"Hi, I have new insurance starting this month. Member ID {d.v('insurance_id', p.member)}, group {p.group}. "
                  f"My date of birth is {d.dob(p.dob, 'us_nopad')}. A photo of the card is attached.\n\nThanks, {p.first}\n\nSent from my iPhone\n")
    img = card_image(r, p, p.member)
    root = multipart("mixed", [qp_text(body), attach("IMG_4471.jpg", img, "image/jpeg")], "Apple-Mail=_5C0E2B9D-7A41-4F5E-9C3B-2D8E61A0F7C4")
    put("mail/2024/new insurance card.eml", m.finish(root, "iPhone Mail (21C66)"), m, [("IMG_4471.jpg", Item(img, status="unsupported"))], crlf=False)

    # 9. W-2s as a password-protected PDF: the attachment is encrypted
    day = dt.date(2024, 1, 26)
    om = [e for e in emps if e.role == "Office Manager"][0]
    d = Doc()
    m = Mail(d)
    m.head((f"{bk.first} {bk.last}", bk.work_email), [(f"{om.first} {om.last}", om.work_email)], [], "W-2s 2023", mdate(day, r))
    body = m.text("Attached are the 2023 W-2s for everyone. The PDF is password protected - I'll text you the password.\n")
    lines = [Line("Form W-2 Wage and Tax Statement 2023", "Helvetica-Bold", 12)]
    for e in emps[:10]:
        lines.append(Line(f"{e.first} {e.last}   SSN {G.fmt_ssn(e.ssn or e.itin)}   Wages {e.rate * 2080:,.2f}"))
    enc = pdfencrypt.StandardEncryption("W2-2023-hfm", ownerPassword="w2-owner-5520", canPrint=1, strength=128)
    w2 = Item(pdf_bytes([lines], "W-2 2023", "bookkeeper", encrypt=enc), status="encrypted")
    root = multipart("mixed", [seven_bit(body), attach("W2_2023_all_employees.pdf", w2.data, "application/pdf")], "----=_NextPart_000_0007_01DA5088.7F1A2B30")
    put("mail/2024/W-2s 2023.eml", m.finish(root), m, [("W2_2023_all_employees.pdf", w2)])

    # 10. records as a zip attached to a message
    p = r.choice(patients(pop, "fm"))
    ext = r.choice(MED_EXT(pop))
    day = dt.date(2022, 10, 4)
    notes = src.take(r, "clinical/notes/", 2, pred=printable)
    t0, l0 = src.text(notes[0])
    pdf0 = Item(pdf_bytes(text_pages(t0), "Visit note", "records"), l0)
    t1 = src.raw(notes[1])
    zmembers = [(f"records/{base(notes[0])}.pdf", pdf0), (f"records/{base(notes[1])}.txt", t1)]
    zdata = zip_bytes([(n, it.data, zdt(day)) for n, it in zmembers])
    zitem = Item(zdata, members=zmembers)
    d = Doc()
    m = Mail(d)
    m.head(("Medical Records", f"records@{ext.domain}"), [("Front Desk", fm.frontdesk_email)], [], "Records for transfer of care", mdate(day, r))
    body = m.text(f"Attached are the records you requested, zipped. Questions: {d.phone(ext.phone, 'dash')}.\n\n{ext.org}\n")
    an = "records_transfer.zip"
    root = multipart("mixed", [qp_text(body), attach(an, zdata, "application/zip")], "----=_NextPart_000_0090_01D8D81E.2C4D5E60")
    put("mail/2022/Records for transfer of care.eml", m.finish(root), m, [(an, zitem)])

    # 11. a supplier's order confirmation: order, PO and tracking numbers; only addresses and a phone
    day = dt.date(2024, 8, 20)
    d = Doc()
    m = Mail(d)
    m.head(("Henry Schein Orders", "orders@henryschein-mail.com"), [(f"{om.first} {om.last}", om.work_email)], [],
           f"Order confirmation {r.randint(10000000, 99999999)}", mdate(day, r))
    html_lines = m.text(f"Thank you for your order.\n\nOrder #: {r.randint(100000000, 899999999)}\nPO: PO-2024-{r.randint(100, 999)}\n"
                        f"Ship date: {us(day + dt.timedelta(days=1))}\nTracking: 1Z{r.randint(100, 999)}X{r.randint(10 ** 9, 10 ** 10 - 1)}\n\n"
                        "Nitrile exam gloves, M (10 bx)   124.90\nSterilization pouches 3.5x9 (4 bx)   56.80\n\n"
                        f"Customer service: {d.phone('8003724346', 'one')}\n").split("\n")
    root = b64_text(html_body(html_lines), "html")
    put("mail/2024/Order confirmation - Henry Schein.eml", m.finish(root, "Salesforce Marketing Cloud"), m, crlf=True)

    # 12. ISO-8859-1 quoted-printable body with accented names
    p = r.choice(patients(pop, None, lambda x: x.accented and x.email is not None))
    pr = PR[p.practice]
    day = dt.date(2023, 11, 6)
    d = Doc()
    m = Mail(d)
    m.head((f"{p.first} {p.last}", p.email), [("Recepción", pr.frontdesk_email)], [], "Cita / appointment", mdate(day, r))
    body = m.text(f"Hola, soy {p.first} {p.last}. Necesito cambiar mi cita del jueves. Adjunto mi nueva tarjeta de seguro.\n"
                  f"DOB: {d.dob(p.dob, 'us')}\nMi teléfono es {d.phone(p.cell or p.phone, 'dash')}. Gracias.\n")
    dc = Doc()
    payer, ins = G.pt_ins(dc, r, p, p.practice == "dental")
    pages, labs = render_pages(dc, [f"# {payer}\nMember: {p.first.upper()} {p.last.upper()}\n{ins}\n"
                                    f"Customer service {dc.phone(pop.ids.phone('800'), 'one')}\n"], bold_labels=True)
    card = Item(pdf_bytes(pages, "Tarjeta", "scanner"), labs)
    an = f"Tarjeta de seguro - {p.last}.pdf"
    root = multipart("mixed", [qp_text(body, "plain", "iso-8859-1"), attach(an, card.data, "application/pdf")], "----=_Part_77120_1699300401")
    put("mail/2023/Cita - appointment.eml", m.finish(root, "Yahoo Mail"), m, [(an, card)])

    # 13. prior authorization approval (base64 plain body)
    p = r.choice(patients(pop, "fm", lambda x: x.member is not None))
    day = G.svc_date(r, dt.date(2024, 1, 2), dt.date(2025, 5, 30))
    d = Doc()
    m = Mail(d)
    m.head(("Utilization Management", "um-notices@regence-provider.com"), [("Billing Office", fm.billing_email)], [],
           "Prior authorization decision", mdate(day, r))
    body = m.text(f"Decision: APPROVED\nMember: {p.first} {p.last}\nMember ID: {d.v('insurance_id', p.member)}\n"
                  f"DOB: {d.dob(p.dob, 'iso')}\nAuth #: {r.randint(100000000, 899999999)}\nService: MRI lumbar spine w/o contrast (72148)\n"
                  f"Valid: {us(day)} - {us(day + dt.timedelta(days=90))}\n")
    put(f"mail/{day.year}/Prior authorization decision {day.isoformat()}.eml", m.finish(b64_text(body), "Regence Provider Portal"), m)

    # mbox: several messages in one file; each message is a member (message-1, message-2 ...)
    d = Doc()
    msgs = []
    chunks = []
    specs = ["patient", "confirm", "results", "it", "billing", "lab"]
    for k, kind in enumerate(specs):
        day = dt.date(2023, 2 + k, 3 + 2 * k)
        m = Mail(d)
        if kind == "patient":
            p = r.choice(patients(pop, "fm", lambda x: x.email is not None))
            m.head((f"{p.first} {p.last}", p.email), [("Front Desk", fm.frontdesk_email)], [], "need to reschedule", mdate(day, r))
            msg = seven_bit(m.text(f"Hi, I can't make it Thursday. Can you call me at {d.phone(p.cell or p.phone, 'dash')}? - {p.first}\n")) \
                if p.first.isascii() and p.last.isascii() else qp_text(m.text(f"Hi, I can't make it Thursday. Can you call me at {d.phone(p.cell or p.phone, 'dash')}? - {p.first}\n"))
        elif kind == "confirm":
            p = r.choice(patients(pop, "peds", lambda x: x.email is not None))
            m.head(("Front Desk", PR["peds"].frontdesk_email), [(f"{p.guardian.first} {p.guardian.last}", p.email)], [], "Appointment reminder", mdate(day, r))
            msg = qp_text(m.text(f"Reminder: {p.first} has a well-child visit on {us(day + dt.timedelta(days=2))} at 9:00 AM.\n"
                                 f"Patient ID: {d.v('mrn', p.mrn['peds'])}\nPlease bring the immunization record. Reply STOP to opt out of e-mail reminders.\n"))
        elif kind == "results":
            p = r.choice(patients(pop, "fm"))
            prov = p.provider
            m.head((f"{prov.first} {prov.last}", prov.email), [("Front Desk", fm.frontdesk_email)], [], "please call pt", mdate(day, r))
            msg = b64_text(m.text(f"Please call {p.first} {p.last} ({G.dob_label(r)} {d.dob(p.dob, 'us')}) - labs are fine, "
                                  "recheck in 6 months. Thanks\n"))
        elif kind == "it":
            m.head(("Coastal IT Solutions", "helpdesk@coastal-it.net"), [("All Staff", f"staff@{fm.domain}")], [], "Server maintenance Saturday", mdate(day, r))
            msg = b64_text(html_body(m.text("The file server will be offline Saturday 8 PM to midnight for updates.\n"
                                            "Save your work and log off Friday evening. Ticket TKT-48812.\n").split("\n")), "html")
        elif kind == "billing":
            p = r.choice(patients(pop, None, lambda x: x.email is not None))
            m.head((f"{p.first} {p.last}", p.email), [("Billing", fm.billing_email)], [], "question about my statement", mdate(day, r))
            msg = qp_text(m.text(f"Hello, my statement shows a balance but insurance should have paid. Acct # {d.v('mrn', p.acct)}. "
                                 f"Policy # {d.v('insurance_id', p.member or p.dental_member)}.\n"))
        else:
            # the corrected report (a lab report made by generate.py) and the patient it is about
            lab = src.take(r, "lab/results/", 1, pred=lambda p_, f: printable(p_, f) and "PATIENT: " in f["text"])[0]
            lt, ll = src.text(lab)
            who = re.search(r"PATIENT: (.+), (.+) [A-Z]\r?\n", lt)
            p = [x for x in pop.patients if x.last.upper() == who.group(1) and x.first.upper() == who.group(2)][0]
            prov = p.provider
            m.head(("PNRL Client Services", "results@pnwreflab.com"), [(f"{prov.first} {prov.last}", prov.email)], [], "Corrected report", mdate(day, r))
            html_part = b64_text(html_body(m.text(f"A corrected report was issued.\nPatient: {p.first} {p.last}\nMRN: {d.v('mrn', p.mrn[p.practice])}\n"
                                                  f"DOB: {d.dob(p.dob, 'us')}\nCorrection: specimen collection time. The corrected report is attached.\n").split("\n")), "html")
            att = Item(pdf_bytes(text_pages(lt), "Corrected report", "PNRL"), ll)
            msg = multipart("mixed", [html_part, attach("corrected_report.pdf", att.data, "application/pdf")], "----=_Part_9912_20230713")
        m.finish(msg, "Microsoft Outlook 16.0")
        raw = msg_bytes(msg, False)
        raw = re.sub(rb"(?m)^(>*From )", rb">\1", raw)
        stamp = mdate(day, r).strftime("%a %b %d %H:%M:%S %Y")
        chunks.append(f"From - {stamp}\n".encode() + raw + (b"" if raw.endswith(b"\n") else b"\n") + b"\n")
        msgs.append((f"message-{k + 1}", Item(raw, m.labels, members=[("corrected_report.pdf", att)] if kind == "lab" else [])))
    c.add("mail/archive/frontdesk-2023.mbox", Item(b"".join(chunks), members=msgs))


# ----------------------------------------------------------------------------------------------
# Archives
# ----------------------------------------------------------------------------------------------

def tar_bytes(members: list[tuple[str, bytes]], mtime: dt.datetime, dirs=()) -> bytes:
    ts = int(mtime.replace(tzinfo=dt.timezone.utc).timestamp())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for dname in dirs:
            ti = tarfile.TarInfo(dname)
            ti.type, ti.mode, ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = tarfile.DIRTYPE, 0o755, ts, 1000, 1000, "backup", "backup"
            t.addfile(ti)
        for k, (name, data) in enumerate(members):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = len(data), 0o644, ts - 60 * k, 1000, 1000, "backup", "backup"
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def gz_bytes(data: bytes, mtime: dt.datetime, fname: str = "") -> bytes:
    buf = io.BytesIO()
    ts = int(mtime.replace(tzinfo=dt.timezone.utc).timestamp())
    with gzip.GzipFile(filename=fname, mode="wb", fileobj=buf, compresslevel=9, mtime=ts) as g:
        g.write(data)
    return buf.getvalue()


def sevenz_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as s:
        for name, data in members:
            s.writestr(data, name)
    return buf.getvalue()


def aes_zip_bytes(members: list[tuple[str, bytes]], password: bytes, when: tuple) -> bytes:
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as z:
        z.setpassword(password)
        for name, data in members:
            zi = pyzipper.zipfile_aes.AESZipInfo(name, date_time=when)
            zi.compress_type = pyzipper.ZIP_DEFLATED
            zi.external_attr = 0x20
            z.writestr(zi, data)
    return buf.getvalue()


def bomb_zip_bytes(name: str, size: int, when: tuple) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compresslevel=9) as z:
        zi = zipfile.ZipInfo(name, date_time=when)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.file_size = size
        chunk = bytes(1 << 20)
        with z.open(zi, "w", force_zip64=False) as f:
            for _ in range(size >> 20):
                f.write(chunk)
    return buf.getvalue()


def container(members: list[tuple[str, Item]], builder) -> Item:
    return Item(builder([(n, it.data) for n, it in members]), members=members)


def small_roster_xlsx(r: random.Random, pop, practice: str, n: int, when: dt.datetime) -> Item:
    d = Doc()
    hdr_id = {"fm": "MRN", "dental": "Chart #", "peds": "Patient ID"}[practice]
    rows = [[hdr_id, "Patient", "DOB", "Phone", "Member ID"]]
    for p in r.sample(patients(pop, practice), n):
        rows.append([mrn_cell(d, p, practice, True), f"{p.last}, {p.first}", L(p.dob, "dob"), d.phone(p.phone, "dash"), member_cell(d, p, r, practice)])
    shs, labels = render_sheets(d, [Sheet("Patients", rows)])
    return Item(xlsx_bytes(shs, when, "export"), labels)


def gen_archives(c: DocsCorpus, pop, src: Src):
    r = rng("archives")

    def srcitem(path: str) -> Item:
        return src.raw(path)

    def pdf_of(path: str) -> Item:
        text, labels = src.text(path)
        return Item(pdf_bytes(text_pages(text), base(path), "records"), labels)

    def docx_of(path: str) -> Item:
        text, labels = src.text(path)
        w = text_wdoc(text, labels)
        return Item(docx_bytes(w, dt.datetime(2023, 4, 5, 10, 0), "records", base(path)), w.labels)

    # 1. a year of referrals: PDF, docx, text and a macOS .DS_Store (unsupported binary)
    day = dt.date(2024, 1, 5)
    mem = []
    for k in range(2):
        p = r.choice(patients(pop, "fm", lambda x: x.accented == (k == 0)))
        mem.append((f"Referrals 2023/Referral - {p.last}.pdf", referral_pdf(r, pop, p, G.svc_date(r, dt.date(2023, 1, 2), dt.date(2023, 12, 20)))))
    p = r.choice(patients(pop, "peds"))
    d = Doc()
    w = referral_wdoc(d, r, pop, p, dt.date(2023, 8, 14), with_table=True, comments=True)
    mem.append((f"Referrals 2023/Referral letter - {G.strip_accents(p.last)}.docx", Item(docx_bytes(w, dt.datetime(2023, 8, 14, 15, 20), "frontdesk2", "Referral"), w.labels)))
    fx = src.take(r, "clinical/referrals/20", 1, ".txt", pred=lambda p_, f: "fax_referral" in p_)[0]
    mem.append((f"Referrals 2023/{os.path.basename(fx)}", srcitem(fx)))
    ds = b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00" + bytes(r.getrandbits(8) & 0x7F for _ in range(500)) + bytes(3000)
    mem.append(("Referrals 2023/.DS_Store", Item(ds, status="unsupported")))
    c.add("archive/referrals_2023.zip", Item(zip_bytes([(n, it.data, zdt(day)) for n, it in mem], system=3), members=mem))

    # 2. records transfer: zip in zip in zip
    day = dt.date(2022, 9, 30)
    notes = src.take(r, "clinical/notes/", 3, pred=lambda p_, f: f["enc"] in ("utf-8", "utf-8-sig", "cp1252"))
    hl7 = src.take(r, "lab/hl7/adt/", 1)
    lvl3 = [(f"notes/{os.path.basename(x)}", srcitem(x)) for x in notes] + [(f"interface/{os.path.basename(hl7[0])}", srcitem(hl7[0]))]
    z3 = Item(zip_bytes([(n, it.data, zdt(day)) for n, it in lvl3]), members=lvl3)
    lvl2a = [("patient_list.xlsx", small_roster_xlsx(r, pop, "fm", 12, dt.datetime(2022, 9, 29, 17, 0))), ("notes.zip", z3)]
    z2a = Item(zip_bytes([(n, it.data, zdt(day)) for n, it in lvl2a]), members=lvl2a)
    lab = src.take(r, "lab/results/", 1, pred=printable)[0]
    oru = src.take(r, "lab/hl7/results/", 1)[0]
    lvl2b = [(f"labs/{base(lab)}.pdf", pdf_of(lab)), (f"labs/{os.path.basename(oru)}", srcitem(oru))]
    z2b = Item(zip_bytes([(n, it.data, zdt(day)) for n, it in lvl2b]), members=lvl2b)
    ref = src.take(r, "clinical/referrals/20", 1, ".txt", pred=lambda p_, f: printable(p_, f) and "Referral - Dr" in p_)[0]
    lvl1 = [("transfer_letter.pdf", pdf_of(ref)), ("batch_01.zip", z2a), ("batch_02.zip", z2b)]
    c.add("archive/records_transfer_2022.zip", Item(zip_bytes([(n, it.data, zdt(day)) for n, it in lvl1]), members=lvl1))

    # 3. billing exports: CSV/TSV, X12, xlsx and a LibreOffice lock file
    day = dt.date(2022, 1, 10)
    mem = [(f"exports/{os.path.basename(x)}", srcitem(x)) for x in src.take(r, "billing/20", 2, pred=lambda p_, f: "charges_" in p_)]
    mem += [(f"claims/{os.path.basename(x)}", srcitem(x)) for x in src.take(r, "claims/837/", 1) + src.take(r, "claims/835/", 1)]
    mem.append(("exports/eligibility_2021-12.xlsx", small_roster_xlsx(r, pop, "dental", 15, dt.datetime(2021, 12, 30, 9, 0))))
    mem.append(("exports/.~lock.eligibility_2021-12.xlsx#", Item(b",billing,BILLING-01,30.12.2021 09:12,file:///C:/Users/billing/AppData/Roaming/LibreOffice/4;\n")))
    c.add("archive/billing_exports_2021.zip", Item(zip_bytes([(n, it.data, zdt(day)) for n, it in mem]), members=mem))

    # 4. a scan batch: an image-only PDF (no_text), a PNG (unsupported), OCR text, a PDF with a text layer
    day = dt.date(2024, 2, 29)
    p = r.choice(patients(pop, "dental"))
    img = scanned_page_image([f"PATIENT: {p.first} {p.last}", f"DOB {us(p.dob)}", "Dental history form - page 1", "",
                              "[x] bleeding gums   [ ] sensitivity   [x] grinding"], r)
    mem = [("SCAN_20240229_0001.pdf", Item(image_pdf_bytes([img], "SCAN_20240229_0001"), status="no_text"))]
    pbuf = io.BytesIO()
    img.resize((318, 412)).convert("1").save(pbuf, "PNG", optimize=False)
    mem.append(("SCAN_20240229_0001_thumb.png", Item(pbuf.getvalue(), status="unsupported")))
    mem += [(os.path.basename(x), srcitem(x)) for x in src.take(r, "scans-export/20", 2, pred=lambda p_, f: f["enc"] != "utf-16le")]
    eob = src.take(r, "scans-export/eob/", 1, pred=printable)[0]
    mem.append((f"{base(eob)}.pdf", pdf_of(eob)))
    c.add("archive/scans_2024-02.zip", Item(zip_bytes([(n, it.data, zdt(day)) for n, it in mem], system=3), members=mem))

    # 5. AES-encrypted zip: every member is encrypted
    day = dt.date(2024, 1, 31)
    emps = pop.employees
    lines = [Line("W-2 2023 - employee copies", "Helvetica-Bold", 12)] + [Line(f"{e.first} {e.last}  SSN {G.fmt_ssn(e.ssn or e.itin)}") for e in emps[10:22]]
    rows = "Employee,SSN,Gross\n" + "".join(f"{e.last} {e.first},{e.ssn or e.itin},{e.rate * 2080:.2f}\n" for e in emps)
    mem = [("W2_2023.pdf", Item(pdf_bytes([lines], "W-2", "bookkeeper"), status="encrypted")),
           ("payroll_2023.xlsx", Item(small_roster_xlsx(r, pop, "fm", 5, dt.datetime(2024, 1, 30, 8, 0)).data, status="encrypted")),
           ("ssn_list.csv", Item(rows.encode("utf-8"), status="encrypted"))]
    c.add("archive/payroll_2023_ENCRYPTED.zip", Item(aes_zip_bytes([(n, it.data) for n, it in mem], b"Payroll#2023", zdt(day)), members=mem))

    # 6. a small zip bomb: one member, 200 MiB of zeros, about 200 KB compressed: error
    c.add("archive/scanner_backup_full.zip",
          Item(bomb_zip_bytes("scanner_backup/disk.img", 200 << 20, zdt(dt.date(2023, 5, 2))), members=[("scanner_backup/disk.img", Item(b"", status="error"))]))

    # 7. tar of interface files (with directory entries)
    mem = [(f"hl7/{os.path.basename(x)}", srcitem(x)) for x in src.take(r, "lab/hl7/", 4)]
    mem += [(f"x12/{os.path.basename(x)}", srcitem(x)) for x in src.take(r, "claims/270/", 1) + src.take(r, "claims/837/", 1)]
    c.add("IT/backup/hl7_interface_2023.tar", container(mem, lambda ms: tar_bytes(ms, dt.datetime(2023, 12, 31, 2, 0), dirs=["hl7", "x12"])))

    # 8. tar.gz of FHIR exports; 9. .tgz of nightly PM exports (csv, xls, ods, docx)
    mem = [(f"fhir/{os.path.basename(x)}", srcitem(x)) for x in src.take(r, "fhir/", 4)]
    t = container(mem, lambda ms: tar_bytes(ms, dt.datetime(2024, 5, 31, 23, 0)))
    c.add("IT/backup/fhir_export_2024-05.tar.gz", Item(gz_bytes(t.data, dt.datetime(2024, 5, 31, 23, 5)), members=t.members))
    mem = [(f"pm/{os.path.basename(x)}", srcitem(x)) for x in src.take(r, "front-desk/schedules/20", 2, ".csv")]
    d = Doc()
    rows = [["Chart #", "Patient", "DOB", "Balance"]]
    for p in r.sample(patients(pop, "dental"), 15):
        rows.append([d.v("mrn", p.mrn["dental"]), f"{p.last}, {p.first}", L(p.dob, "dob"), float(round(r.uniform(0, 400), 2))])
    shs, labels = render_sheets(d, [Sheet("Balances", rows)])
    mem.append(("pm/dental_balances.xls", Item(xls_bytes(shs), labels)))
    d = Doc()
    rows = [["Patient ID", "Child", "Birth Date", "Guardian Phone"]]
    for p in r.sample(patients(pop, "peds"), 12):
        rows.append([d.v("mrn", p.mrn["peds"]), f"{p.last}, {p.first}", L(p.dob, "dob"), d.phone(p.cell or p.phone, "dash")])
    shs, labels = render_sheets(d, [Sheet("Peds", rows)])
    mem.append(("pm/peds_contacts.ods", Item(ods_bytes(shs, dt.datetime(2024, 6, 1, 1, 0), "pm-export", "peds_contacts"), labels)))
    mem.append(("pm/letters/" + "visit_note.docx", docx_of(src.take(r, "clinical/notes/", 1, pred=printable)[0])))
    t = container(mem, lambda ms: tar_bytes(ms, dt.datetime(2024, 6, 1, 1, 30)))
    c.add("IT/backup/pm_nightly_2024-06-01.tgz", Item(gz_bytes(t.data, dt.datetime(2024, 6, 1, 1, 31)), members=t.members))

    # 10-13. single-file compression: .csv.gz, .hl7.bz2, .json.xz; and a .tar.bz2 / .tar.xz
    tmp = G.Corpus()
    G.patient_table(tmp, "patients_2024-12-31.csv", pop, ["mrn", "last", "first", "dob", "phone", "email", "city", "member"], r, "fm", 80, ",")
    f = tmp.files["patients_2024-12-31.csv"]
    inner = Item(f["text"].encode("utf-8"), f["labels"])
    c.add("billing/exports/patients_2024-12-31.csv.gz", Item(gz_bytes(inner.data, dt.datetime(2024, 12, 31, 23, 0), "patients_2024-12-31.csv"),
                                                             members=[("patients_2024-12-31.csv", inner)]))
    big = max(src.paths("lab/hl7/results/"), key=lambda x: len(src.c.files[x]["text"]))
    src.used.add(big)
    c.add(f"lab/hl7/archive/{os.path.basename(big)}.bz2", Item(bz2.compress(srcitem(big).data, 9), members=[(os.path.basename(big), srcitem(big))]))
    fj = src.take(r, "fhir/bundles/", 1)[0]
    c.add(f"fhir/exports/{os.path.basename(fj)}.xz", Item(lzma.compress(srcitem(fj).data, format=lzma.FORMAT_XZ, preset=6),
                                                        members=[(os.path.basename(fj), srcitem(fj))]))
    mem = [(f"837/{os.path.basename(x)}", srcitem(x)) for x in src.take(r, "claims/837/", 3)]
    t = container(mem, lambda ms: tar_bytes(ms, dt.datetime(2022, 1, 2, 3, 0)))
    c.add("claims/archive/837_2021.tar.bz2", Item(bz2.compress(t.data, 9), members=t.members))
    e = r.choice(pop.employees)
    d = Doc()
    nh = new_hire_wdoc(d, r, pop, e)
    chk = src.take(r, "hr/", 1, ".txt", pred=lambda p_, f: printable(p_, f) and "new_hire_checklist" in p_)[0]
    mem = [(f"hr/{G.strip_accents(e.last)}/new hire information.docx", Item(docx_bytes(nh, dt.datetime(2022, 3, 1, 9, 0), "office.manager", "New hire"), nh.labels)),
           ("hr/checklists/new_hire_checklist.pdf", pdf_of(chk)),
           ("hr/benefits_2022.xlsx", small_roster_xlsx(r, pop, "fm", 6, dt.datetime(2022, 2, 1, 9, 0)))]
    t = container(mem, lambda ms: tar_bytes(ms, dt.datetime(2022, 12, 31, 4, 0), dirs=["hr", "hr/checklists"]))
    c.add("IT/backup/hr_2022.tar.xz", Item(lzma.compress(t.data, format=lzma.FORMAT_XZ, preset=6), members=t.members))

    # 14-15. 7z archives with office documents, PDFs, text and a message
    mem = [("Documents/visit_note.docx", docx_of(src.take(r, "clinical/notes/", 1, pred=printable)[0])),
           ("Documents/patients.xlsx", small_roster_xlsx(r, pop, "peds", 10, dt.datetime(2021, 6, 1, 12, 0))),
           ("Documents/lab_report.pdf", pdf_of(src.take(r, "lab/results/", 1, pred=printable)[0])),
           ("Desktop/phone messages.txt", srcitem(src.take(r, "front-desk/call-logs/", 1, pred=lambda p_, f: f["enc"] != "utf-16le")[0]))]
    p = r.choice(patients(pop, "fm", lambda x: x.email is not None))
    d = Doc()
    m = Mail(d)
    m.head((f"{p.first} {p.last}", p.email), [("Front Desk", PR["fm"].frontdesk_email)], [], "refill", mdate(dt.date(2021, 5, 20), r))
    body = m.text(f"Please refill my lisinopril. DOB {d.dob(p.dob, 'us')}, phone {d.phone(p.phone, 'dash')}.\n")
    msg = m.finish(qp_text(body))
    mem.append(("Outlook/refill request.eml", Item(msg_bytes(msg, True), m.labels)))
    c.add("archive/old_workstation_docs.7z", container(mem, sevenz_bytes))
    mem = []
    for x in src.take(r, "clinical/treatment-plans/", 1, pred=printable):
        text, labels = src.text(x)
        w = text_wdoc(text, labels)
        mem.append((f"plans/{base(x)}.odt", Item(odt_bytes(w, dt.datetime(2021, 3, 3, 11, 0), "hygiene", base(x)), w.labels)))
    d = Doc()
    rows = [["Chart #", "Patient", "DOB", "Next Recall"]]
    for p in r.sample(patients(pop, "dental"), 10):
        rows.append([d.v("mrn", p.mrn["dental"]), f"{p.last}, {p.first}", L(p.dob, "dob"), G.svc_date(r, dt.date(2021, 6, 1), dt.date(2021, 12, 20))])
    shs, labels = render_sheets(d, [Sheet("Recall", rows)])
    mem.append(("recall_2021.ods", Item(ods_bytes(shs, dt.datetime(2021, 5, 28, 16, 0), "hygiene", "recall_2021"), labels)))
    mem.append(("referral.pdf", pdf_of(src.take(r, "clinical/referrals/dental/", 1, pred=printable)[0])))
    c.add("archive/dental_reports_2021.7z", container(mem, sevenz_bytes))

    # 16. exported messages in a zip, and a Word file truncated in transfer (error)
    mem = []
    for k in range(2):
        p = r.choice(patients(pop, "fm"))
        ext = r.choice(MED_EXT(pop))
        day = dt.date(2022, 4 + k, 11)
        dm = Doc()
        m = Mail(dm)
        m.head(("Medical Records", f"records@{ext.domain}"), [("Front Desk", PR["fm"].frontdesk_email)], [], f"Records request - {p.last}", mdate(day, r))
        body = m.text(f"Please send records for {p.first} {p.last}, DOB {dm.dob(p.dob, 'us')}. Authorization attached.\n")
        roi = roi_pdf(r, p, ext, day)
        msg = multipart("mixed", [qp_text(body), attach("authorization.pdf", roi.data, "application/pdf")], f"----=_Part_{k}_20220411")
        m.finish(msg)
        mem.append((f"Inbox/Records request - {G.strip_accents(p.last)}.eml", Item(msg_bytes(msg, True), m.labels, members=[("authorization.pdf", roi)])))
    broken = docx_of(src.take(r, "clinical/notes/", 1, pred=printable)[0])
    mem.append(("Attachments/visit summary.docx", Item(broken.data[: len(broken.data) // 2], status="error")))
    c.add("archive/email_export_2022.zip", Item(zip_bytes([(n, it.data, zdt(dt.date(2022, 6, 1))) for n, it in mem]), members=mem))


# ----------------------------------------------------------------------------------------------
# Self-check: read every file back from its bytes, give its text to generate.py's oracle
# ----------------------------------------------------------------------------------------------

TEXT_ORACLE_EXTS = {".csv", ".tsv", ".hl7", ".x12", ".837", ".835", ".edi", ".json"}
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp"}
BOMB_LIMIT = 64 << 20          # a member declaring more than this is not expanded: error


def ext_of(name: str) -> str:
    n = name.lower()
    for e in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz"):
        if n.endswith(e):
            return e
    return os.path.splitext(n)[1]


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


class Extracted:
    def __init__(self, status: str = "scanned", segs=None, reason: str = ""):
        self.status, self.segs, self.reason = status, list(segs or []), reason


class Reader:
    """Reference extraction of every file and member: status and text segments.
    Segment modes: an oracle extension ('.txt', '.csv', '.hl7'...), 'sheet' (tab-separated
    rows, header found as phiscan finds it) or 'table' (tab-separated, first row the header)."""

    def __init__(self):
        self.out: dict[str, Extracted] = {}
        self.notes: list[str] = []

    def visit(self, path: str, name: str, data) -> None:
        ext = ext_of(name)
        try:
            if ext == ".pdf":
                self.out[path] = self.pdf(data)
            elif ext in (".xlsx", ".xls", ".ods"):
                self.out[path] = self.sheets(path, ext, data)
            elif ext == ".docx":
                self.out[path] = self.docx(data)
            elif ext == ".odt":
                self.out[path] = self.odt(data)
            elif ext == ".eml":
                self.out[path] = self.eml(path, data)
            elif ext == ".mbox":
                self.out[path] = self.mbox(path, data)
            elif ext == ".zip":
                self.out[path] = self.zip(path, data)
            elif ext in (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz"):
                self.out[path] = self.tar(path, data)
            elif ext in (".gz", ".bz2", ".xz"):
                inner = {".gz": gzip.decompress, ".bz2": bz2.decompress, ".xz": lzma.decompress}[ext](data)
                iname = name[: -len(ext)].rsplit("/", 1)[-1]
                self.out[path] = Extracted()
                self.visit(f"{path}!/{iname}", iname, inner)
            elif ext == ".7z":
                self.out[path] = self.sevenz(path, data)
            elif ext in IMAGE_EXTS:
                self.out[path] = Extracted("unsupported", reason="image (needs OCR)")
            elif ext in TEXT_ORACLE_EXTS or b"\x00" not in data[:4096] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
                self.out[path] = Extracted(segs=[(ext if ext in TEXT_ORACLE_EXTS else ".txt", decode_text(data))])
            else:
                self.out[path] = Extracted("unsupported", reason="binary of no known format")
        except Exception as e:   # noqa: BLE001 - any failure to read is the file's status
            self.out[path] = Extracted("error", reason=f"{type(e).__name__}: {e}"[:200])

    # -- documents --
    def pdf(self, data: bytes) -> Extracted:
        rd = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if rd.is_encrypted and not rd.decrypt(""):
            return Extracted("encrypted")
        pages = [pg.extract_text() or "" for pg in rd.pages]
        if not pages:
            return Extracted("error", reason="no pages")
        if not any(re.search(r"\w", t) for t in pages):
            return Extracted("no_text")
        return Extracted(segs=[(".txt", "\n".join(pages))])

    def sheets(self, path: str, ext: str, data: bytes) -> Extracted:
        if ext == ".xlsx":
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
            grids = [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
        elif ext == ".xls":
            bk = xlrd.open_workbook(file_contents=data)
            grids = []
            for sh in bk.sheets():
                rows = []
                for ri in range(sh.nrows):
                    row = []
                    for ci in range(sh.ncols):
                        cell = sh.cell(ri, ci)
                        if cell.ctype == xlrd.XL_CELL_DATE:
                            row.append(xlrd.xldate_as_datetime(cell.value, bk.datemode))
                        elif cell.ctype == xlrd.XL_CELL_NUMBER:
                            row.append(cell.value)
                        elif cell.ctype == xlrd.XL_CELL_TEXT:
                            row.append(cell.value)
                        else:
                            row.append(None)
                    rows.append(row)
                grids.append((sh.name, rows))
        else:
            grids = odf_sheets(data)
        segs = []
        for title, rows in grids:
            lines = tsv_lines(rows)
            if lines:
                segs.append(("sheet", "\n".join(lines) + "\n"))
        # cross-check with calamine (what phiscan reads spreadsheets with)
        cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        cal_segs = []
        for nm in cal.sheet_names:
            rows = cal.get_sheet_by_name(nm).to_python(skip_empty_area=False)
            rows = [[None if v == "" else v for v in row] for row in rows]
            lines = tsv_lines(rows)
            if lines:
                cal_segs.append(("sheet", "\n".join(lines) + "\n"))
        if cal_segs != segs:
            a = "".join(t for _, t in segs).split("\n")
            b = "".join(t for _, t in cal_segs).split("\n")
            diff = next(((x, y) for x, y in zip(a, b) if x != y), (len(a), len(b)))
            self.notes.append(f"{path}: calamine reads the cells differently: {diff}")
        return Extracted(segs=segs)

    def docx(self, data: bytes) -> Extracted:
        from docx.table import Table
        from docx.text.paragraph import Paragraph
        document = docx.Document(io.BytesIO(data))
        segs = []
        sec = document.sections[0]
        if not sec.header.is_linked_to_previous:
            segs.append((".txt", "\n".join(p.text for p in sec.header.paragraphs) + "\n"))
        para = []
        for child in document.element.body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                para.append(Paragraph(child, document).text)
            elif tag == "tbl":
                if para:
                    segs.append((".txt", "\n".join(para) + "\n"))
                    para = []
                t = Table(child, document)
                segs.append(("table", "\n".join("\t".join(c.text.replace("\n", " ") for c in row.cells) for row in t.rows) + "\n"))
        if para:
            segs.append((".txt", "\n".join(para) + "\n"))
        if not sec.footer.is_linked_to_previous:
            segs.append((".txt", "\n".join(p.text for p in sec.footer.paragraphs) + "\n"))
        for cm in document.comments:
            segs.append((".txt", cm.text + "\n"))
        return Extracted(segs=segs)

    def odt(self, data: bytes) -> Extracted:
        doc = odf.opendocument.load(io.BytesIO(data))
        T, S, TB = odf.namespaces.TEXTNS, odf.namespaces.STYLENS, odf.namespaces.TABLENS
        notes: list[str] = []
        segs = []

        def paras(el):
            return [odf_el_text(x, notes) for x in el.childNodes if getattr(x, "qname", None) in ((T, "p"), (T, "h"))]
        header, footer = [], []
        for mp in doc.masterstyles.childNodes:
            for part in mp.childNodes:
                if part.qname == (S, "header"):
                    header += paras(part)
                elif part.qname == (S, "footer"):
                    footer += paras(part)
        if header:
            segs.append((".txt", "\n".join(header) + "\n"))
        para = []
        for el in doc.text.childNodes:
            q = getattr(el, "qname", None)
            if q in ((T, "p"), (T, "h")):
                para.append(odf_el_text(el, notes))
            elif q == (TB, "table"):
                if para:
                    segs.append((".txt", "\n".join(para) + "\n"))
                    para = []
                rows = []
                for tr in el.getElementsByType(odf.table.TableRow):
                    rows.append("\t".join(" ".join(paras(tc)) for tc in tr.childNodes if tc.qname == (TB, "table-cell")))
                segs.append(("table", "\n".join(rows) + "\n"))
        if para:
            segs.append((".txt", "\n".join(para) + "\n"))
        if footer:
            segs.append((".txt", "\n".join(footer) + "\n"))
        for n in notes:
            segs.append((".txt", n + "\n"))
        return Extracted(segs=segs)

    # -- mail --
    def message_segs(self, path: str, msg) -> list:
        head = "".join(f"{h}: {msg[h]}\n" for h in ("From", "To", "Cc", "Subject", "Date") if msg[h] is not None)
        segs = [(".txt", head)]

        def walk(part):
            ctype = part.get_content_type()
            fn = part.get_filename()
            if ctype == "message/rfc822":
                inner = part.get_payload()[0]
                iname = fn or "message.eml"
                self.out[f"{path}!/{iname}"] = Extracted(segs=self.message_segs(f"{path}!/{iname}", inner))
            elif ctype == "multipart/alternative":
                # versions of the same content (RFC 2046): the plain text one is the message's text
                alts = list(part.iter_parts())
                plain = [x for x in alts if x.get_content_type() == "text/plain" and not x.get_filename()]
                walk(plain[0] if plain else alts[0])
            elif part.is_multipart():
                for sub in part.iter_parts():
                    walk(sub)
            elif fn:
                self.visit(f"{path}!/{fn}", fn, part.get_payload(decode=True))
            elif ctype == "text/plain":
                segs.append((".txt", part.get_content()))
            elif ctype == "text/html":
                segs.append((".txt", html_to_text(part.get_content())))
        walk(msg)
        return segs

    def eml(self, path: str, data) -> Extracted:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        return Extracted(segs=self.message_segs(path, msg))

    def mbox(self, path: str, data: bytes) -> Extracted:
        """Each message is a member named message-N (1-based), read like an .eml."""
        with tempfile.TemporaryDirectory() as td:
            fn = os.path.join(td, "x.mbox")
            with open(fn, "wb") as fh:
                fh.write(data)
            box = mailbox.mbox(fn, create=False)
            for i, key in enumerate(box.keys()):
                self.visit(f"{path}!/message-{i + 1}", "message.eml", box.get_bytes(key))
            box.close()
        return Extracted()

    # -- archives --
    def zip(self, path: str, data: bytes) -> Extracted:
        zf = zipfile.ZipFile(io.BytesIO(data))
        for info in zf.infolist():
            if info.is_dir():
                continue
            mpath = f"{path}!/{info.filename}"
            if info.flag_bits & 0x1:
                self.out[mpath] = Extracted("encrypted")
            elif info.file_size > BOMB_LIMIT:
                self.out[mpath] = Extracted("error", reason=f"declares {info.file_size} bytes from {info.compress_size}: not expanded")
            else:
                try:
                    mdata = zf.read(info)
                except Exception as e:   # noqa: BLE001
                    self.out[mpath] = Extracted("error", reason=str(e))
                    continue
                self.visit(mpath, info.filename, mdata)
        return Extracted()

    def tar(self, path: str, data: bytes) -> Extracted:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as t:
            for m in t.getmembers():
                if m.isfile():
                    self.visit(f"{path}!/{m.name}", m.name, t.extractfile(m).read())
        return Extracted()

    def sevenz(self, path: str, data: bytes) -> Extracted:
        from py7zr.io import BytesIOFactory
        with py7zr.SevenZipFile(io.BytesIO(data)) as s:
            names = [f.filename for f in s.files if not f.is_directory]
            fac = BytesIOFactory(BOMB_LIMIT)
            s.extractall(factory=fac)
        for n in names:
            prod = fac.products[n]
            prod.seek(0)
            self.visit(f"{path}!/{n}", n, prod.read())
        return Extracted()


def odf_el_text(el, notes: list) -> str:
    """Text of an ODF paragraph: text:s as spaces, text:tab, line breaks; annotations collected apart."""
    T, O = odf.namespaces.TEXTNS, odf.namespaces.OFFICENS
    out = []
    for n in el.childNodes:
        if n.nodeType == n.TEXT_NODE:
            out.append(n.data)
        elif n.qname == (T, "s"):
            out.append(" " * int(n.attributes.get((T, "c"), "1")))
        elif n.qname == (T, "tab"):
            out.append("\t")
        elif n.qname == (T, "line-break"):
            out.append("\n")
        elif n.qname == (O, "annotation"):
            notes.append("\n".join(odf_el_text(x, notes) for x in n.childNodes if getattr(x, "qname", None) == (T, "p")))
        else:
            out.append(odf_el_text(n, notes))
    return "".join(out)


def odf_sheets(data: bytes):
    doc = odf.opendocument.load(io.BytesIO(data))
    T, TB, O = odf.namespaces.TEXTNS, odf.namespaces.TABLENS, odf.namespaces.OFFICENS
    grids = []
    for tbl in doc.spreadsheet.childNodes:
        if tbl.qname != (TB, "table"):
            continue
        rows = []
        for tr in tbl.childNodes:
            if tr.qname != (TB, "table-row"):
                continue
            row = []
            for tc in tr.childNodes:
                if tc.qname not in ((TB, "table-cell"), (TB, "covered-table-cell")):
                    continue
                rep = int(tc.attributes.get((TB, "number-columns-repeated"), "1"))
                vt = tc.attributes.get((O, "value-type"))
                if vt == "float":
                    v = float(tc.attributes[(O, "value")])
                elif vt == "date":
                    v = dt.date.fromisoformat(tc.attributes[(O, "date-value")][:10])
                elif vt == "string":
                    v = "\n".join(odf_el_text(x, []) for x in tc.childNodes if x.qname == (T, "p"))
                else:
                    v = None
                row += [v] * min(rep, 1000)
            for _ in range(int(tr.attributes.get((TB, "number-rows-repeated"), "1"))):
                rows.append(list(row))
        grids.append((tbl.attributes.get((TB, "name")), rows))
    return grids


def oracle_segments(path: str, segs: list) -> tuple[list, list, str]:
    found, probs, texts = [], [], []
    for mode, text in segs:
        if mode == "sheet":
            lines = [x for x in text.split("\n") if x]
            h = header_index(lines)
            parts = [("\n".join(lines[:h]) + "\n", ".txt"), ("\n".join(lines[h:]) + "\n", ".tsv")]
        elif mode == "table":
            parts = [(text, ".tsv")]
        else:
            parts = [(text, mode)]
        for t, ext in parts:
            texts.append(t)
            if not t.strip():
                continue
            f, pr = G.Oracle(path, t).run(ext)
            found += [(k, v) for _, _, k, v, _ in f]
            probs += pr
    return found, probs, "\n".join(texts)


def self_check(c: DocsCorpus, outdir: str) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    rd = Reader()
    for path in sorted(c.files):
        data = open(os.path.join(outdir, "docs", path), "rb").read()
        if data != c.files[path].data:
            problems.append(f"docs/{path}: written bytes differ")
        rd.visit(f"docs/{path}", path, data)
    want = dict(c.flat())
    for p in sorted(set(want) | set(rd.out)):
        if p not in rd.out:
            problems.append(f"{p}: generated but not found when reading back")
            continue
        if p not in want:
            problems.append(f"{p}: found when reading back but not generated")
            continue
        item, got = want[p], rd.out[p]
        if item.status != got.status:
            problems.append(f"{p}: status {got.status} ({got.reason}), expected {item.status}")
            continue
        if item.status != "scanned":
            if item.labels:
                problems.append(f"{p}: labels on a {item.status} file")
            continue
        found, probs, text = oracle_segments(p, got.segs)
        problems += probs
        wanted = [(k, v) for k, v, _ in item.labels]
        if found != wanted:
            missing = [x for x in wanted if x not in found]
            extra = [x for x in found if x not in wanted]
            detail = f"labels-not-found-by-oracle={missing[:4]} oracle-not-labelled={extra[:4]}"
            if not missing and not extra:
                detail = f"order/multiplicity differs: labels {wanted[:6]} oracle {found[:6]}"
            problems.append(f"{p}: oracle disagrees: {detail}")
        for kind, norm, display in item.labels:
            if not G.label_valid(kind, norm, display):
                problems.append(f"{p}: invalid label {kind}={norm} ({display!r})")
            if display not in text:
                problems.append(f"{p}: label value {display!r} not in the extracted text")
    return problems, rd.notes


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------

GENERATORS = [gen_pdf_referral_packets, gen_pdf_from_text, gen_pdf_special, gen_xlsx, gen_xls_ods, gen_wordproc, gen_mail, gen_archives]


def write(c: DocsCorpus, outdir: str):
    docs = os.path.join(outdir, "docs")
    if os.path.isdir(docs):
        shutil.rmtree(docs)
    for path in sorted(c.files):
        full = os.path.join(docs, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fh:
            fh.write(c.files[path].data)
    flat = sorted(c.flat(), key=lambda x: x[0])
    with open(os.path.join(outdir, "docs-labels.jsonl"), "w", encoding="utf-8", newline="\n") as fh:
        for path, item in flat:
            for kind, norm, _ in item.labels:
                fh.write(json.dumps({"path": path, "kind": kind, "value": norm}, ensure_ascii=False) + "\n")
    with open(os.path.join(outdir, "docs-expected.jsonl"), "w", encoding="utf-8", newline="\n") as fh:
        for path, item in flat:
            if item.status != "scanned":
                fh.write(json.dumps({"path": path, "status": item.status}, ensure_ascii=False) + "\n")


def fmt_name(path: str) -> str:
    e = ext_of(path.rsplit("!/", 1)[-1])
    return {".tgz": ".tar.gz", ".jpeg": ".jpg"}.get(e, e) or "(none)"


def main(argv: list[str]) -> int:
    outdir = os.path.abspath(argv[1] if len(argv) > 1 else HERE)
    pop = G.build_population()
    src = Src(pop)
    c = DocsCorpus()
    for g in GENERATORS:
        g(c, pop, src)
    write(c, outdir)
    problems, notes = self_check(c, outdir)
    problems += notes
    flat = list(c.flat())
    kinds = {k: 0 for k in G.KINDS}
    for _, it in flat:
        for k, _, _ in it.labels:
            kinds[k] += 1
    top: dict[str, int] = {}
    members: dict[str, int] = {}
    for path, it in flat:
        d = members if "!/" in path else top
        d[fmt_name(path)] = d.get(fmt_name(path), 0) + 1
    statuses: dict[str, int] = {}
    for _, it in flat:
        statuses[it.status] = statuses.get(it.status, 0) + 1
    size = sum(len(it.data) for it in c.files.values())
    neg = sum(1 for p, it in flat if "!/" not in p and not any(True for _, m in it.flat(p) if m.labels))
    print(f"files: {len(c.files)} ({neg} without labels), members: {len(flat) - len(c.files)}, bytes: {size}")
    print("files by format: " + ", ".join(f"{k}={v}" for k, v in sorted(top.items())))
    print("members by format: " + ", ".join(f"{k}={v}" for k, v in sorted(members.items())))
    print("labels: " + ", ".join(f"{k}={v}" for k, v in kinds.items()) + f", total={sum(kinds.values())}")
    print("status: " + ", ".join(f"{k}={v}" for k, v in sorted(statuses.items())))
    if problems:
        for p in problems[:400]:
            print("SELF-CHECK:", p, file=sys.stderr)
        print(f"self-check FAILED: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("self-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
