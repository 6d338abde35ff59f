#!/usr/bin/env python3
"""
The simulated kiosks of bench/dispatch-fleet.ts: one UDP socket per site on
127.0.0.1, each packet stamped by the kernel (SO_TIMESTAMPNS) as it arrives.

Why the kernel's stamp and not a Node receiver's clock: a kiosk's network card
wakes the PC when the packet arrives, whatever else runs. A receiver that stamps
packets when it gets round to reading them measures its own share of the CPU;
on a 2-core machine shared with the agents it was most of the "packet lateness",
and reading while the agents send took CPU from them. This receiver reads nothing
during the instant: packets wait in the sockets' buffers with their arrival time,
and are read when the bench asks.

Requests on stdin and answers on stdout, one JSON object per line:
  {"type":"start","macs":[...],"kiosksPerSite":10} -> {"basePort":N,"sockets":N}
  {"type":"count"}   -> {"kiosks":N,"packets":N,"invalid":N}   (reads what is waiting)
  {"type":"collect"} -> {"first":[ms...],"packets":N,"invalid":N} then starts over
Times are CLOCK_MONOTONIC milliseconds (process.hrtime in Node), 0 = no packet.
Network safety: binds 127.0.0.1 only.
"""
import json
import random
import socket
import struct
import sys
import time

LOOPBACK = "127.0.0.1"
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux
TIMESPEC = struct.Struct("@qq")
RECV_BUFFER = 1 << 20
CMSG_SPACE = socket.CMSG_SPACE(TIMESPEC.size)

sockets = []
mac_index = {}
site_of_kiosk = []
first = []
packets = 0
invalid = 0


def realtime_minus_monotonic_ms():
    samples = []
    for _ in range(5):
        a = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        r = time.clock_gettime_ns(time.CLOCK_REALTIME)
        b = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        samples.append((b - a, r - (a + b) // 2))
    return min(samples)[1] / 1e6


def bind_all(base, sites):
    opened = []
    try:
        for s in range(sites):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            opened.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECV_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.bind((LOOPBACK, base + s))
            sock.setblocking(False)
        return opened
    except OSError:
        for sock in opened:
            sock.close()
        return None


def start(msg):
    global sockets, first, site_of_kiosk
    macs = msg["macs"]
    per_site = msg["kiosksPerSite"]
    first = [0.0] * len(macs)
    site_of_kiosk = [i // per_site for i in range(len(macs))]
    for i, mac in enumerate(macs):
        mac_index[bytes.fromhex(mac.replace(":", ""))] = i
    sites = -(-len(macs) // per_site)
    for _ in range(20):
        base = random.randint(20000, 60000 - sites)
        opened = bind_all(base, sites)
        if opened:
            sockets = opened
            return {"basePort": base, "sockets": len(sockets)}
    raise RuntimeError("no free range of UDP ports on 127.0.0.1")


def drain():
    """Reads every waiting packet; the first valid one per kiosk keeps its kernel stamp."""
    global packets, invalid
    offset = realtime_minus_monotonic_ms()
    for site, sock in enumerate(sockets):
        while True:
            try:
                data, ancdata, _flags, _addr = sock.recvmsg(256, CMSG_SPACE)
            except BlockingIOError:
                break
            packets += 1
            stamp = None
            for level, kind, value in ancdata:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = TIMESPEC.unpack_from(value)
                    stamp = sec * 1e3 + nsec / 1e6 - offset
            # A whole magic packet: 6 x 0xFF, then one MAC 16 times, for a kiosk of this site.
            mac = data[6:12]
            kiosk = mac_index.get(mac)
            if (
                stamp is None
                or len(data) != 102
                or data[:6] != b"\xff" * 6
                or data[6:] != mac * 16
                or kiosk is None
                or site_of_kiosk[kiosk] != site
            ):
                invalid += 1
                continue
            if first[kiosk] == 0 or stamp < first[kiosk]:
                first[kiosk] = stamp


def handle(msg):
    global first, packets, invalid
    kind = msg["type"]
    if kind == "start":
        return start(msg)
    drain()
    if kind == "count":
        return {"kiosks": sum(1 for v in first if v), "packets": packets, "invalid": invalid}
    if kind == "collect":
        result = {"first": first, "packets": packets, "invalid": invalid}
        first = [0.0] * len(first)
        packets = 0
        invalid = 0
        return result
    raise ValueError(f"unknown request {kind!r}")


def main():
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            answer = {"id": msg.get("id"), "result": handle(msg)}
        except Exception as err:  # answered, not fatal: the bench reports it
            answer = {"id": msg.get("id"), "error": repr(err)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
