"""The facts the tests check, pinned once: the real corpus's and the example site's."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteFacts:
    """What `check` and `/healthz` say of a seeds folder, and slugs to test with."""

    seeds: int
    published: int
    unpublished: int
    invalid: int
    articles: int
    topics: int
    providers: int
    topic: str  # a topic slug with several articles
    provider: str  # a provider slug with dots in it

    @property
    def feeds(self) -> int:
        """Feeds in each format: the site's, and one per topic and per provider."""
        return 1 + self.topics + self.providers

    @property
    def check_line(self) -> str:
        """The summary `flask --app wsgi check` prints."""
        return (f"{self.seeds} seeds: {self.published} published, {self.unpublished} "
                f"unpublished, {self.invalid} invalid; {self.articles} articles listed, "
                f"{self.topics} topics, {self.providers} providers")


# The real corpus (../shared/corpus/powerapps; its README).
CORPUS = SiteFacts(seeds=674, published=428, unpublished=246, invalid=0, articles=425,
                   topics=7, providers=15, topic="canvas-apps", provider="microsoft.com")

# The corpus's videos: seeds of `type: video`, and seeds with a `featuredContent` embed (every
# video has one; one article embeds a video too).
CORPUS_VIDEOS = 12
CORPUS_EMBEDS = 13

# The example site in seeds/: 53 seeds of its own and the user's unpublished one; of those,
# a draft, a deleted article and an embargo to 2099 are unpublished, and two seeds share a URL.
EXAMPLE = SiteFacts(seeds=54, published=50, unpublished=4, invalid=0, articles=49,
                    topics=9, providers=6, topic="open-source", provider="science.example.com")
EXAMPLE_TOPICS = {"ai-ethics", "astronomy", "cafe-culture", "climate", "gardening",
                  "open-source", "privacy", "robotics", "transit"}
EXAMPLE_PROVIDERS = {"example.com", "example.org", "example.net", "science.example.com",
                     "blog.example.org", "fictional-wire"}
# What the example site's unpublished, deleted and embargoed seeds carry, shown nowhere.
EXAMPLE_HIDDEN = ["Draft: the ferry timetable", "Withdrawn: a robot story",
                  "Embargoed until 2099", "Ferries", "ferries", "Withdrawn Stories",
                  "withdrawn-stories", "Time Capsules", "time-capsules",
                  "draft-about-ferries", "withdrawn-robot-story", "embargoed-year-2099",
                  "superseded"]
