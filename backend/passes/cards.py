"""The household's card, in the household's language: HTML for print, PNG for a phone."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from PIL import Image, ImageDraw, ImageFont

from passes.models import AccessPass
from passes.qr import qr_image, qr_svg
from passes.selectors import pass_current_card, pass_token
from passes.tokens import human_code_display


def card_context(access_pass: AccessPass) -> dict[str, Any]:
    """What a card shows: first name, partner, validity, services, human code. No more.

    The QR's token is left to each rendering (SVG or picture)."""
    card = pass_current_card(access_pass=access_pass)
    return {
        "access_pass": access_pass,
        "first_name": access_pass.household.first_name,
        "partner_name": access_pass.partner.name,
        "services": [s.name for s in access_pass.services.all()],
        "human_code": human_code_display(card.human_code),
        "card_version": access_pass.card_version,
    }


def card_html(access_pass: AccessPass) -> str:
    """One card's HTML, rendered in the household's language."""
    context = card_context(access_pass)
    context["qr_svg"] = qr_svg(pass_token(access_pass=access_pass))
    with translation.override(access_pass.household.language):
        return render_to_string("passes/includes/card.html", context)


# --- PNG, for a phone ---------------------------------------------------------------

WIDTH, HEIGHT = 1012, 638  # a credit card (85.6 × 54 mm) at 300 dpi
BRAND = (31, 95, 139)
INK = (29, 36, 48)
MUTED = (91, 102, 118)


FONT_DIR = Path(settings.ROOT_DIR) / "frontend" / "static" / "vendor" / "fonts"


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # DejaVu is installed by the set-up with the other front-end files; it has every accent.
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size=size)
    return ImageFont.load_default(size=size)


def _fit(
    draw: ImageDraw.ImageDraw, text: str, size: int, width: int, bold: bool = False
) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    font = _font(size, bold)
    while draw.textlength(text, font=font) > width and size > 18:
        size -= 2
        font = _font(size, bold)
    return text, font


def card_png(access_pass: AccessPass) -> bytes:
    """The card as a picture to show on a phone or send by message."""
    with translation.override(access_pass.household.language):
        context = card_context(access_pass)
        validity = _("Valable du %(start)s au %(end)s") % {
            "start": formats.date_format(access_pass.valid_from, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(access_pass.valid_until, "SHORT_DATE_FORMAT"),
        }
        title = pgettext("card title", "Accès-pass")
        code_label = _("Code")
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 96), fill=BRAND)
    draw.text((40, 24), f"Comptoir · {title}", font=_font(42, bold=True), fill="white")

    qr = qr_image(pass_token(access_pass=access_pass), box_size=9).convert("RGB")
    qr_size = HEIGHT - 96 - 70
    qr = qr.resize((qr_size, qr_size), Image.Resampling.NEAREST)
    image.paste(qr, (WIDTH - qr_size - 24, 104))

    text_width = WIDTH - qr_size - 24 - 40 - 24
    y = 130
    text, font = _fit(draw, context["first_name"], 64, text_width, bold=True)
    draw.text((40, y), text, font=font, fill=INK)
    y += 90
    text, font = _fit(draw, context["partner_name"], 32, text_width)
    draw.text((40, y), text, font=font, fill=MUTED)
    y += 56
    text, font = _fit(draw, validity, 30, text_width)
    draw.text((40, y), text, font=font, fill=INK)
    y += 56
    lines = [f"• {service}" for service in context["services"][:4]]
    # One size for every service line: the one that fits the longest.
    _text, font = _fit(draw, max(lines, key=len, default=""), 28, text_width)
    for line in lines:
        draw.text((40, y), line, font=font, fill=INK)
        y += 40
    draw.text(
        (40, HEIGHT - 72),
        f"{code_label} {context['human_code']}",
        font=_font(40, bold=True),
        fill=INK,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(300, 300))
    return buffer.getvalue()
