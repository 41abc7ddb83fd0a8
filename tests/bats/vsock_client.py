#!/usr/bin/env python3
"""Host-side client of incept-vmm --vsock-socket, for tests/bats/vmm_vsock.bats and bench/vsock.sh.

  vsock_client.py echo SOCK PORT BYTES [CONNS]  CONNS streams at once (default 1), each sends
        BYTES of pseudo-random data while reading the echo, shuts down its write side, reads to
        EOF and compares byte for byte; prints "ok CONNS x BYTES bytes in S s (MiB/s)"
  vsock_client.py wait SOCK PORT SECS           retries CONNECT until OK (the guest listens)
  vsock_client.py refused SOCK PORT             CONNECT must be closed without an OK line
  vsock_client.py halfclose SOCK PORT           sends, shuts down its write side, waits 0.5 s,
                                                then must still read the whole echo and EOF
  vsock_client.py listen PATH OUT               accepts one connection on Unix socket PATH,
                                                writes what it sent to OUT, removes PATH
  vsock_client.py line SOCK TEXT                sends TEXT as the first line; prints what came
                                                back and "closed" when the VMM closed it
  vsock_client.py latency SOCK PORT N           N times: CONNECT, OK, 1-byte echo, close;
                                                prints connect_ms and echo_rtt_ms medians
  vsock_client.py pair BYTES                    the same echo through a host socketpair (bench)
"""
import os
import socket
import sys
import threading
import time


def connect(sock, port):
    """Returns (socket, ok_line) or (None, what came back before the close)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(b"CONNECT %d\n" % port)
    line = b""
    while not line.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            s.close()
            return None, line
        line += c
    if not line.startswith(b"OK "):
        s.close()
        return None, line
    return s, line


def echo_one(s, data, result, i):
    got = bytearray()

    def reader():
        while True:
            b = s.recv(65536)
            if not b:
                return
            got.extend(b)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)  # half-close: the echo must still arrive
    t.join()
    s.close()
    result[i] = bytes(got) == data
    if not result[i]:
        print("stream %d: sent %d bytes, got %d back, equal prefix %d" %
              (i, len(data), len(got), next((k for k in range(min(len(got), len(data)))
                                             if got[k] != data[k]), min(len(got), len(data)))))


def cmd_echo(sock, port, nbytes, conns=1, pair=False):
    datas = [os.urandom(nbytes) for _ in range(conns)]
    socks = []
    for _ in range(conns):
        if pair:
            a, b = socket.socketpair()
            threading.Thread(target=pair_echo, args=(b,), daemon=True).start()
            socks.append(a)
            continue
        s, line = connect(sock, port)
        if not s:
            print("CONNECT %d refused: %r" % (port, line))
            return 1
        if not line[3:-1].isdigit():
            print("bad OK line %r" % line)
            return 1
        socks.append(s)
    result = [False] * conns
    start = time.monotonic()
    threads = [threading.Thread(target=echo_one, args=(socks[i], datas[i], result, i))
               for i in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - start
    if not all(result):
        print("not ok: %d of %d streams differ" % (result.count(False), conns))
        return 1
    print("ok %d x %d bytes in %.3f s (%.2f MiB/s)" %
          (conns, nbytes, secs, conns * nbytes / secs / 1048576 if secs else 0))
    return 0


def pair_echo(s):
    while True:
        b = s.recv(65536)
        if not b:
            s.shutdown(socket.SHUT_WR)
            return
        s.sendall(b)


def cmd_wait(sock, port, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            s, _ = connect(sock, port)
        except OSError:
            s = None
        if s:
            s.close()
            print("guest port %d answers" % port)
            return 0
        time.sleep(0.05)
    print("guest port %d did not answer in %d s" % (port, secs))
    return 1


def cmd_refused(sock, port):
    start = time.monotonic()
    s, line = connect(sock, port)
    if s:
        print("unexpected OK: %r" % line)
        return 1
    print("closed without OK after %.3f s (got %r)" % (time.monotonic() - start, line))
    return 0


def cmd_halfclose(sock, port):
    s, line = connect(sock, port)
    if not s:
        print("CONNECT %d refused: %r" % (port, line))
        return 1
    data = b"half-closed but still listening\n"
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    time.sleep(0.5)
    got = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
    print("got %r" % got)
    return 0 if got == data else 1


def cmd_listen(path, out):
    l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    l.bind(path)
    l.listen(1)
    c, _ = l.accept()
    os.unlink(path)
    got = b""
    while True:
        b = c.recv(4096)
        if not b:
            break
        got += b
    with open(out, "wb") as f:
        f.write(got)
    return 0


def cmd_latency(sock, port, n):
    conn, rtt = [], []
    for _ in range(n):
        t0 = time.monotonic()
        s, line = connect(sock, port)
        if not s:
            print("CONNECT %d refused: %r" % (port, line))
            return 1
        t1 = time.monotonic()
        s.sendall(b"x")
        if s.recv(1) != b"x":
            return 1
        t2 = time.monotonic()
        s.close()
        conn.append((t1 - t0) * 1000)
        rtt.append((t2 - t1) * 1000)
    conn.sort()
    rtt.sort()
    print("connect_ms: %.2f" % conn[n // 2])
    print("echo_rtt_ms: %.2f" % rtt[n // 2])
    return 0


def cmd_line(sock, text):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.settimeout(10)
    s.sendall(text.encode() + b"\n")
    got = s.recv(100)
    print("got %r" % got)
    if not got:
        print("closed")
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "echo":
        return cmd_echo(argv[2], int(argv[3]), int(argv[4]), int(argv[5]) if len(argv) > 5 else 1)
    if cmd == "wait":
        return cmd_wait(argv[2], int(argv[3]), int(argv[4]))
    if cmd == "refused":
        return cmd_refused(argv[2], int(argv[3]))
    if cmd == "halfclose":
        return cmd_halfclose(argv[2], int(argv[3]))
    if cmd == "listen":
        return cmd_listen(argv[2], argv[3])
    if cmd == "latency":
        return cmd_latency(argv[2], int(argv[3]), int(argv[4]))
    if cmd == "line":
        return cmd_line(argv[2], argv[3])
    if cmd == "pair":
        return cmd_echo(None, 0, int(argv[2]), 1, pair=True)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
