"""Who a User-Agent is: an aggregator (with the subscribers it reports), a reader, a crawler or
a browser, by the table of known forms in agents.yaml."""

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

import yaml

AGGREGATOR, READER, CRAWLER, BROWSER, OTHER = "aggregator", "reader", "crawler", "browser", "other"
KINDS = (AGGREGATOR, READER, CRAWLER, BROWSER)
MAX_AGENT = 512  # characters of a User-Agent looked at
MAX_SUBSCRIBERS = 10_000_000  # a claim above this is taken as this
_FIRST_WORD = re.compile(r"[^\s/;(]{1,40}")


@dataclass(frozen=True, slots=True)
class Agent:
    """One known User-Agent form: the service it names, its kind, its pattern and an example."""

    name: str  # empty: the User-Agent's first word
    kind: str
    match: re.Pattern[str]
    example: str
    subscribers: int | None = None  # what the example reports, for the test
    feed_id: str | None = None  # the example's feed id, for the test


@dataclass(frozen=True, slots=True)
class Client:
    """What a User-Agent says about who fetches: service, kind, reported count and feed id."""

    service: str
    kind: str
    subscribers: int | None = None
    feed_id: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """The known forms in order, and the expressions for counts and feed ids."""

    agents: tuple[Agent, ...]
    subscribers: re.Pattern[str]
    feed_id: re.Pattern[str]


@cache
def table() -> Table:
    """The table in agents.yaml, read once."""
    data = yaml.safe_load(files(__package__).joinpath("agents.yaml").read_text("utf-8"))
    agents = []
    for entry in data["agents"]:
        if entry["kind"] not in KINDS:
            raise ValueError(f"agents.yaml: unknown kind {entry['kind']!r}")
        agents.append(Agent(entry.get("name", ""), entry["kind"],
                            re.compile(entry["match"], re.IGNORECASE), entry["example"],
                            entry.get("subscribers"), entry.get("feed_id")))
    return Table(tuple(agents), re.compile(data["subscribers"], re.IGNORECASE),
                 re.compile(data["feed_id"], re.IGNORECASE))


def classify(user_agent: str) -> Client:
    """Who user_agent is, by its first MAX_AGENT characters."""
    return _classify(user_agent[:MAX_AGENT])


@lru_cache(maxsize=4096)
def _classify(user_agent: str) -> Client:
    """classify(), the latest few thousand cached (pollers send the same strings), each key
    at most MAX_AGENT characters."""
    known = table()
    for agent in known.agents:
        if agent.match.search(user_agent):
            return _client(agent, user_agent, known)
    return Client(_first_word(user_agent) or "(none)", OTHER)


def _client(agent: Agent, user_agent: str, known: Table) -> Client:
    """The Client an agent's entry makes of user_agent."""
    name = agent.name or _first_word(user_agent)
    if agent.kind != AGGREGATOR:
        return Client(name, agent.kind)
    count = known.subscribers.search(user_agent)
    feed_id = known.feed_id.search(user_agent)
    return Client(name, AGGREGATOR, min(int(count.group(1)), MAX_SUBSCRIBERS) if count else None,
                  feed_id.group(1) if feed_id else "")


def _first_word(user_agent: str) -> str:
    """The product name a User-Agent starts with."""
    found = _FIRST_WORD.match(user_agent.strip())
    return found.group(0) if found else ""
