#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small client of the agent's protocol (common/proto.h, docs/protocol.md) for tests.

  proto_client.py [--vsock PORT] SOCK run [OPTS] -- ARGS...   CREATE + START, relay, exit status
  proto_client.py [--vsock PORT] SOCK create-only [OPTS] -- ARGS  CREATE, print PID, then wait on
                                                       the stream (START from elsewhere)
  proto_client.py [--vsock PORT] SOCK start
  proto_client.py [--vsock PORT] SOCK exec [--tty] [--stdin] [--host-pid N] -- ARGS...
  proto_client.py [--vsock PORT] SOCK signal [--all] [--pid N] SIGNO
  proto_client.py [--vsock PORT] SOCK ps | stats | shutdown

SOCK is the agent's Unix socket (incept-agent --serve) or, with --vsock, the VMM's socket
(CONNECT PORT first). Output of the process goes to stdout/stderr; the client exits with
the process's status (code, or 128 + signal). An ERROR reply prints "error <errno>: <msg>"
on stderr and exits 125. OPTS: --rootfs NAME, --hostname H, --tty, --stdin, --env K=V,
--cwd DIR, --uid N, --gid N, --bind SHARE:DEST, --signal-after SECS:SIGNO (a SIGNAL on the
stream), --timing (prints create/start ms, and EXIT's guest_ms/agent_minflt, on stderr),
--hook JSON (a startContainer hook {"path", "args", "env", "timeout"}, repeatable; CREATE
then carries --state JSON, or a default state), --start-now (CREATE with START_NOW, no START),
--userns UID0:GID0 (a user namespace mapping ids 0..65535 to the host's UID0.. and GID0..),
--uid-map C:H:S (one more uid map entry, repeatable), --no-netns (no network namespace),
--rlimit-nofile N (soft and hard RLIMIT_NOFILE, also for exec), --mqueue (mqueue on
/dev/mqueue).
stats prints STATS_REPLY's fields as NAME VALUE lines (cpu_total_ns, ..., uptime_ns).
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

VERSION = 1
T = dict(CREATE=1, START=2, EXEC=3, SIGNAL=4, RESIZE=5, STDIN=6, STDIN_CLOSE=7, PS=8,
         SHUTDOWN=9, STATS=10, OK=32, ERROR=33, PID=34, STDOUT=35, STDERR=36, EXIT=37, PIDS=38,
         STATS_REPLY=39)
NAMES = {v: k for k, v in T.items()}
F = dict(ARG=1, ENV=2, CWD=3, UID=4, GID=5, TERMINAL=8, ROWS=9, COLS=10, NO_NEW_PRIVS=11, RLIMIT=13,
         RLIMIT_RESOURCE=80, RLIMIT_SOFT=81, RLIMIT_HARD=82,
         HOST_PID=15, STDIN=16, SECCOMP_BPF=17, SECCOMP_FLAGS=18, ID=32, ROOTFS=33, HOSTNAME=35, NAMESPACES=37, MOUNT=38, MASKED=39,
         READONLY=40, PROCESS=42, START_NOW=43, HOOK=44, STATE_JSON=45, UID_MAP=46, GID_MAP=47, PERSONALITY=48, M_DEST=64, M_TYPE=65, M_SOURCE=66, M_DATA=67, M_FLAGS=68,
         H_PATH=88, H_ARG=89, H_ENV=90, H_TIMEOUT=91, PID=96, SIGNO=97, ALL=98, CODE=99, SIGNAL=100, ERRNO=101, MESSAGE=102,
         GUEST_NS=103, AGENT_MINFLT=104, CPU_TOTAL_NS=112, CPU_USER_NS=113,
         CPU_KERNEL_NS=114, MEM_USAGE=115, MEM_LIMIT=116, PIDS_CURRENT=117, UPTIME_NS=118)
MS = dict(RDONLY=1, NOSUID=2, NODEV=4, NOEXEC=8, BIND=4096, REC=16384, STRICTATIME=1 << 24)
CLONE = dict(NEWNS=0x20000, NEWUTS=0x4000000, NEWIPC=0x8000000, NEWUSER=0x10000000,
             NEWPID=0x20000000, NEWNET=0x40000000)


def field(tag, value):
    return struct.pack("<HI", tag, len(value)) + value


def s(tag, text):
    return field(F[tag], text.encode() + b"\0")


def u32(tag, v):
    return field(F[tag], struct.pack("<I", v))


def u64(tag, v):
    return field(F[tag], struct.pack("<Q", v))


def msg(mtype, payload=b""):
    return struct.pack("<IHBB", len(payload), T[mtype], VERSION, 0) + payload


def fields(payload):
    out, off = [], 0
    while off < len(payload):
        tag, n = struct.unpack_from("<HI", payload, off)
        out.append((tag, payload[off + 6:off + 6 + n]))
        off += 6 + n
    return out


def field_u64(payload, tag, default=0):
    for t, v in fields(payload):
        if t == F[tag]:
            return struct.unpack("<Q", v)[0]
    return default


def field_u32(payload, tag, default=0):
    for t, v in fields(payload):
        if t == F[tag]:
            return struct.unpack("<I", v)[0]
    return default


def connect(args):
    if args.vsock is None:
        sk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sk.connect(args.sock)
        return sk
    sk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sk.connect(args.sock)
    sk.sendall(b"CONNECT %d\n" % args.vsock)
    line = b""
    while not line.endswith(b"\n"):
        c = sk.recv(1)
        if not c:
            sys.exit("CONNECT %d: closed" % args.vsock)
        line += c
    if not line.startswith(b"OK "):
        sys.exit("CONNECT %d: %r" % (args.vsock, line))
    return sk


def recv_exact(sk, n):
    buf = b""
    while len(buf) < n:
        c = sk.recv(n - len(buf))
        if not c:
            return None
        buf += c
    return buf


def read_msg(sk):
    hdr = recv_exact(sk, 8)
    if hdr is None:
        return None, None
    n, mtype, ver, _ = struct.unpack("<IHBB", hdr)
    assert ver == VERSION, "version %d" % ver
    payload = recv_exact(sk, n) if n else b""
    return mtype, payload


def fail_on_error(mtype, payload):
    if mtype == T["ERROR"]:
        errnum, text = 0, ""
        for t, v in fields(payload):
            if t == F["ERRNO"]:
                errnum = struct.unpack("<I", v)[0]
            elif t == F["MESSAGE"]:
                text = v.rstrip(b"\0").decode(errors="replace")
        sys.stderr.write("error %d: %s\n" % (errnum, text))
        sys.exit(125)
    if mtype is None:
        sys.stderr.write("connection closed\n")
        sys.exit(126)


def seccomp_eperm(nrs):
    """A BPF program of our own: x86_64 syscalls `nrs` fail with EPERM, all else allowed."""
    ins = lambda code, jt, jf, k: struct.pack("<HBBI", code, jt, jf, k)
    ld_abs, jeq, ret = 0x20, 0x15, 0x06
    prog = ins(ld_abs, 0, 0, 4)  # seccomp_data.arch
    prog += ins(jeq, 1, 0, 0xC000003E)  # AUDIT_ARCH_X86_64
    prog += ins(ret, 0, 0, 0x80000000)  # another arch: SECCOMP_RET_KILL_PROCESS
    prog += ins(ld_abs, 0, 0, 0)  # seccomp_data.nr
    for i, nr in enumerate(nrs):
        # on a match, jump over the remaining compares and the ALLOW to the ERRNO
        prog += ins(jeq, len(nrs) - i, 0, nr)
    prog += ins(ret, 0, 0, 0x7FFF0000)  # SECCOMP_RET_ALLOW
    prog += ins(ret, 0, 0, 0x00050000 | 1)  # SECCOMP_RET_ERRNO | EPERM
    return prog


def process_fields(a):
    p = b"".join(s("ARG", x) for x in a.args)
    env = a.env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    p += b"".join(s("ENV", x) for x in env)
    p += s("CWD", a.cwd) + u32("UID", a.uid) + u32("GID", a.gid)
    if a.tty:
        p += u32("TERMINAL", 1) + u32("ROWS", 24) + u32("COLS", 80)
    if a.stdin:
        p += u32("STDIN", 1)
    if getattr(a, "host_pid", 0):
        p += u32("HOST_PID", a.host_pid)
    if a.no_new_privs:
        p += u32("NO_NEW_PRIVS", 1)
    if a.seccomp_eperm:
        p += field(F["SECCOMP_BPF"], seccomp_eperm(a.seccomp_eperm))
    if a.rlimit_nofile:
        n = a.rlimit_nofile
        p += field(F["RLIMIT"], u32("RLIMIT_RESOURCE", 7) + u64("RLIMIT_SOFT", n) + u64("RLIMIT_HARD", n))
    return p


def mount(dest, mtype, source, flags, data=None):
    m = s("M_DEST", dest) + s("M_TYPE", mtype) + s("M_SOURCE", source) + u64("M_FLAGS", flags)
    if data:
        m += s("M_DATA", data)
    return field(F["MOUNT"], m)


def container_payload(a):
    ns = CLONE["NEWNS"] | CLONE["NEWUTS"] | CLONE["NEWIPC"] | CLONE["NEWPID"]
    if not a.no_netns:
        ns |= CLONE["NEWNET"]
    if a.userns:
        ns |= CLONE["NEWUSER"]
    c = s("ID", "test") + s("ROOTFS", a.rootfs) + u32("NAMESPACES", ns)
    if a.userns:
        uid0, gid0 = (int(x) for x in a.userns.split(":"))
        extra = b"".join(struct.pack("<3I", *(int(x) for x in m.split(":"))) for m in a.uid_map)
        c += field(F["UID_MAP"], struct.pack("<3I", 0, uid0, 65536) + extra)
        c += field(F["GID_MAP"], struct.pack("<3I", 0, gid0, 65536))
    if a.hostname:
        c += s("HOSTNAME", a.hostname)
    c += mount("/proc", "proc", "proc", MS["NOSUID"] | MS["NOEXEC"] | MS["NODEV"])
    c += mount("/dev", "tmpfs", "tmpfs", MS["NOSUID"] | MS["STRICTATIME"], "mode=755,size=65536k")
    c += mount("/dev/pts", "devpts", "devpts", MS["NOSUID"] | MS["NOEXEC"],
               "newinstance,ptmxmode=0666,mode=0620")
    c += mount("/dev/shm", "tmpfs", "shm", MS["NOSUID"] | MS["NOEXEC"] | MS["NODEV"],
               "mode=1777,size=65536k")
    c += mount("/sys", "sysfs", "sysfs",
               MS["NOSUID"] | MS["NOEXEC"] | MS["NODEV"] | MS["RDONLY"])
    if a.mqueue:
        c += mount("/dev/mqueue", "mqueue", "mqueue", MS["NOSUID"] | MS["NOEXEC"] | MS["NODEV"])
    for b in a.bind:
        share, dest = b.split(":", 1)
        c += mount(dest, "bind", share, MS["BIND"] | MS["REC"])
    # a file, a directory (both exist on any kernel) and one that may not
    c += s("MASKED", "/proc/cmdline") + s("MASKED", "/proc/bus") + s("MASKED", "/proc/kcore")
    c += s("READONLY", "/proc/sys")
    c += hook_fields(a)
    if a.start_now:
        c += u32("START_NOW", 1)
    if a.personality is not None:
        c += u32("PERSONALITY", a.personality)
    return c + field(F["PROCESS"], process_fields(a))


DEFAULT_STATE = ('{"ociVersion":"1.2.0","id":"test","status":"created","pid":4242,'
                 '"bundle":"/bundle"}')


def hook_fields(a):
    import json
    out = b""
    for text in a.hook:
        h = json.loads(text)
        f = s("H_PATH", h["path"])
        f += b"".join(s("H_ARG", x) for x in h.get("args", []))
        f += b"".join(s("H_ENV", x) for x in h.get("env", []))
        if "timeout" in h:
            f += u32("H_TIMEOUT", h["timeout"])
        out += field(F["HOOK"], f)
    if a.hook:
        out += s("STATE_JSON", a.state or DEFAULT_STATE)
    return out


def relay(sk, a):
    """Relays until EXIT; returns the exit status."""
    if a.signal_after:
        secs, signo = a.signal_after.split(":")

        def later():
            time.sleep(float(secs))
            sk.sendall(msg("SIGNAL", u32("SIGNO", int(signo))))
        threading.Thread(target=later, daemon=True).start()
    if a.stdin:
        def feed():
            while True:
                data = os.read(0, 65536)
                if not data:
                    break
                sk.sendall(msg("STDIN", data))
            sk.sendall(msg("STDIN_CLOSE"))
        threading.Thread(target=feed, daemon=True).start()
    while True:
        mtype, payload = read_msg(sk)
        if mtype is None:
            sys.stderr.write("stream closed before EXIT\n")
            return 126
        if mtype == T["STDOUT"]:
            sys.stdout.buffer.write(payload)
            sys.stdout.flush()
        elif mtype == T["STDERR"]:
            sys.stderr.buffer.write(payload)
            sys.stderr.flush()
        elif mtype == T["EXIT"]:
            code, sig = field_u32(payload, "CODE"), field_u32(payload, "SIGNAL")
            if getattr(a, "timing", False):
                sys.stderr.write("guest_ms: %.1f\nagent_minflt: %d\n" % (
                    field_u64(payload, "GUEST_NS") / 1e6, field_u32(payload, "AGENT_MINFLT")))
            return 128 + sig if sig else code
        else:
            fail_on_error(mtype, payload)


def oneshot(a, mtype, payload=b""):
    sk = connect(a)
    sk.sendall(msg(mtype, payload))
    rtype, rpayload = read_msg(sk)
    fail_on_error(rtype, rpayload)
    sk.close()
    return rtype, rpayload


def create(a):
    sk = connect(a)
    t0 = time.monotonic()
    sk.sendall(msg("CREATE", container_payload(a)))
    mtype, payload = read_msg(sk)
    fail_on_error(mtype, payload)
    if a.timing:
        sys.stderr.write("create_ms: %.1f\n" % ((time.monotonic() - t0) * 1000))
    return sk, field_u32(payload, "PID")


def cmd_run(a):
    sk, _ = create(a)
    t0 = time.monotonic()
    if not a.start_now:
        oneshot(a, "START")
    if a.timing:
        sys.stderr.write("start_ms: %.1f\n" % ((time.monotonic() - t0) * 1000))
    status = relay(sk, a)
    if a.timing:
        sys.stderr.write("start_to_exit_ms: %.1f\n" % ((time.monotonic() - t0) * 1000))
    return status


def cmd_create_only(a):
    sk, pid = create(a)
    print(pid, flush=True)
    return relay(sk, a)


def cmd_exec(a):
    sk = connect(a)
    sk.sendall(msg("EXEC", process_fields(a)))
    mtype, payload = read_msg(sk)
    fail_on_error(mtype, payload)
    return relay(sk, a)


def cmd_signal(a):
    oneshot(a, "SIGNAL", u32("PID", a.pid) + u32("SIGNO", a.signo) + u32("ALL", int(a.all)))
    return 0


def cmd_ps(a):
    _, payload = oneshot(a, "PS")
    for t, v in fields(payload):
        if t == F["HOST_PID"]:
            print(struct.unpack("<I", v)[0])
    return 0


def cmd_stats(a):
    rtype, payload = oneshot(a, "STATS")
    if rtype != T["STATS_REPLY"]:
        sys.exit("STATS: reply %s" % NAMES.get(rtype, rtype))
    for name in ("CPU_TOTAL_NS", "CPU_USER_NS", "CPU_KERNEL_NS", "MEM_USAGE", "MEM_LIMIT",
                 "UPTIME_NS"):
        print(name.lower(), field_u64(payload, name, -1))
    print("pids_current", field_u32(payload, "PIDS_CURRENT", -1))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vsock", type=int)
    ap.add_argument("sock")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def proc_opts(p):
        p.add_argument("--tty", action="store_true")
        p.add_argument("--stdin", action="store_true")
        p.add_argument("--env", action="append")
        p.add_argument("--cwd", default="/")
        p.add_argument("--uid", type=int, default=0)
        p.add_argument("--gid", type=int, default=0)
        p.add_argument("--signal-after", help="SECS:SIGNO: SIGNAL on the stream")
        p.add_argument("--no-new-privs", action="store_true")
        p.add_argument("--seccomp-eperm", type=int, action="append",
                       help="x86_64 syscall number the process's seccomp filter fails (EPERM)")
        p.add_argument("--rlimit-nofile", type=int)
        p.add_argument("args", nargs="+")

    for name in ("run", "create-only"):
        p = sub.add_parser(name)
        p.add_argument("--rootfs", default="rootfs")
        p.add_argument("--hostname")
        p.add_argument("--bind", action="append", default=[])
        p.add_argument("--timing", action="store_true")
        p.add_argument("--hook", action="append", default=[], help="startContainer hook JSON")
        p.add_argument("--state", help="the state JSON the hooks read")
        p.add_argument("--start-now", action="store_true")
        p.add_argument("--userns", help="UID0:GID0, the host ids of the container's 0")
        p.add_argument("--uid-map", action="append", default=[], help="C:H:S, one more entry")
        p.add_argument("--no-netns", action="store_true")
        p.add_argument("--mqueue", action="store_true")
        p.add_argument("--personality", type=int, help="PER_* domain (8: PER_LINUX32)")
        proc_opts(p)
    p = sub.add_parser("exec")
    p.add_argument("--host-pid", type=int, default=0)
    proc_opts(p)
    sub.add_parser("start")
    p = sub.add_parser("signal")
    p.add_argument("--all", action="store_true")
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("signo", type=int)
    sub.add_parser("ps")
    sub.add_parser("stats")
    sub.add_parser("shutdown")
    a = ap.parse_args()
    if a.cmd == "run":
        return cmd_run(a)
    if a.cmd == "create-only":
        return cmd_create_only(a)
    if a.cmd == "exec":
        return cmd_exec(a)
    if a.cmd == "start":
        oneshot(a, "START")
        return 0
    if a.cmd == "signal":
        return cmd_signal(a)
    if a.cmd == "ps":
        return cmd_ps(a)
    if a.cmd == "stats":
        return cmd_stats(a)
    oneshot(a, "SHUTDOWN")
    return 0


if __name__ == "__main__":
    sys.exit(main())
