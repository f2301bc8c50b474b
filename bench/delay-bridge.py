#!/usr/bin/env python3
"""delay-bridge.py IF_A IF_B DELAY_MS - an Ethernet bridge in user space that holds every frame
for DELAY_MS before passing it on, for bench/quic-eval.sh (this kernel has no tc netem).

Frames are read and written with AF_PACKET raw sockets, so TCP and UDP (QUIC) see the same
delay on every packet, retransmissions included: the delay is part of each transport's round
trip, unlike a relay that ends the TCP connection. The delay is constant, so one FIFO keeps the
order. Offloads must be off on the veths (the script does it): a frame larger than the MTU or
with a checksum left to the hardware would not survive the copy.
"""
import collections
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003


def open_port(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 << 20)
    s.bind((name, 0))
    s.setblocking(False)
    return s


def main():
    a, b, delay = open_port(sys.argv[1]), open_port(sys.argv[2]), float(sys.argv[3]) / 1000.0
    peer = {a: b, b: a}
    held = collections.deque()
    while True:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, out, frame = held.popleft()
            try:
                out.send(frame)
            except OSError:
                pass  # a full queue drops the frame, as a real link would
        timeout = max(0.0, held[0][0] - now) if held else 1.0
        ready, _, _ = select.select([a, b], [], [], timeout)
        for s in ready:
            for _ in range(256):
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING:
                    continue  # our own copy of a frame we sent
                held.append((time.monotonic() + delay, peer[s], frame))


if __name__ == "__main__":
    main()
