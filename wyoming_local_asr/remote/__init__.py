"""The recognizer on a Ray cluster: Wyoming front ends send speech segments to a Ray Serve
application that runs the acoustic model and the decoder (`docs/scaling.md`).

`wire.py` (what crosses the hop) needs no Ray; `ray_recognizer.py` (the front end's side),
`deployment.py` (the replicas) and `vocabulary_board.py` import Ray and are imported only by
`serve --recognizer ray` and `ray deploy`.
"""
