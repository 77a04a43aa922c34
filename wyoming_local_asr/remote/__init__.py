"""The recognizer on a Ray cluster: Wyoming front ends send speech segments to a Ray Serve
application that runs the acoustic model and the decoder (`docs/scaling.md`).

`wire.py` (what crosses the hop) needs no Ray; `ray_recognizer.py` (the front end's side),
`deployment.py` (the replicas) and `vocabulary_board.py` import Ray and are imported only by
`serve --recognizer ray` and `ray deploy`, after `ray_missing` has said Ray is there.
"""

from __future__ import annotations


def ray_missing(what: str) -> str | None:
    """None when Ray can be imported; else the one line that tells how to install it for
    `what` (a command or an option)."""
    try:
        import ray  # noqa: F401
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] != "ray":
            raise
        return f"{what} needs Ray: run `pip install 'wyoming-local-asr[ray]'`"
    return None
