"""The counter page in a real browser: from a hand scanner's Enter to the verdict painted.

Chromium (Debian's package, driven by Playwright) logs in as the bench volunteer, opens
the counter page served by gunicorn and types each card then Enter, as a hand scanner
does. The page itself takes the times: `performance.now()` at the Enter key, and again
once the verdict htmx swapped in has been painted (a frame after the swap: a
`requestAnimationFrame`, then a task, which runs after that frame's paint).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

CHROMIUM = "/usr/bin/chromium"

TIMER = """() => {
  const scan = (window.__scan = { start: 0, times: [] });
  document.getElementById("scan-code").addEventListener(
    "keydown", (event) => { if (event.key === "Enter") scan.start = performance.now(); }, true);
  document.body.addEventListener("htmx:afterSwap", () => {
    const start = scan.start;
    requestAnimationFrame(() => setTimeout(() => scan.times.push(performance.now() - start)));
  });
}"""


@dataclass(frozen=True)
class BrowserScans:
    times_ms: list[float]
    accepted: int

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def browser_scans(base_url: str, username: str, password: str, cards: list[str]) -> BrowserScans:
    """Scan `cards` one after the other on the counter page; the time of each, in ms."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base_url + "/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button.button-primary")
        page.wait_for_selector("[data-role-home]")
        page.goto(base_url + "/counter/")
        page.evaluate(TIMER)
        accepted = 0
        for done, card in enumerate(cards, start=1):
            page.fill("#scan-code", card)
            page.press("#scan-code", "Enter")
            page.wait_for_function("n => window.__scan.times.length >= n", arg=done)
            accepted += page.locator("#counter-live .verdict-accepted").count()
        times = page.evaluate("window.__scan.times")
        browser.close()
    return BrowserScans([float(t) for t in times], accepted)
