"""Over the project's own seeds/: the user's unpublished article shows nowhere."""

import pytest
import yaml

from feeds import create_app
from feeds.settings import PROJECT_SEEDS

SEED = PROJECT_SEEDS / "000_c98aa5f1d53c190e.txt"
PAGES = ["/", "/opml.xml", "/feed.rss", "/feed.atom", "/feed.json", "/healthz"]


@pytest.fixture(scope="module")
def own_client():
    """A client over the default SEEDS_DIR, the project's own seeds/."""
    app = create_app({"TESTING": True})
    assert app.config["SEEDS_DIR"] == str(PROJECT_SEEDS)
    return app.test_client()


@pytest.fixture(scope="module")
def secrets():
    """What must never show: the article's title, URLs, topics and provider."""
    fields = yaml.safe_load(SEED.read_text().split("---")[1])
    assert fields["published"] is False
    return [fields["title"], fields["originalUrl"], "Facebook AI", "facebook-ai", "Wired",
            "wired.com", fields["excerpt"][:40]]


@pytest.mark.parametrize("path", ["/topics/facebook-ai.rss", "/providers/wired.com.rss",
                                  "/topics/facebook-ai", "/providers/wired.com", "/topics/ai.atom"])
def test_unpublished_topic_and_provider_do_not_exist(own_client, path):
    assert own_client.get(path).status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_unpublished_article_shows_nowhere(own_client, secrets, path):
    response = own_client.get(path)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for secret in secrets:
        assert secret not in text


def test_secured_blob_shows_nowhere(client, corpus_dir):
    blob = yaml.safe_load((corpus_dir / "_news").glob("*.md").__next__().read_text()
                          .split("---")[1])["secured"]
    for path in ["/feed.rss?limit=500", "/feed.atom?limit=500", "/feed.json?limit=500", "/"]:
        assert blob[:30] not in client.get(path).get_data(as_text=True)
