#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd, from PyPI) for Tower's mail tests, on 127.0.0.1.

Every message received is written whole to DIR as <n>.eml (atomically: written to a temporary
name, then renamed), so tests read exactly what arrived, duplicates included.

  python3 .ci/smtp/server.py --dir DIR [--port 0] [--port-file FILE] [--user U --password P]
                             [--slow-seconds 3]

--port 0 picks a free port; the port is printed on stdout as the first line (and written to
--port-file when given). With --user/--password the server requires AUTH LOGIN/PLAIN. A message
for a recipient whose address starts with "slow" is stored, then the server waits --slow-seconds
before answering 250: a client killed in that window has delivered a message it never saw
accepted, which is the crash the outbox's at-least-once delivery is designed for.
"""
import argparse
import asyncio
import itertools
import os
import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Store:
    def __init__(self, directory, slow_seconds):
        self.directory = directory
        self.slow_seconds = slow_seconds
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        tmp = os.path.join(self.directory, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(f"X-Envelope-From: {envelope.mail_from}\r\n".encode())
            f.write(f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, os.path.join(self.directory, f"{n}.eml"))
        if any(r.lower().startswith("slow") for r in envelope.rcpt_tos):
            await asyncio.sleep(self.slow_seconds)
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--slow-seconds", type=float, default=3.0)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    kwargs = {}
    if args.user:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user \
                and auth_data.password.decode() == args.password
            return AuthResult(success=ok)
        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)

    port = args.port
    if port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    controller = Controller(Store(args.dir, args.slow_seconds), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print(port, flush=True)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
