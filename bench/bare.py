"""The language's limit for the bench: a bare ASGI app that answers every request with one constant JSON
body, no routing, on the same server stack as the mock (uvicorn with httptools and uvloop)."""
from __future__ import annotations

import argparse

import uvicorn

BODY = b'{"data":[{"id":1,"name":"constant"}]}'
HEAD = {"type": "http.response.start", "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]}
ANSWER = {"type": "http.response.body", "body": BODY}


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the request body (the mix sends some), as a real handler would
        more = (await receive()).get("more_body", False)
    await send(HEAD)
    await send(ANSWER)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, http="httptools", loop="uvloop", access_log=False,
                log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
