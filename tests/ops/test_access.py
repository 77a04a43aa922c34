"""CIDR allow-list for the Wyoming port."""

from __future__ import annotations

import pytest

from wyoming_local_asr.ops.access import AllowList


def test_empty_list_allows_everyone() -> None:
    allow = AllowList.parse([])
    assert allow.allows_all
    assert allow.allows("203.0.113.9")
    assert AllowList.parse(None).allows("::1")


def test_networks() -> None:
    allow = AllowList.parse(["192.168.1.0/24", "10.0.0.7", "fd00::/8"])
    assert allow.allows("192.168.1.20")
    assert not allow.allows("192.168.2.20")
    assert allow.allows("10.0.0.7")
    assert not allow.allows("10.0.0.8")
    assert allow.allows("fd12:3456::1")
    assert not allow.allows("2001:db8::1")
    assert allow.allows("::ffff:192.168.1.5")  # IPv4 client on a dual-stack socket
    assert allow.allows("fd00::1%eth0")
    assert not allow.allows("not an address")


def test_unix_socket_peers_are_local() -> None:
    assert AllowList.parse(["127.0.0.1/32"]).allows(None)


def test_malformed_network_names_the_entry() -> None:
    with pytest.raises(ValueError, match=r"'192\.168\.1\.0/33'"):
        AllowList.parse(["10.0.0.0/8", "192.168.1.0/33"])
