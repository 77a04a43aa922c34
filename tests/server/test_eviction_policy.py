"""The policy that picks which connection a new client replaces at the total limit
(`limits.choose_eviction`), and the server applying it to a flood of silent connections."""

from __future__ import annotations

import asyncio

from server_helpers import RawClient, ServerFactory, expected_text, final_text, transcribe
from test_bad_input import error_of, wait_until_no_connections

from wyoming_local_asr.server.limits import ConnectionLimits, Occupant, choose_eviction


def silent(address: str, idle: float = 0.0) -> Occupant:
    return Occupant(address=address, idle_seconds=idle, silent=True, busy=False)


def talked(address: str, idle: float) -> Occupant:
    return Occupant(address=address, idle_seconds=idle, silent=False, busy=False)


def speaking(address: str) -> Occupant:
    return Occupant(address=address, idle_seconds=0.0, silent=False, busy=True)


def test_a_connection_mid_utterance_is_never_chosen() -> None:
    assert choose_eviction([speaking("a"), speaking("a"), speaking("b")]) is None


def test_fresh_silent_connections_make_room() -> None:
    # The stress scenario: every connection of the flood has just connected and said nothing.
    occupants = [silent("f1", 0.01), silent("f1", 0.0), silent("f2", 0.02), speaking("good")]
    assert choose_eviction(occupants) in (0, 1)  # from the address holding the most


def test_silent_before_talked_then_most_held_address_then_idlest() -> None:
    assert choose_eviction([talked("a", 30.0), silent("b", 0.0)]) == 1
    occupants = [silent("one", 5.0), silent("two", 0.1), silent("two", 0.2)]
    assert choose_eviction(occupants) == 2
    assert choose_eviction([silent("a", 0.1), silent("b", 0.3)]) == 1


def test_a_talking_client_between_two_events_is_left_alone() -> None:
    assert choose_eviction([talked("a", 0.01), speaking("b")]) is None
    assert choose_eviction([talked("a", 0.01), talked("b", 0.5)]) == 1


def test_a_client_that_just_connected_goes_last() -> None:
    # A working client from its own address, not yet read, beside a flood holding two each.
    occupants = [silent("good", 0.0), silent("f1", 0.0), silent("f1", 0.0)]
    assert choose_eviction(occupants) == 1


def test_handing_a_place_over_keeps_the_counts() -> None:
    limits = ConnectionLimits(total=2, per_address=5)
    assert limits.acquire("a") is None
    assert limits.acquire("a") is None
    assert limits.full
    limits.hand_over("a", "b")
    assert limits.full  # the place went straight to b
    assert limits.acquire("c") is not None
    limits.release("a")
    limits.release("b")
    assert not limits.full
    assert limits.has_room("a") and limits.has_room("b")


async def test_a_client_that_talks_is_served_when_silent_connections_fill_the_server(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(max_connections=6, max_connections_per_address=100)
    assert server.port is not None
    flood: list[RawClient] = []

    async def fill() -> None:  # from three addresses, all silent and fresh
        while len(flood) < 20 and server.connection_count < 6:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", server.port or 0, local_addr=(f"127.0.3.{1 + len(flood) % 3}", 0)
            )
            flood.append(RawClient(reader, writer))
            for _ in range(100):
                if server.connection_count == min(6, len(flood)):
                    break
                await asyncio.sleep(0.01)

    for round_ in range(1, 3):
        await fill()
        assert server.limits.full
        # At once: no wait for the flood's connections to grow idle.
        events = await transcribe(server.port, goforward)
        assert final_text(events) == expected_text(len(goforward))
        assert server.stats.evicted == round_
        for _ in range(500):  # the transcribing client and the one closed for it are gone
            if server.connection_count == 5:
                break
            await asyncio.sleep(0.01)
    assert server.stats.refused_over_limit == 0
    evicted = []
    for client in flood:
        if server.connection_count + len(evicted) == len(flood):
            break  # every closed one is found
        try:
            first = await asyncio.wait_for(client.read(), 0.5)
        except TimeoutError:
            continue  # still open: not one of those closed
        evicted.append(error_of(first).code)
    assert evicted == ["too-many-connections"] * 2
    for client in flood:
        await client.close()
    await wait_until_no_connections(server)
    assert not server.limits.full
