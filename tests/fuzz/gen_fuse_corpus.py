#!/usr/bin/env python3
# Writes the seed corpus of fuzz_vmm_fuse: for each FUSE operation, INIT + LOOKUP of the
# share "s" (node 2) and of its entries, then a valid request of that operation.
# Layouts follow <linux/fuse.h> (7.38); node ids and file handles are the server's counters.
#   python3 tests/fuzz/gen_fuse_corpus.py tests/fuzz/corpus/fuzz_vmm_fuse
import os
import struct
import sys

OP = dict(LOOKUP=1, FORGET=2, GETATTR=3, SETATTR=4, READLINK=5, SYMLINK=6, MKNOD=8, MKDIR=9,
          UNLINK=10, RMDIR=11, RENAME=12, LINK=13, OPEN=14, READ=15, WRITE=16, STATFS=17,
          RELEASE=18, FSYNC=20, SETXATTR=21, GETXATTR=22, LISTXATTR=23, REMOVEXATTR=24,
          FLUSH=25, INIT=26, OPENDIR=27, READDIR=28, RELEASEDIR=29, FSYNCDIR=30, ACCESS=34,
          CREATE=35, INTERRUPT=36, DESTROY=38, IOCTL=39, BATCH_FORGET=42, FALLOCATE=43,
          READDIRPLUS=44, RENAME2=45, LSEEK=46)
unique = 0


def req(op, node, body=b""):
    global unique
    unique += 1
    return struct.pack("<IIQQIIIHH", 40 + len(body), OP[op], unique, node, 0, 0, 1, 0, 0) + body


def name(s):
    return s.encode() + b"\0"


INIT = req("INIT", 0, struct.pack("<IIII", 7, 38, 131072, 0xffffffff) + bytes(48))
S, F, D, L = 2, 3, 4, 5  # share root, s/f, s/d, s/l in lookup order below
PRE = INIT + req("LOOKUP", 1, name("s")) + req("LOOKUP", S, name("f")) + \
    req("LOOKUP", S, name("d")) + req("LOOKUP", S, name("l"))
OPEN_F = req("OPEN", F, struct.pack("<II", 2, 0))  # O_RDWR -> fh 1
OPEN_D = req("OPENDIR", D, struct.pack("<II", 0, 0))
read_in = struct.pack("<QQIIQII", 1, 0, 4096, 0, 0, 0, 0)
setattr_in = struct.pack("<IIQQQQQQIIIIIIII", 0x1 | 0x8 | 0x10 | 0x20, 0, 0, 3, 0,
                         5, 6, 0, 0, 0, 0, 0o600, 0, 1000, 1000, 0)
seeds = {
    "getattr": req("GETATTR", F, struct.pack("<IIQ", 0, 0, 0)),
    "setattr": req("SETATTR", F, setattr_in),
    "readlink": req("READLINK", L),
    "statfs": req("STATFS", S),
    "access": req("ACCESS", F, struct.pack("<II", 6, 0)),
    "symlink": req("SYMLINK", S, name("nl") + name("/etc/passwd")),
    "mknod": req("MKNOD", S, struct.pack("<IIII", 0o10644, 0, 0o22, 0) + name("fifo")),
    "mkdir": req("MKDIR", S, struct.pack("<II", 0o755, 0o22) + name("nd")),
    "unlink": req("UNLINK", S, name("f")),
    "rmdir": req("RMDIR", S, name("d")),
    "rename": req("RENAME", S, struct.pack("<Q", D) + name("f") + name("moved")),
    "rename2": req("RENAME2", S, struct.pack("<QII", S, 2, 0) + name("f") + name("d")),
    "link": req("LINK", D, struct.pack("<Q", F) + name("hard")),
    "read": OPEN_F + req("READ", F, read_in),
    "write": OPEN_F + req("WRITE", F, struct.pack("<QQIIQII", 1, 2, 5, 0, 0, 0, 0) + b"abcde"),
    "flush": OPEN_F + req("FLUSH", F, struct.pack("<QIIQ", 1, 0, 0, 0)),
    "fsync": OPEN_F + req("FSYNC", F, struct.pack("<QII", 1, 1, 0)),
    "release": OPEN_F + req("RELEASE", F, struct.pack("<QIIQ", 1, 2, 0, 0)),
    "fallocate": OPEN_F + req("FALLOCATE", F, struct.pack("<QQQII", 1, 0, 8192, 0, 0)),
    "lseek": OPEN_F + req("LSEEK", F, struct.pack("<QQII", 1, 0, 3, 0)),
    "readdir": OPEN_D + req("READDIR", D, read_in),
    "readdirplus": OPEN_D + req("READDIRPLUS", D, read_in),
    "releasedir": OPEN_D + req("RELEASEDIR", D, struct.pack("<QIIQ", 1, 0, 0, 0)),
    "fsyncdir": OPEN_D + req("FSYNCDIR", D, struct.pack("<QII", 1, 0, 0)),
    "rootdir": req("OPENDIR", 1, struct.pack("<II", 0, 0)) + req("READDIRPLUS", 1, read_in),
    "create": req("CREATE", S, struct.pack("<IIII", 0o102, 0o644, 0o22, 0) + name("new")),
    "setxattr": req("SETXATTR", F, struct.pack("<II", 4, 0) + name("user.a") + b"blue"),
    "getxattr": req("SETXATTR", F, struct.pack("<II", 1, 0) + name("user.a") + b"x") +
    req("GETXATTR", F, struct.pack("<II", 64, 0) + name("user.a")),
    "listxattr": req("LISTXATTR", F, struct.pack("<II", 0, 0)),
    "removexattr": req("SETXATTR", F, struct.pack("<II", 1, 0) + name("user.a") + b"x") +
    req("REMOVEXATTR", F, name("user.a")),
    "forget": req("FORGET", F, struct.pack("<Q", 1)),
    "batch_forget": req("BATCH_FORGET", 0, struct.pack("<II", 2, 0) +
                        struct.pack("<QQQQ", F, 1, D, 1)),
    "interrupt": req("INTERRUPT", 0, struct.pack("<Q", 3)),
    "destroy": req("DESTROY", 0),
    "ioctl": req("IOCTL", F, bytes(32)),
    "dotdot": req("LOOKUP", S, name("..")) + req("LOOKUP", D, name("..")),
    "ro": req("LOOKUP", 1, name("ro")) + req("MKDIR", 6, struct.pack("<II", 0o755, 0) + name("x")),
    "file": req("LOOKUP", 1, name("file")) + req("OPEN", 6, struct.pack("<II", 0, 0)),
}
os.makedirs(sys.argv[1], exist_ok=True)
for key, body in seeds.items():
    with open(os.path.join(sys.argv[1], key), "wb") as out:
        out.write(PRE + body)
