"""What every page a browser test visits must hold, whatever the page: the words a clerk reads in an error or a
state are Chinese (a code shown for support stands in <code>), every form field has a label."""

from __future__ import annotations

from playwright.sync_api import Page

UNLABELLED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.name || e.id)"""

# Visible error messages and state texts, with what stands in <code> left out; the Latin words each one holds.
LATIN_IN_MESSAGES = """() => {
  const shown = ".error, .field-error, .flash, .badge, .warn, [role=alert], [role=status]";
  const found = [];
  for (const el of document.querySelectorAll(shown)) {
    if (el.offsetParent === null) continue;
    const copy = el.cloneNode(true);
    copy.querySelectorAll("code, script, style").forEach((c) => c.remove());
    for (const word of copy.textContent.match(/[A-Za-z]{2,}/g) || []) {
      found.push(`${word}: ${el.textContent.trim().replace(/\\s+/g, " ").slice(0, 80)}`);
    }
  }
  return found;
}"""
# Names of file formats and algorithms are written in Latin letters in Chinese too.
PROPER_NAMES = {"PDF", "OFD", "PNG", "JPEG", "JPG", "Excel", "Word", "WPS", "CSV", "SM2", "SM3", "XML", "TXT"}


def latin_in_messages(page: Page) -> list[str]:
    """The Latin-letter words in the page's visible error and state texts, format names excepted."""
    found: list[str] = page.evaluate(LATIN_IN_MESSAGES)
    return [f for f in found if f.split(":", 1)[0] not in PROPER_NAMES]


def assert_page_speaks_chinese(page: Page) -> None:
    assert page.evaluate(UNLABELLED_FIELDS) == [], f"fields without a label on {page.url}"
    assert latin_in_messages(page) == [], f"Latin words in what {page.url} tells the clerk"
