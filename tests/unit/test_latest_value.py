"""LatestValue: one thread rebuilds for a new version while the others get the previous one."""

from __future__ import annotations

import threading

import pytest

from directory.core.caching import LatestValue


def test_the_first_value_is_built_once_and_everyone_waits_for_it():
    latest = LatestValue()
    builds, started, release = [], threading.Event(), threading.Event()

    def build():
        builds.append(1)
        started.set()
        release.wait(5)
        return "v1 value"

    results = []
    first = threading.Thread(target=lambda: results.append(latest.get("v1", build)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(latest.get("v1", build))) for _ in range(3)]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert results == ["v1 value"] * 4 and builds == [1]


def test_while_a_new_version_builds_the_others_get_the_previous_one():
    latest = LatestValue()
    assert latest.get("v1", lambda: "old") == "old"
    started, release = threading.Event(), threading.Event()

    def slow_build():
        started.set()
        release.wait(5)
        return "new"

    builder_result = []
    builder = threading.Thread(target=lambda: builder_result.append(latest.get("v2", slow_build)))
    builder.start()
    started.wait(5)
    # Nobody waits: the previous value is served while v2 is being built.
    assert latest.get("v2", lambda: pytest.fail("a second build of v2")) == "old"
    release.set()
    builder.join(5)
    assert builder_result == ["new"]
    assert latest.get("v2", lambda: pytest.fail("built again")) == "new"
    assert latest.version == "v2"


def test_a_failed_build_keeps_the_previous_value_and_the_next_caller_tries_again():
    latest = LatestValue()
    latest.get("v1", lambda: "old")

    def broken():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        latest.get("v2", broken)
    assert latest.version == "v1"
    assert latest.get("v2", lambda: "new") == "new"
