"""The page as a user sees it: headless Chromium (Debian's `chromium` and `chromedriver`, driven
by Selenium) on a real `textrnn serve` over loopback. It types a sentence for each task and checks
what the page draws; a screenshot of each goes into the test's temporary directory.

Skipped, saying why, only when the browser is not installed (`.ci/run` installs it)."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="no chromium/chromedriver (Debian: apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser(live_server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,1600"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.get(live_server + "/")
    yield driver
    driver.quit()


def _wait(driver, css, timeout=60, text=True):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def found(d):
        nodes = d.find_elements(By.CSS_SELECTOR, css)
        return nodes[0] if nodes and (not text or nodes[0].text.strip()) else False
    return WebDriverWait(driver, timeout).until(found)


def _ask(driver, model, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _wait(driver, f"#model option[value='{model}']", text=False)
    Select(driver.find_element(By.ID, "model")).select_by_value(model)
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "run").click()


def test_classify_shows_the_label_and_probability_bars(browser, tmp_path):
    _ask(browser, "sentiment", "a wonderful, moving film")
    assert _wait(browser, "[data-testid=label]").text == "positive"
    assert len(browser.find_elements("css selector", "[data-testid=scores] .bar-row")) == 2
    browser.save_screenshot(str(tmp_path / "classify.png"))


def test_tag_highlights_entities_and_puts_tags_under_words(browser, tmp_path):
    _ask(browser, "ner", "Angela Merkel visited Paris .")
    _wait(browser, "[data-testid=entities] mark")
    types = [m.get_attribute("data-type") for m in browser.find_elements("css selector", "[data-testid=entities] mark")]
    assert types == ["PER", "LOC"]
    _ask(browser, "pos", "I saw her .")
    tags = _wait(browser, "[data-testid=tags]").text.split()
    assert "VERB" in tags and "PRON" in tags
    browser.save_screenshot(str(tmp_path / "tag.png"))


def test_translate_shows_the_translation_and_its_attention(browser, tmp_path):
    _ask(browser, "de-en", "Ein kleines Haus .")
    assert "house" in _wait(browser, "[data-testid=translation]").text.lower()
    rows = browser.find_elements("css selector", "[data-testid=attention] tr")
    assert len(rows) >= 3                                   # the source row, then a row per target piece
    browser.save_screenshot(str(tmp_path / "translate.png"))


def test_generate_streams_text(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _ask(browser, "wikitext2", "The history of the")
    _wait(browser, "[data-testid=generated-text][data-done=true]", text=False)
    text = browser.find_element(By.CSS_SELECTOR, "[data-testid=generated-text]").text
    assert len(text.split()) >= 10
    browser.save_screenshot(str(tmp_path / "generate.png"))


def test_look_inside_steps_through_the_gates(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _ask(browser, "sentiment", "dull , but the ending works")
    _wait(browser, "[data-testid=label]")
    browser.find_element(By.ID, "inside").click()
    _wait(browser, "[data-testid=direction]")
    assert len(browser.find_elements(By.CSS_SELECTOR, "[data-testid=direction]")) == 2   # forward and backward
    before = browser.find_element(By.CSS_SELECTOR, "[data-testid=gate-forget]").text
    # the model's own tokens: sentencepiece pieces, `▁` where a word starts
    now = lambda: browser.find_element(By.CSS_SELECTOR, "#inside-tokens .now").text.lstrip("▁")   # noqa: E731
    assert now() == "dull"
    for _ in range(2):
        browser.find_element(By.ID, "step-next").click()
    assert now() == "but"
    assert 0 < float(browser.find_element(By.CSS_SELECTOR, "[data-testid=gate-forget]").text) < 1
    assert before != browser.find_element(By.CSS_SELECTOR, "[data-testid=gate-forget]").text
    browser.save_screenshot(str(tmp_path / "inside.png"))


def test_an_error_is_shown_not_thrown(browser):
    _ask(browser, "sentiment", "x" * 10_001)                # over the server's --max-chars
    assert "characters" in _wait(browser, "#error").text
