"""Letters printed by a real browser (Debian's chromium, headless): each letter fits a US
letter page, and each starts a page of its own, so a state prints the whole batch from
``letters.html`` at once (or saves it as PDF from the print dialog)."""

from __future__ import annotations

import re
from dataclasses import replace

from playwright.sync_api import Browser

from statelink.notices.letters import letter_html, letters_html
from tests.notices.test_letters import CONTACT, NOTICE, letter

TALL = "@page { size: 8.5in 200in; }"
"""Paper on which every letter of a batch would fit together, but for the page breaks."""


def pages(browser: Browser, html: str, paper: str = "") -> int:
    """How many pages the browser prints ``html`` on: on the paper its CSS asks for (US
    letter), or on ``paper`` (a CSS ``@page`` rule) added to it."""
    page = browser.new_page()
    try:
        page.set_content(html)
        if paper:
            page.add_style_tag(content=paper)
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


BATCH = [
    letter(),
    letter(replace(NOTICE, id=8, name="O'NEIL-MCDONALD, MARY KATE", record_kind="vehicle")),
    letter(replace(NOTICE, id=9), None, None),
]


def test_each_letter_fits_a_us_letter_page(browser: Browser) -> None:
    assert [pages(browser, letter_html(one)) for one in BATCH] == [1, 1, 1]
    assert pages(browser, letters_html(BATCH)) == 3


def test_each_letter_starts_a_page_of_its_own(browser: Browser) -> None:
    assert pages(browser, letters_html(BATCH[:1]), TALL) == 1
    assert pages(browser, letters_html(BATCH), TALL) == 3  # on one long sheet but for breaks


def test_a_letter_with_the_longest_values_still_starts_its_own_page(browser: Browser) -> None:
    longest = replace(
        CONTACT,
        name="N" * 120,
        address=tuple("A" * 100 for _ in range(5)),
        web="https://dol.wa.gov/" + "p" * 181,
    )
    made = [
        letter(),
        letter(replace(NOTICE, id=8, agency="X" * 120, name="Y" * 60 + ", " + "Z" * 57), longest),
        letter(replace(NOTICE, id=9)),
    ]
    alone = [pages(browser, letter_html(one)) for one in made]
    assert alone[0] == alone[2] == 1
    assert pages(browser, letters_html(made)) == sum(alone)
