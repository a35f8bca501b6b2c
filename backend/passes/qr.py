"""QR codes of pass tokens: SVG for screens and print, PNG for phones."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from PIL import Image
from qrcode.image.svg import SvgPathImage

# Medium correction (15 %) keeps a worn or creased paper card readable while the
# code stays small (version 6, 41 × 41 modules, for a 125-character token).
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M


def _qr(token: str, box_size: int) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=box_size, border=4)
    code.add_data(token, optimize=0)
    code.make(fit=True)
    return code


def qr_svg(token: str) -> str:
    """An SVG drawing that scales to any size (the quiet zone included)."""
    image = _qr(token, box_size=10).make_image(image_factory=SvgPathImage)
    svg: str = image.to_string(encoding="unicode")
    return svg


def qr_png(token: str, box_size: int = 8) -> bytes:
    image = _qr(token, box_size=box_size).make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_image(token: str, box_size: int = 8) -> Image.Image:
    """The QR as a Pillow image (for composing the phone card)."""
    image: Image.Image = (
        _qr(token, box_size=box_size).make_image(fill_color="black", back_color="white").get_image()
    )
    return image
