"""The hub of its own across servers of its own: a delivery pending over a restart, instances
sharing a state folder, a ping from another instance, a delivery dropped after its tries,
a feed new to a worker."""

import sqlite3
import time

import pytest
from conftest import BASE_URL, article_fields, seed_text
from own_hub import RELOAD, add, hub_env, pushed, shown, subscribed
from servers import fetch, serve, serve_process
from subscriber import hub_request, wait_until

pytestmark = pytest.mark.server


def test_a_delivery_pending_across_a_restart_is_made(tmp_path, subscriber):
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    seeds.mkdir()
    callback = subscriber(fail_posts=1000)
    env = hub_env(seeds, state, FEEDS_HUB_RETRY_SECONDS="600")
    with serve(env) as base:
        subscribed((base, seeds, state), callback, "Restart", "/topics/restart.atom")
        url = add(seeds, "Restart")
        wait_until(lambda: callback.failed_posts >= 1, what="a failing delivery")
    callback.fail_posts = 0
    with serve(env) as base:
        wait_until(lambda: pushed(callback, url), seconds=15)
        assert callback.deliveries()[-1].body == fetch(f"{base}/topics/restart.atom")[2]


def test_instances_sharing_a_state_folder_push_each_change_once(tmp_path, subscriber):
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    seeds.mkdir()
    callback = subscriber()
    env = hub_env(seeds, state)
    with serve(env, workers=2) as base, serve(env, workers=2) as other:
        subscribed((base, seeds, state), callback, "Once", "/topics/once.atom")
        wait_until(lambda: shown(other, "/topics/once.atom", "Hub article"))
        url = add(seeds, "Once")
        wait_until(lambda: pushed(callback, url))
        time.sleep(4 * RELOAD + 1)  # every worker of both has reloaded: more would be in
        assert len(callback.deliveries()) == 1


def test_a_ping_from_another_instance_makes_the_hub_read_its_seeds_at_once(tmp_path):
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    seeds.mkdir()
    (seeds / "first.md").write_text(seed_text(**article_fields(1, topics=["First"])))
    # Without file events (which would show it at once), nothing reads it for 600 s.
    with serve(hub_env(seeds, state, FEEDS_RELOAD_SECONDS="600", FEEDS_WATCH="off")) as base:
        url = add(seeds, "Pinged")
        time.sleep(1)
        assert fetch(f"{base}/topics/pinged.atom")[0] == 404  # not read: no reload for 600 s
        status, _ = hub_request(f"{base}/websub", hub_mode="publish",
                                hub_url=f"{BASE_URL}/feed.atom")
        assert status == 204
        wait_until(lambda: shown(base, "/topics/pinged.atom", url), what="the hub to read")


def test_a_delivery_that_keeps_failing_is_dropped_and_logged(tmp_path, subscriber):
    seeds, state, log = tmp_path / "seeds", tmp_path / "state", tmp_path / "server.log"
    seeds.mkdir()
    callback = subscriber(fail_posts=1000)
    env = hub_env(seeds, state, FEEDS_HUB_RETRY_SECONDS="2")
    with serve_process(env, output=log) as (base, _):
        subscribed((base, seeds, state), callback, "Dropped", "/topics/dropped.atom")
        add(seeds, "Dropped")
        wait_until(lambda: "dropped after 2 attempts" in log.read_text(), what="the drop")
        tries = callback.failed_posts
        time.sleep(3)
        assert callback.failed_posts == tries == 2
    with sqlite3.connect(state / "websub.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)


def test_a_feed_new_to_this_worker_is_subscribed_to_not_denied(tmp_path, subscriber):
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    seeds.mkdir()
    (seeds / "first.md").write_text(seed_text(**article_fields(1, topics=["First"])))
    callback = subscriber()
    with serve(hub_env(seeds, state, FEEDS_RELOAD_SECONDS="600")) as base:
        add(seeds, "Brand New")  # another worker may show it already; this one has not scanned
        status, _ = hub_request(f"{base}/websub", hub_mode="subscribe",
                                hub_callback=callback.url(),
                                hub_topic=f"{BASE_URL}/topics/brand-new.atom")
        assert status == 202
        wait_until(lambda: callback.verifications(), what="the verification")
        assert callback.verifications("denied") == []
