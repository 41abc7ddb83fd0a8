#!/usr/bin/env python3
"""Seed corpus for fuzz_proto: one well-formed message of each kind (common/proto.h)."""
import os
import struct
import sys

def field(tag, value):
    return struct.pack('<HI', tag, len(value)) + value

def s(tag, text):
    return field(tag, text.encode() + b'\0')

def u32(tag, v):
    return field(tag, struct.pack('<I', v))

def u64(tag, v):
    return field(tag, struct.pack('<Q', v))

def msg(mtype, payload):
    return struct.pack('<IHBB', len(payload), mtype, 1, 0) + payload

process = (s(1, '/bin/sh') + s(1, '-c') + s(1, 'echo hi') + s(2, 'PATH=/bin') + s(3, '/') +
           u32(4, 0) + u32(5, 0) + field(6, struct.pack('<III', 1, 2, 3)) + u32(7, 0o22) +
           u32(8, 1) + u32(9, 24) + u32(10, 80) + u32(11, 1) + field(12, b'\xff' * 40) +
           field(13, u32(80, 7) + u64(81, 1024) + u64(82, 4096)) + u32(14, 100) +
           u32(15, 4242) + u32(16, 1))
# a seccomp program (17): ld [4]; jeq AUDIT_ARCH_X86_64,0,1; ret ALLOW; ret KILL_PROCESS;
# flags (18): SECCOMP_FILTER_FLAG_LOG
seccomp = field(17, struct.pack('<HBBI', 0x20, 0, 0, 4) + struct.pack('<HBBI', 0x15, 0, 1, 0xc000003e) +
                struct.pack('<HBBI', 0x06, 0, 0, 0x7fff0000) +
                struct.pack('<HBBI', 0x06, 0, 0, 0x80000000)) + u32(18, 2)
mount = field(38, s(64, '/proc') + s(65, 'proc') + s(66, 'proc') + s(67, 'hidepid=2') +
              u64(68, 0xe) + u64(69, 1 << 18))
container = (s(32, 'c1') + s(33, 'rootfs') + u32(34, 1) + s(35, 'box') + s(36, 'example') +
             u32(37, 0x6c020000) + mount + s(39, '/proc/kcore') + s(40, '/proc/sys') +
             s(41, 'net.ipv4.ip_forward=1') + field(42, process))
# startContainer hooks (44: path 88, args 89, env 90, timeout 91) and their state (45)
hooks = (field(44, s(88, '/bin/sh') + s(89, 'sh') + s(89, '-c') + s(89, 'cat > /tmp/x') +
               s(90, 'A=1') + u32(91, 5)) + field(44, s(88, '/bin/true')) +
         s(45, '{"ociVersion":"1.2.0","id":"c1","status":"created","pid":42}'))
# a user namespace (37: CLONE_NEWUSER | NEWNS | NEWPID) with its uid map (46: two entries)
# and gid map (47), each entry u32 container id, host id, size
userns = (s(32, 'c2') + s(33, 'rootfs') + u32(37, 0x30020000) +
          field(46, struct.pack('<6I', 0, 100000, 65536, 65536, 300000, 10)) +
          field(47, struct.pack('<3I', 0, 100000, 65536)) + field(42, process))
seeds = {
    'create': msg(1, container),
    'create_hooks': msg(1, container + hooks),
    'create_userns': msg(1, userns),
    # linux.personality (48): PER_LINUX32
    'create_personality': msg(1, container + u32(48, 8)),
    'exec': msg(3, process),
    'exec_seccomp': msg(3, process + seccomp),
    'signal': msg(4, u32(96, 0) + u32(97, 15) + u32(98, 1)),
    'resize': msg(5, u32(9, 50) + u32(10, 132)),
    'exit': msg(37, u32(99, 0) + u32(100, 9)),
    'error': msg(33, u32(101, 2) + s(102, 'exec: "x": executable file not found in $PATH')),
    'pid': msg(34, u32(96, 77)),
    'pids': msg(38, u32(15, 1) + u32(15, 2)),
    'stdout': msg(35, b'hi\n'),
    'stats': msg(10, b''),
    'stats_reply': msg(39, u64(112, 30_000_000) + u64(113, 20_000_000) + u64(114, 10_000_000) +
                       u64(115, 40 << 20) + u64(116, 256 << 20) + u32(117, 3) +
                       u64(118, 12_000_000_000)),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
