#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A QMP client for the tests: the independent view of a guest that hvfs
runs.  It speaks to the second monitor QEMU serves (qemu/monitor, see
docs/qemu.md), so hvfs's own connection is left alone.

usage: qmp.py SOCKET COMMAND [ARGUMENTS-AS-JSON]
Prints the reply's "return" as JSON; exits 1 with QEMU's error on stderr.
"""
import json
import socket
import sys


def main():
    path, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(path)
    stream = sock.makefile("rwb")

    def reply():
        while True:
            line = stream.readline()
            if not line:
                sys.exit("qmp.py: QEMU closed the monitor")
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg

    json.loads(stream.readline())  # the greeting
    for cmd, arguments in (("qmp_capabilities", None), (command, args)):
        msg = {"execute": cmd}
        if arguments is not None:
            msg["arguments"] = arguments
        stream.write(json.dumps(msg).encode() + b"\n")
        stream.flush()
        answer = reply()
        if "error" in answer:
            sys.exit("qmp.py: %s: %s" % (cmd, answer["error"].get("desc", answer["error"])))
    print(json.dumps(answer["return"]))


main()
