"""Builders for test files, hostile and benign, made in memory so no binary fixture is checked in.

PDFs are written by hand (a tiny object serialiser below) so tests control every byte: CJK text
uses the non-embedded STSong-Light font with the predefined UniGB-UCS2-H CMap, which pdfminer
maps back to Unicode without any font file; encryption is the standard RC4 security handler.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

# --- images -----------------------------------------------------------------------------------


def image_bytes(img: Image.Image, fmt: str, **save_kwargs: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **save_kwargs)
    return buf.getvalue()


def marker_image(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """White image with a 16×16 red block in the stored top-left corner (JPEG-safe: 8-aligned)."""
    arr = np.full((height, width, 3), 255, np.uint8)
    arr[:16, :16] = (255, 0, 0)
    img = Image.fromarray(arr, "RGB")
    return img if mode == "RGB" else img.convert(mode)


def jpeg_with_exif(
    img: Image.Image, *, orientation: int | None = None, software: str | None = None
) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if software is not None:
        exif[0x0131] = software
    return image_bytes(img, "JPEG", quality=95, exif=exif.tobytes())


def multipage_tiff(n: int, size: tuple[int, int] = (32, 24)) -> bytes:
    frames = [Image.new("L", size, color=i % 256) for i in range(n)]
    return image_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width×height (grey) over a tiny IDAT: small file, huge image."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: max(1, int(len(data) * fraction))]


# --- other file types -------------------------------------------------------------------------

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>\xe8\xaf\x81\xe4\xb9\xa6</title>"
    b"</head><body><p>Session expired, please log in again.</p></body></html>\n"
)


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def heic_header() -> bytes:
    # ISO-BMFF "ftyp" box with brand heic, as phones write; the rest does not matter.
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 64


# --- PDF writer -------------------------------------------------------------------------------


class Name(str):
    """A PDF name (/Foo)."""


@dataclass(frozen=True)
class Ref:
    num: int


@dataclass
class Stream:
    attrs: dict[str, object]
    data: bytes


@dataclass
class PdfPage:
    width: float = 595.0  # points (A4)
    height: float = 842.0
    content: bytes = b""
    rotate: int = 0
    background: bool = False  # a grey image under the whole page, as a scan would be


@dataclass
class _Rc4Handler:
    """Standard security handler, revision 2 (40-bit RC4): enough for every reader to demand a
    password, simple enough to write here."""

    user_password: bytes
    owner_password: bytes
    file_id: bytes
    permissions: int = -44
    key: bytes = field(init=False)
    o_entry: bytes = field(init=False)
    u_entry: bytes = field(init=False)

    PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")

    def __post_init__(self) -> None:
        def padded(pw: bytes) -> bytes:
            return (pw + self.PAD)[:32]

        owner_key = hashlib.md5(padded(self.owner_password or self.user_password)).digest()[:5]
        self.o_entry = rc4(owner_key, padded(self.user_password))
        p = struct.pack("<i", self.permissions)
        self.key = hashlib.md5(
            padded(self.user_password) + self.o_entry + p + self.file_id
        ).digest()[:5]
        self.u_entry = rc4(self.key, self.PAD)

    def object_key(self, num: int) -> bytes:
        return hashlib.md5(self.key + num.to_bytes(3, "little") + b"\x00\x00").digest()[:10]


def rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _serialise(obj: object, crypt: bytes | None) -> bytes:
    if isinstance(obj, Name):
        return b"/" + obj.encode("ascii")
    if isinstance(obj, bool):
        return b"true" if obj else b"false"
    if isinstance(obj, int | float):
        return (
            f"{obj:.4f}".rstrip("0").rstrip(".") if isinstance(obj, float) else str(obj)
        ).encode()
    if isinstance(obj, str):  # text string: UTF-16BE with BOM, as hex
        raw = b"\xfe\xff" + obj.encode("utf-16-be")
        return b"<" + (rc4(crypt, raw) if crypt else raw).hex().encode() + b">"
    if isinstance(obj, bytes):  # raw byte string
        return b"<" + (rc4(crypt, obj) if crypt else obj).hex().encode() + b">"
    if isinstance(obj, Ref):
        return f"{obj.num} 0 R".encode()
    if isinstance(obj, list | tuple):
        return b"[" + b" ".join(_serialise(o, crypt) for o in obj) + b"]"
    if isinstance(obj, dict):
        items = b" ".join(b"/" + k.encode() + b" " + _serialise(v, crypt) for k, v in obj.items())
        return b"<< " + items + b" >>"
    raise TypeError(type(obj))


def write_pdf(
    objects: list[object],
    *,
    root: int,
    info: int | None = None,
    crypt: _Rc4Handler | None = None,
    file_id: bytes = b"credcheck-test-1",
) -> bytes:
    """Serialise objects (numbered from 1 in list order) with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        okey = crypt.object_key(num) if crypt is not None and obj is not None else None
        out += f"{num} 0 obj\n".encode()
        if isinstance(obj, Stream):
            data = rc4(okey, obj.data) if okey else obj.data
            out += _serialise({**obj.attrs, "Length": len(data)}, okey)
            out += b"\nstream\n" + data + b"\nendstream"
        else:
            out += _serialise(obj, okey)
        out += b"\nendobj\n"
    encrypt_num = None
    if crypt is not None:  # the Encrypt dictionary itself is never encrypted
        encrypt_num = len(objects) + 1
        offsets.append(len(out))
        enc = {
            "Filter": Name("Standard"),
            "V": 1,
            "R": 2,
            "O": crypt.o_entry,
            "U": crypt.u_entry,
            "P": crypt.permissions,
        }
        out += f"{encrypt_num} 0 obj\n".encode() + _serialise(enc, None) + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer: dict[str, object] = {
        "Size": len(offsets) + 1,
        "Root": Ref(root),
        "ID": [file_id, file_id],
    }
    if info is not None:
        trailer["Info"] = Ref(info)
    if encrypt_num is not None:
        trailer["Encrypt"] = Ref(encrypt_num)
    out += b"trailer\n" + _serialise(trailer, None) + f"\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def make_pdf(
    pages: Sequence[PdfPage],
    *,
    info: dict[str, str] | None = None,
    user_password: str | None = None,
    xmp: bytes | None = None,
) -> bytes:
    """A PDF whose pages may use /F1 (Chinese text, Unicode-mapped) and /F2 (CIDs with no
    Unicode mapping: what a subset font without ToUnicode gives)."""
    objs: list[object] = [None, None, None, None]  # 1 catalog, 2 pages, 3 F1, 4 F2
    objs[0] = {"Type": Name("Catalog"), "Pages": Ref(2)}
    objs[2] = {
        "Type": Name("Font"),
        "Subtype": Name("Type0"),
        "BaseFont": Name("STSong-Light"),
        "Encoding": Name("UniGB-UCS2-H"),
        "DescendantFonts": [
            {
                "Type": Name("Font"),
                "Subtype": Name("CIDFontType0"),
                "BaseFont": Name("STSong-Light"),
                "DW": 1000,
                "CIDSystemInfo": {"Registry": b"Adobe", "Ordering": b"GB1", "Supplement": 4},
                "FontDescriptor": {
                    "Type": Name("FontDescriptor"),
                    "FontName": Name("STSong-Light"),
                    "Flags": 6,
                    "FontBBox": [0, -200, 1000, 900],
                    "ItalicAngle": 0,
                    "Ascent": 880,
                    "Descent": -120,
                    "CapHeight": 880,
                    "StemV": 80,
                },
            }
        ],
    }
    objs[3] = {
        "Type": Name("Font"),
        "Subtype": Name("Type0"),
        "BaseFont": Name("ABCDEF+Subset"),
        "Encoding": Name("Identity-H"),
        "DescendantFonts": [
            {
                "Type": Name("Font"),
                "Subtype": Name("CIDFontType2"),
                "BaseFont": Name("ABCDEF+Subset"),
                "DW": 1000,
                "CIDSystemInfo": {"Registry": b"Adobe", "Ordering": b"Identity", "Supplement": 0},
                "FontDescriptor": {
                    "Type": Name("FontDescriptor"),
                    "FontName": Name("ABCDEF+Subset"),
                    "Flags": 4,
                    "FontBBox": [0, -200, 1000, 900],
                    "ItalicAngle": 0,
                    "Ascent": 880,
                    "Descent": -120,
                    "CapHeight": 880,
                    "StemV": 80,
                },
            }
        ],
    }
    kids = []
    resources: dict[str, object] = {"Font": {"F1": Ref(3), "F2": Ref(4)}}
    if any(page.background for page in pages):
        grey = {"Type": Name("XObject"), "Subtype": Name("Image"), "Width": 2, "Height": 2,
                "ColorSpace": Name("DeviceGray"), "BitsPerComponent": 8}  # fmt: skip
        objs.append(Stream(grey, b"\xc0" * 4))
        resources["XObject"] = {"Im1": Ref(len(objs))}
    for page in pages:
        content = page.content
        if page.background:
            content = f"q {page.width} 0 0 {page.height} 0 0 cm /Im1 Do Q\n".encode() + content
        objs.append(Stream({}, content))
        content_num = len(objs)
        page_dict: dict[str, object] = {
            "Type": Name("Page"),
            "Parent": Ref(2),
            "MediaBox": [0, 0, page.width, page.height],
            "Resources": resources,
            "Contents": Ref(content_num),
        }
        if page.rotate:
            page_dict["Rotate"] = page.rotate
        objs.append(page_dict)
        kids.append(Ref(len(objs)))
    objs[1] = {"Type": Name("Pages"), "Kids": kids, "Count": len(kids)}
    if xmp is not None:
        objs.append(Stream({"Type": Name("Metadata"), "Subtype": Name("XML")}, xmp))
        objs[0] = {**objs[0], "Metadata": Ref(len(objs))}  # type: ignore[dict-item]
    info_num = None
    if info:
        objs.append(dict(info))
        info_num = len(objs)
    crypt = None
    if user_password is not None:
        crypt = _Rc4Handler(
            user_password.encode(), b"owner-" + user_password.encode(), b"credcheck-test-1"
        )
    return write_pdf(objs, root=1, info=info_num, crypt=crypt)


def cjk_text(lines: Sequence[tuple[float, float, float, str]], page_height: float = 842.0) -> bytes:
    """Content stream drawing (x, top, size, text) lines with /F1; top-left origin like
    pdfplumber. Characters must be in the BMP (UCS-2)."""
    ops = []
    for x, top, size, text in lines:
        baseline = page_height - top - size * 0.88
        hex_text = text.encode("utf-16-be").hex()
        ops.append(f"BT /F1 {size} Tf 1 0 0 1 {x} {baseline:.2f} Tm <{hex_text}> Tj ET")
    return "\n".join(ops).encode()


def garbage_text(n_glyphs: int, page_height: float = 842.0) -> bytes:
    """Glyph ids with no Unicode mapping: pdfminer reads them as "(cid:N)"."""
    cids = b"".join(struct.pack(">H", 1000 + i) for i in range(n_glyphs))
    return f"BT /F2 14 Tf 1 0 0 1 72 {page_height - 100} Tm <{cids.hex()}> Tj ET".encode()


CERT_LINES = [
    (72.0, 80.0, 28.0, "职业技能等级证书"),
    (72.0, 160.0, 16.0, "姓名：张三"),
    (300.0, 160.0, 16.0, "性别：男"),
    (72.0, 200.0, 16.0, "职业名称：电工"),
    (72.0, 240.0, 16.0, "证书编号：S000065010001230001"),
]


def cert_pdf(**kwargs: object) -> bytes:
    return make_pdf([PdfPage(content=cjk_text(CERT_LINES))], **kwargs)  # type: ignore[arg-type]


def many_pages_pdf(n: int) -> bytes:
    # Small pages with a text layer: nothing to render, so the test measures parsing only.
    content = cjk_text([(10.0, 10.0, 10.0, "第一页职业技能等级证书")], page_height=100.0)
    return make_pdf([PdfPage(width=200.0, height=100.0, content=content)] * n)


def broken_xref(pdf: bytes) -> bytes:
    """Point startxref at garbage: readers must rebuild the table by scanning objects."""
    head, _, tail = pdf.rpartition(b"startxref\n")
    return head + b"startxref\n" + b"999999" + tail[tail.index(b"\n") :]


def image_pdf(img: Image.Image, resolution: float) -> bytes:
    """What a scanner app writes: one JPEG per page, no text layer."""
    return image_bytes(img.convert("RGB"), "PDF", resolution=resolution)


def xmp_packet(creator_tool: str, history_agents: Sequence[str] = ()) -> bytes:
    events = "".join(
        f'<rdf:li stEvt:action="saved" stEvt:softwareAgent="{a}"/>' for a in history_agents
    )
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
        f'xmp:CreatorTool="{creator_tool}"><xmpMM:History><rdf:Seq>{events}</rdf:Seq>'
        "</xmpMM:History></rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()
