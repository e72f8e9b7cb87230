"""The HTML pages in a real headless Chromium (Debian's): they render, link, and log no errors."""

import shutil

import pytest

pytestmark = pytest.mark.server
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed: run `bash .ci/setup`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def visit(browser):
    """Open a URL in a new page; return the page and the console errors it logged."""
    pages = []

    def open_page(url):
        page = browser.new_page()
        # This machine has no internet: pictures hosted elsewhere (provider logos) get an
        # empty answer rather than a DNS error in the console.
        page.route(lambda u: "//127.0.0.1:" not in u, lambda route: route.fulfill(status=204))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        response = page.goto(url)
        assert response.status == 200
        page.wait_for_load_state("load")
        pages.append(page)
        return page, errors

    yield open_page
    for page in pages:
        page.close()


def alternates(page) -> set[str]:
    return set(page.eval_on_selector_all(
        "link[rel=alternate]", "links => links.map(l => l.type + ' ' + l.href)"))


def test_index_renders_every_feed_and_the_latest_articles(corpus_server, visit, corpus_snapshot):
    page, errors = visit(f"{corpus_server}/")
    assert page.title() == "Seed Feeds"
    hrefs = set(page.eval_on_selector_all("a", "links => links.map(l => l.href)"))
    for section in [*corpus_snapshot.topics.values(), *corpus_snapshot.providers.values()]:
        for fmt in ["rss", "atom", "json"]:
            assert f"{corpus_server}/{section.kind}/{section.slug}.{fmt}" in hrefs
    for article in corpus_snapshot.site.articles[:10]:
        assert article.url in hrefs
    assert page.locator("table").first.is_visible()
    assert f"application/rss+xml {corpus_server}/feed.rss" in alternates(page)
    assert errors == []


@pytest.mark.parametrize("path", ["/topics/canvas-apps", "/providers/microsoft.com"])
def test_section_pages_render_their_articles_and_feeds(corpus_server, visit, corpus_snapshot, path):
    page, errors = visit(corpus_server + path)
    kind, slug = path.strip("/").split("/")
    section = corpus_snapshot.section(kind, slug)
    assert page.locator("h1").inner_text() == section.name
    hrefs = set(page.eval_on_selector_all("ol.articles a", "links => links.map(l => l.href)"))
    assert {a.url for a in section.articles[:50]} <= hrefs
    assert f"application/atom+xml {corpus_server}{path}.atom" in alternates(page)
    assert errors == []


def test_the_form_builds_a_feed_in_a_browser_with_javascript_off(browser, site_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.route(lambda u: "//127.0.0.1:" not in u, lambda route: route.fulfill(status=204))
        page.goto(f"{site_server}/topics/climate")
        form = page.locator("form.build")
        form.locator("select[name=providers]").select_option(["example.com", "fictional-wire"])
        form.locator("input[name=min_heat]").fill("20")
        form.locator("select[name=sort]").select_option("heat")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state("load")
        query = "providers=example.com,fictional-wire&min_heat=20&sort=heat"
        assert page.url == f"{site_server}/topics/climate?{query}"
        assert page.locator("h1").inner_text() == (
            "Seed Feeds: Climate · from Example Daily or Fictional Wire · heat ≥ 20 · by heat")
        assert f"application/rss+xml {site_server}/topics/climate.rss?{query}" in alternates(page)
        assert page.locator("p.readers a").count() == 4
        assert page.locator("ol.articles li").count() > 0
        # The form on the page of the query holds the query, ready to change it.
        assert page.locator("select[name=sort]").input_value() == "heat"
    finally:
        context.close()
