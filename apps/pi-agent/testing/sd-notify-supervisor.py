#!/usr/bin/python3
"""A minimal service manager with systemd's sd_notify contract, for the agent's
watchdog tests where systemd cannot run as PID 1. What it implements, as systemd does
for the shipped unit (Type=notify, NotifyAccess=all, WatchdogSec=, Restart=always,
KillMode=control-group):

  - binds a unix datagram socket, passes NOTIFY_SOCKET and WATCHDOG_USEC (and
    WATCHDOG_PID) to the service, which starts in its own session (its "cgroup");
  - accepts a message only from a process of that session (NotifyAccess=all), reads
    the sender from SCM_CREDENTIALS, and answers BARRIER=1 by closing the pipe it
    carries (systemd-notify waits for that);
  - arms the watchdog at READY=1; each WATCHDOG=1 re-arms it; when WATCHDOG_USEC
    passes without one it sends the main process SIGABRT (WatchdogSignal=) and, after
    --abort-grace-ms (TimeoutAbortSec=), SIGKILL to the whole session;
  - when the main process exits, kills what is left of the session, waits
    --restart-ms (RestartSec=) and starts it again;
  - on SIGTERM stops the service (SIGTERM, then SIGKILL after --stop-grace-ms) and exits.

Every event is one JSON line on stdout with `at` in ms since the epoch.
Usage: sd-notify-supervisor.py --watchdog-usec N [--abort-grace-ms N]
       [--restart-ms N] [--stop-grace-ms N] [--user UID] --socket PATH -- argv...
"""
import argparse
import array
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time


def now_ms():
    return int(time.time() * 1000)


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, "at": now_ms(), **fields}) + "\n")
    sys.stdout.flush()


def session_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            # the command may contain spaces and parentheses: fields follow the last ')'
            # (state, ppid, pgrp, session, ...)
            return int(f.read().rsplit(")", 1)[1].split()[3])
    except (OSError, IndexError, ValueError):
        return None


def kill_session(sid, sig):
    # Like systemd's cgroup kill: every process of the service, wherever it forked to.
    try:
        os.killpg(sid, sig)
    except ProcessLookupError:
        pass
    for entry in os.listdir("/proc"):
        if entry.isdigit() and session_of(int(entry)) == sid:
            try:
                os.kill(int(entry), sig)
            except ProcessLookupError:
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--watchdog-usec", type=int, required=True)
    parser.add_argument("--abort-grace-ms", type=int, default=1000)
    parser.add_argument("--restart-ms", type=int, default=500)
    parser.add_argument("--stop-grace-ms", type=int, default=10000)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--user", type=int, help="run the service as this uid and gid (User=, Group=)")
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.argv[1:] if args.argv and args.argv[0] == "--" else args.argv

    if os.path.exists(args.socket):
        os.unlink(args.socket)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(args.socket)
    os.chmod(args.socket, 0o777)  # as systemd's: any process of the service may send
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

    stopping = False

    def on_term(_sig, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    watchdog_s = args.watchdog_usec / 1e6
    while not stopping:
        env = dict(os.environ, NOTIFY_SOCKET=args.socket, WATCHDOG_USEC=str(args.watchdog_usec))
        identity = {} if args.user is None else {"user": args.user, "group": args.user, "extra_groups": []}
        proc = subprocess.Popen(argv, env=env, start_new_session=True, **identity)
        sid = proc.pid
        emit("start", pid=proc.pid)
        deadline = None  # watchdog armed at READY=1
        abort_at = None
        while proc.poll() is None:
            if stopping:
                kill_session(sid, signal.SIGTERM)
                try:
                    proc.wait(timeout=args.stop_grace_ms / 1000)
                except subprocess.TimeoutExpired:
                    emit("stop-timeout", pid=proc.pid)
                    kill_session(sid, signal.SIGKILL)
                break
            t = time.monotonic()
            if deadline is not None and t >= deadline and abort_at is None:
                emit("watchdog-timeout", pid=proc.pid)
                os.kill(proc.pid, signal.SIGABRT)
                abort_at = t + args.abort_grace_ms / 1000
            if abort_at is not None and t >= abort_at:
                emit("abort-timeout", pid=proc.pid)
                kill_session(sid, signal.SIGKILL)
                abort_at = float("inf")
            ready, _, _ = select.select([sock], [], [], 0.02)
            if not ready:
                continue
            fds = array.array("i")
            msg, ancdata, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(16 * 4))
            sender = None
            for level, kind, data in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    sender = struct.unpack("iII", data[:12])[0]
                elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
            fields = dict(line.split("=", 1) for line in msg.decode().split("\n") if "=" in line)
            # Who sent it is looked up before the barrier is released: after, the sender may be gone.
            accepted = sender is not None and session_of(sender) == sid
            for fd in fds:
                os.close(fd)  # BARRIER=1: closing its pipe releases the sender
            if not accepted:
                emit("refused", sender=sender, message=fields)
                continue
            if fields.get("READY") == "1":
                emit("ready", pid=proc.pid, sender=sender)
                deadline = time.monotonic() + watchdog_s
            if fields.get("WATCHDOG") == "1":
                emit("watchdog", pid=proc.pid, sender=sender)
                if deadline is not None and abort_at is None:
                    deadline = time.monotonic() + watchdog_s
            if fields.get("STOPPING") == "1":
                emit("stopping", pid=proc.pid)
        code = proc.wait()
        kill_session(sid, signal.SIGKILL)  # KillMode=control-group: nothing outlives the main process
        emit("exit", pid=proc.pid, code=code if code >= 0 else None, signal=-code if code < 0 else None)
        if stopping:
            break
        time.sleep(args.restart_ms / 1000)
    sock.close()
    os.unlink(args.socket)


if __name__ == "__main__":
    main()
