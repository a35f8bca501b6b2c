"""Builders and browser steps for the counter's browser tests.

The counter must be open while the live server answers on the real clock: one
opening rule covers the whole day (`counter_open_all_day`, the world-builder's).
Passes are issued through the services, as a social worker would, under a
convention with one visit a week at the counter.
"""

from __future__ import annotations

import re
from pathlib import Path

from counter.models import Visit
from demo.world import counter_open_all_day  # noqa: F401  (for the browser tests)
from network.models import Convention, Organisation, User
from passes.models import AccessPass
from passes.services import MemberData
from tests.e2e.helpers_passes import household_make, pass_make

SCAN_PATH = "/counter/scan/"
# Every argument the session browser gets (tests/e2e/conftest.py), for a second browser.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What a volunteer can tap wearing gloves: about 12 mm, well above WCAG's 24 px minimum.
GLOVE_TARGET_PX = 44


def pass_for(
    actor: User,
    partner: Organisation,
    convention: Convention,
    first_name: str,
    *,
    members: tuple[MemberData, ...] = (),
) -> AccessPass:
    """A granted household with its pass, issued today."""
    household = household_make(actor, partner, first_name=first_name, members=members, granted=True)
    return pass_make(actor, household, convention)


def accepted_visits(access_pass: AccessPass | None = None) -> int:
    visits = Visit.objects.filter(accepted=True, undone_at__isnull=True)
    if access_pass is not None:
        visits = visits.filter(access_pass=access_pass)
    return visits.count()


# --- browser ------------------------------------------------------------------------


def is_scan_post(response) -> bool:
    return response.request.method == "POST" and response.url.split("?")[0].endswith(SCAN_PATH)


def scan_posts_watch(page) -> list:
    """Every scan request the page sends from now on (appended as they leave)."""
    sent: list = []
    page.on(
        "request",
        lambda request: (
            request.method == "POST"
            and request.url.split("?")[0].endswith(SCAN_PATH)
            and sent.append(request)
        ),
    )
    return sent


def console_errors_watch(page) -> list[str]:
    """Console errors and uncaught exceptions of the page, as text."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


def csp_errors_watch(page) -> None:
    """As the `page` fixture does, for pages opened elsewhere: `page.csp_errors` fills up."""
    page.csp_errors = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.csp_errors.append(message.text)
        ),
    )


def dialogs_watch(page) -> list[str]:
    """Every alert/confirm/prompt the page opens (each dismissed at once)."""
    opened: list[str] = []

    def record(dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def scan_by_hand(page, text: str):
    """What a USB or Bluetooth scanner does: type the text into the focused field, then Enter.
    Returns the scan response."""
    with page.expect_response(is_scan_post) as answered:
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    page.wait_for_selector("#counter-live [data-verdict]")
    return answered.value


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def one_sentence(text: str) -> bool:
    """One sentence: it ends with a full stop and holds no other sentence end."""
    text = text.strip()
    return bool(text) and len(re.findall(r"[.!?](?:\s|$)", text)) == 1 and text[-1] in ".!?"


def overlaps(a: dict, b: dict) -> bool:
    """Whether two bounding boxes (Playwright's dicts) share any area."""
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def small_targets(page) -> list[str]:
    """The visible buttons and toggles smaller than a gloved finger, as « text: w×h »."""
    return page.evaluate(
        """(minimum) => Array.from(document.querySelectorAll('button, summary, [role=button]'))
            .filter((el) => el.checkVisibility())
            .map((el) => [el.innerText.trim(), el.getBoundingClientRect()])
            .filter(([, box]) => box.width < minimum || box.height < minimum)
            .map(([text, box]) => `${text}: ${Math.round(box.width)}×${Math.round(box.height)}`)""",
        GLOVE_TARGET_PX,
    )


def camera_args(video: Path) -> list[str]:
    """Chromium's fake camera playing `video`, and its permission prompt answered yes."""
    return [
        *BROWSER_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
