"""A video for Chromium's fake camera: a card's QR code held still in front of the lens.

Chromium's `--use-file-for-fake-video-capture=<file>.y4m` plays a YUV4MPEG2 file
in a loop as the camera. The file is plain: a text header, then for each frame
the word FRAME and three planes, luma at full size and the two chroma planes
at half width and half height (4:2:0).
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image


def qr_frame(qr_png: bytes, *, width: int = 640, height: int = 480) -> Image.Image:
    """The QR picture, as large as fits with a white margin, centred on a white frame."""
    with Image.open(io.BytesIO(qr_png)) as qr:
        qr = qr.convert("L")
        side = int(min(width, height) * 0.9)
        # Nearest neighbour keeps the modules sharp-edged, as a printed card is.
        qr = qr.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", (width, height), 255)
    frame.paste(qr, ((width - side) // 2, (height - side) // 2))
    return frame.convert("RGB")


def y4m_write(path: Path, frame: Image.Image, *, fps: int = 10, seconds: float = 2.0) -> Path:
    """Write `frame` repeated for `seconds` as a 4:2:0 Y4M video; returns `path`."""
    width, height = frame.size
    if width % 2 or height % 2:
        raise ValueError("4:2:0 needs an even width and height")
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = (
        y.tobytes()
        + cb.resize(half, Image.Resampling.BILINEAR).tobytes()
        + cr.resize(half, Image.Resampling.BILINEAR).tobytes()
    )
    frames = max(1, round(fps * seconds))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(planes)
    return path
