#!/usr/bin/python3
"""A stand-in for systemd's Manager on a private dbus-daemon, for systemd_cgroup.bats.

   fake_systemd.py LOG CGROUP_ROOT

Owns org.freedesktop.systemd1 on the bus named by DBUS_SYSTEM_BUS_ADDRESS and answers
StartTransientUnit, SetUnitProperties and StopUnit as systemd does for a scope: it makes the scope's cgroup under
CGROUP_ROOT (the slice expanded independently of incept's code), moves the PIDs into it, and
removes it on StopUnit. Every call is appended to LOG as one JSON line, as libdbus decoded it,
so the test checks incept's marshalling against a real D-Bus implementation. A unit name
containing "exists" is refused with org.freedesktop.systemd1.UnitExists. Uses Debian's
python3-dbus and python3-gi (scripts/install-deps.sh).
"""
import json
import os
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.freedesktop.systemd1.Manager"


def expand_slice(name):
    base = name[: -len(".slice")]
    parts = base.split("-")
    return "".join("/" + "-".join(parts[: i + 1]) + ".slice" for i in range(len(parts)))


def plain(v):
    """dbus-python values as JSON-able Python values."""
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Array, list)):
        return [plain(x) for x in v]
    if isinstance(v, (dbus.Struct, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    if isinstance(v, (dbus.UInt32, dbus.UInt64, dbus.Int32, dbus.Int64, dbus.Byte)):
        return int(v)
    return v


def type_name(v):
    """The D-Bus type libdbus decoded a variant as: Boolean, String, Array(u), ..."""
    if isinstance(v, dbus.Array):
        return "Array(%s)" % v.signature
    return type(v).__name__


class Manager(dbus.service.Object):
    def __init__(self, bus, log, root):
        super().__init__(bus, "/org/freedesktop/systemd1")
        self.log, self.root, self.units, self.jobs = log, root, {}, 0

    def record(self, **call):
        with open(self.log, "a") as f:
            f.write(json.dumps(call) + "\n")

    def job(self):
        self.jobs += 1
        return dbus.ObjectPath("/org/freedesktop/systemd1/job/%d" % self.jobs)

    @dbus.service.method(IFACE, in_signature="ssa(sv)a(sa(sv))", out_signature="o")
    def StartTransientUnit(self, name, mode, props, aux):
        p = {str(k): plain(v) for k, v in props}
        self.record(call="StartTransientUnit", name=str(name), mode=str(mode),
                    props=p, aux=plain(aux),
                    types={str(k): type_name(v) for k, v in props})
        if "exists" in name:
            raise dbus.exceptions.DBusException(
                "Unit %s was already loaded or has a fragment file." % name,
                name="org.freedesktop.systemd1.UnitExists")
        path = self.root + expand_slice(p.get("Slice", "system.slice")) + "/" + name
        os.makedirs(path, exist_ok=True)
        for pid in p.get("PIDs", []):
            with open(path + "/cgroup.procs", "w") as f:
                f.write(str(pid))
        self.units[str(name)] = path
        return self.job()

    @dbus.service.method(IFACE, in_signature="sba(sv)", out_signature="")
    def SetUnitProperties(self, name, runtime, props):
        self.record(call="SetUnitProperties", name=str(name), runtime=bool(runtime),
                    props={str(k): plain(v) for k, v in props},
                    types={str(k): type_name(v) for k, v in props})

    @dbus.service.method(IFACE, in_signature="ss", out_signature="o")
    def StopUnit(self, name, mode):
        self.record(call="StopUnit", name=str(name), mode=str(mode))
        path = self.units.pop(str(name), None)
        if path is None:
            raise dbus.exceptions.DBusException(
                "Unit %s not loaded." % name, name="org.freedesktop.systemd1.NoSuchUnit")
        # its processes are gone (killed by incept) or going: rmdir once empty
        for _ in range(100):
            try:
                os.rmdir(path)
                break
            except OSError:
                GLib.usleep(10000)
        return self.job()


def main():
    log, root = sys.argv[1], sys.argv[2]
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
    name = dbus.service.BusName("org.freedesktop.systemd1", bus)
    Manager(bus, log, root)
    with open(log, "a") as f:
        f.write(json.dumps({"call": "ready", "owner": name.get_name()}) + "\n")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
