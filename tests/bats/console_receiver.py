#!/usr/bin/env python3
"""The other end of --console-socket, as containerd's shim is: listens on a Unix socket,
takes the pty master that incept sends (one message, SCM_RIGHTS), writes `input` (if any)
to it, and copies everything the container prints to stdout until the pty closes.

    console_receiver.py SOCKET [INPUT]

It prints "fd-name: <the message's bytes>" on stderr (runc sends the name of the pty)."""
import os
import socket
import sys


def main():
    path = sys.argv[1]
    data = sys.argv[2].encode() if len(sys.argv) > 2 else b""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(120)
    conn, _ = srv.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 1024, 4)
    conn.close()
    srv.close()
    if len(fds) != 1:
        print(f"want one fd, got {len(fds)}", file=sys.stderr)
        return 1
    print(f"fd-name: {msg.decode()}", file=sys.stderr, flush=True)
    master = fds[0]
    if data:
        os.write(master, data)
    out = sys.stdout.buffer
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: every slave fd is closed
            break
        if not chunk:
            break
        out.write(chunk)
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
