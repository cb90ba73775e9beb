"""SMTP clients that load fakesmtp, shared by tests/integration/t_fakesmtp_hostile.sh
and bench/fakesmtp-hostile. Each one is bounded in time and count.

  hold HOST PORT N SECONDS [--trickle] [--reconnect] [--ready FILE] [--stop FILE]
      N connections started at once (those made within 2 s kept), held
      open for SECONDS (or until the --stop FILE exists), then closed.
      --trickle: one byte of an unending command a second on each;
      --reconnect: a connection the server closed is opened again (at most
      once a second each), as a slowloris client does. --ready: FILE is
      created once the connections are made and their banners read (2 s at
      most). Prints how many connected and how many read a 220 banner
      ("N B"); with --reconnect, then "reconnects R".
  big HOST PORT N MB
      N clients, each in DATA at once with MB million bytes of message text
      (lines of 1000 bytes), then the dot. Prints the sorted reply codes.
  deliver HOST PORT COUNT [--timeout S] [--deadline S] [--interval S] [--warmup N]
      COUNT deliveries one after the other (EHLO, MAIL, RCPT, DATA, a short
      message, QUIT), each given S seconds (default 10), all of them
      --deadline seconds (default 120), one begun every --interval seconds
      at most (default 0), after N deliveries not counted (default 0). Prints "ok K of COUNT" and, over the
      deliveries that got 250, "p50 p95 max" in milliseconds ("- - -" when
      none did).
"""

import argparse
import errno
import os
import selectors
import socket
import sys
import time


def start_connect(host, port):
    """A non-blocking socket whose connection to host:port is under way."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    if s.connect_ex((host, port)) not in (0, errno.EINPROGRESS):
        s.close()
        return None
    return s


def connect_all(host, port, n, wait):
    """n connections started at once; those made within `wait` seconds."""
    sel = selectors.DefaultSelector()
    for _ in range(n):
        s = start_connect(host, port)
        if s is not None:
            sel.register(s, selectors.EVENT_WRITE)
    made, end = [], time.time() + wait
    while sel.get_map() and time.time() < end:
        for key, _ in sel.select(max(0.0, end - time.time())):
            sel.unregister(key.fileobj)
            if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                made.append(key.fileobj)
            else:
                key.fileobj.close()
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    sel.close()
    return made


def read_banners(socks, wait):
    """Reads each socket's first reply for at most `wait` seconds in all;
    returns how many began with 220."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    banners, end = 0, time.time() + wait
    while sel.get_map() and time.time() < end:
        for key, _ in sel.select(max(0.0, end - time.time())):
            try:
                banners += key.fileobj.recv(512).startswith(b"220")
            except OSError:
                pass
            sel.unregister(key.fileobj)
    sel.close()
    return banners


def closed_by_server(s):
    """Reads what the server sent; true when it closed the connection."""
    try:
        return s.recv(512) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def trickle_round(host, port, socks, reconnect, end):
    """One second of the trickle: a byte on each open connection, and with
    reconnect the closed ones opened again (until `end`). Returns the
    reconnections."""
    again = 0
    for i, s in enumerate(socks):
        if time.time() >= end:
            break
        if s is not None and closed_by_server(s):
            s.close()
            socks[i] = s = None
        if s is None and reconnect:
            socks[i] = s = start_connect(host, port)
            again += 1
        if s is not None:
            try:
                s.send(b"X")
            except OSError:
                pass
    return again


def hold(a):
    socks = connect_all(a.host, a.port, a.n, 2)
    banners = read_banners(socks, 2)
    if a.ready:
        open(a.ready, "w").close()
    again, end = 0, time.time() + a.seconds
    slots = list(socks) + [None] * (a.n - len(socks) if a.reconnect else 0)

    def stopped():
        return a.stop is not None and os.path.exists(a.stop)

    while time.time() < end and not stopped():
        if a.trickle:
            again += trickle_round(a.host, a.port, slots, a.reconnect, end)
        second = min(end, time.time() + 1)
        while time.time() < second and not stopped():
            time.sleep(min(0.05, max(0.0, second - time.time())))
    for s in slots:
        if s is not None:
            s.close()
    print(len(socks), banners)
    if a.reconnect:
        print("reconnects", again)


def reply(f):
    """The code of one (multi-line) reply, or None at EOF."""
    while True:
        line = f.readline()
        if not line:
            return None
        if line[3:4] != b"-":
            return line[:3].decode(errors="replace")


def big(a):
    line = b"x" * 998 + b"\r\n"
    socks = []
    for _ in range(a.n):
        s = socket.create_connection((a.host, a.port), 5)
        s.settimeout(60)
        s.recv(512)
        s.sendall(b"EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
        socks.append(s)
    for s in socks:
        buf = b""
        while b"354" not in buf:
            buf += s.recv(512)
    for s in socks:
        s.sendall(line * (a.mb * 1000))
    for s in socks:
        s.sendall(b".\r\n")
    codes = []
    for s in socks:
        buf = b""
        while not buf.endswith(b"\r\n"):
            buf += s.recv(512)
        codes.append(buf.split()[0].decode())
    print(" ".join(sorted(codes)))


def deliver_one(host, port, timeout):
    """One delivery; true when the message got 250."""
    with socket.create_connection((host, port), timeout) as s:
        s.settimeout(timeout)
        f = s.makefile("rb")
        if reply(f) != "220":
            return False
        steps = [b"EHLO bench.test\r\n", b"MAIL FROM:<a@src.test>\r\n",
                 b"RCPT TO:<b@fs.test>\r\n", b"DATA\r\n", b"Subject: t\r\n\r\nhello\r\n.\r\n"]
        want = ["250", "250", "250", "354", "250"]
        for cmd, code in zip(steps, want):
            s.sendall(cmd)
            if reply(f) != code:
                return False
        s.sendall(b"QUIT\r\n")
        return True


def percentile(sorted_ms, p):
    return sorted_ms[max(0, -(-len(sorted_ms) * p // 100) - 1)]


def deliver(a):
    ms, end = [], time.time() + a.deadline
    for i in range(a.warmup + a.count):
        start = time.time()
        if start >= end:
            break
        try:
            good = deliver_one(a.host, a.port, a.timeout)
        except OSError:
            good = False
        if good and i >= a.warmup:
            ms.append((time.time() - start) * 1000)
        time.sleep(max(0.0, min(start + a.interval, end) - time.time()))
    ms.sort()
    print("ok", len(ms), "of", a.count)
    if ms:
        print("%.1f %.1f %.1f" % (percentile(ms, 50), percentile(ms, 95), ms[-1]))
    else:
        print("- - -")


def main():
    p = argparse.ArgumentParser(description="SMTP clients that load fakesmtp")
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("host")
    h.add_argument("port", type=int)
    h.add_argument("n", type=int)
    h.add_argument("seconds", type=float)
    h.add_argument("--trickle", action="store_true")
    h.add_argument("--reconnect", action="store_true")
    h.add_argument("--ready")
    h.add_argument("--stop")
    b = sub.add_parser("big")
    b.add_argument("host")
    b.add_argument("port", type=int)
    b.add_argument("n", type=int)
    b.add_argument("mb", type=int)
    d = sub.add_parser("deliver")
    d.add_argument("host")
    d.add_argument("port", type=int)
    d.add_argument("count", type=int)
    d.add_argument("--timeout", type=float, default=10)
    d.add_argument("--deadline", type=float, default=120)
    d.add_argument("--interval", type=float, default=0)
    d.add_argument("--warmup", type=int, default=0)
    a = p.parse_args()
    {"hold": hold, "big": big, "deliver": deliver}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
