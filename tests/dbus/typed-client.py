#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# A Python client of the typed D-Bus interfaces of afb-daemon (docs/dbus.md),
# with python3-dbus (libdbus): typed methods with the signatures that
# introspection gives, a failure, and a typed event received in a GLib main
# loop (python3-gi). Run by test-dbus-typed-calls against a daemon exporting
# hello and the test binding typed on $DBUS_SESSION_BUS_ADDRESS.
import os
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(os.environ['DBUS_SESSION_BUS_ADDRESS'])


def plain(value):
    """The Python value of a dbus-python value (variants already unwrapped)."""
    if isinstance(value, dbus.ObjectPath):
        return str(value)
    if isinstance(value, (dbus.Dictionary, dict)):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (dbus.Array, list, dbus.Struct, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16, dbus.UInt32, dbus.UInt64, dbus.Byte)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, dbus.String):
        return str(value)
    return value


hello_obj = bus.get_object('org.afb.api.hello', '/org/afb/api/hello')
hello = dbus.Interface(hello_obj, 'org.afb.typed.hello')
typed_obj = bus.get_object('org.afb.api.typed', '/org/afb/api/typed')
typed = dbus.Interface(typed_obj, 'org.afb.typed.typed')

pong, info = hello.ping()
print('ping: %s / %s' % (pong, info))
ms, elapsed, info = hello.timer({'ms': dbus.Int64(20)})
print('timer: %d %d %s' % (ms, elapsed, info))
x, y, norm, extra, info = typed.point(dbus.Int64(3), dbus.Int64(-4), {'label': 'p'})
print('point: %d %d %.1f %s %s' % (x, y, norm, plain(extra), info))
response, info = hello.echo({'a': dbus.Array([dbus.Int64(1), 'x', True], signature='v'),
                             'n': dbus.ObjectPath('/')})
print('echo: %s' % plain(response))
try:
    hello.pingfail()
    print('pingfail: no error')
except dbus.DBusException as e:
    print('pingfail: %s: %s' % (e.get_dbus_name(), e.get_dbus_message()))

# a declared event, subscribed by a typed call: the signal tick of org.afb.typed.typed
loop = GLib.MainLoop()
events = []


def on_tick(data):
    events.append(int(data))
    print('event typed/tick: %d' % data)
    loop.quit()


typed_obj.connect_to_signal('tick', on_tick, dbus_interface='org.afb.typed.typed')
count, info = typed.emit('tick', dbus.Int64(42), {})
GLib.timeout_add(5000, loop.quit)
loop.run()
if events != [42]:
    print('no event received')
    sys.exit(1)
print('done')
