#!/usr/bin/env python3
"""A TCP load balancer for the fault tests, standing in for a Kubernetes Service in front of the
backend replicas: each new connection goes to the next backend in turn, and to the one after it
when that one refuses (a killed replica). Bytes are copied both ways unchanged; nothing is retried
at the HTTP level (the proxy and the clients must cope with what a dead replica does to them).

  python3 .ci/faults/balance.py --port PORT 127.0.0.1:8081 127.0.0.1:8082
"""
import argparse
import asyncio
import itertools


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("backends", nargs="+")
    a = ap.parse_args()
    backends = [(h, int(p)) for h, p in (b.rsplit(":", 1) for b in a.backends)]
    turn = itertools.cycle(range(len(backends)))

    async def handle(client_reader, client_writer):
        first = next(turn)
        for i in range(len(backends)):
            host, port = backends[(first + i) % len(backends)]
            try:
                backend_reader, backend_writer = await asyncio.open_connection(host, port)
                break
            except OSError:
                continue
        else:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, backend_writer), pipe(backend_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", a.port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
