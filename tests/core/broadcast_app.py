"""A minimal room for `test_slow_readers.py` (and `test_handshake_overload.py`: `/ws/never/` never
answers the handshake, `/ws/refuse/` refuses it), served by our daphne (`python -m forum.core.server`).

Every socket of the process is in one set (process-local fan-out, as the hub does). A text frame
`"burst <count> <size>"` makes the process send `count` frames of `size` bytes to every socket,
each numbered, one every millisecond (a busy room: between two events the server writes to the
network); `"sockets"` answers how many sockets the process still holds.
"""

import asyncio

import django

django.setup()

sockets: set = set()


async def application(scope, receive, send):
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    if scope["path"] == "/ws/never/":  # a connect check that does not finish (an overloaded process)
        while (await receive())["type"] != "websocket.disconnect":
            pass
        return
    if scope["path"] == "/ws/refuse/":  # a connect check that says no
        await send({"type": "websocket.close", "code": 4403})
        return
    await send({"type": "websocket.accept"})
    sockets.add(send)
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                break
            words = (message.get("text") or "").split()
            if words[:1] == ["sockets"]:
                await send({"type": "websocket.send", "text": f"sockets {len(sockets)}"})
            elif words[:1] == ["burst"]:
                count, size = int(words[1]), int(words[2])
                for n in range(count):
                    frame = {"type": "websocket.send", "text": f"{n:06d} " + "x" * size}
                    for each in list(sockets):
                        await each(frame)
                    await asyncio.sleep(0.001)
    finally:
        sockets.discard(send)
