#!/usr/bin/env python3
# Passive BGP peer for capturing what a reference speaker sends: accept one
# connection on ADDR:179, answer its OPEN with ours (AS 65000, MP v4+v6, route
# refresh, AS4, optional add-path rx for v4), KEEPALIVE, record every message for
# SECS seconds, then send a Cease NOTIFICATION. Each message is saved as
# OUTDIR/<prefix>_<n>_<type>.
import socket, struct, sys, time, os
addr, outdir, prefix, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
addpath = len(sys.argv) > 5 and sys.argv[5] == 'addpath'
names = {1: 'open', 2: 'update', 3: 'notification', 4: 'keepalive', 5: 'route_refresh'}
def msg(t, body): return b'\xff' * 16 + struct.pack('>HB', 19 + len(body), t) + body
caps = b''
caps += bytes([1, 4, 0, 1, 0, 1]) + bytes([1, 4, 0, 2, 0, 1]) + bytes([2, 0])
caps += bytes([65, 4]) + struct.pack('>I', 65000)
if addpath:
    caps += bytes([69, 8, 0, 1, 1, 3, 0, 2, 1, 3])
opt = bytes([2, len(caps)]) + caps
open_msg = msg(1, struct.pack('>BHHIB', 4, 65000, 90, 0x0a000002, len(opt)) + opt)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 179)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(0.5)
buf = b''; n = 0; sent = False; end = None
while True:
    try:
        d = c.recv(65536)
        if not d: break
        buf += d
    except socket.timeout:
        pass
    while len(buf) >= 19:
        l = struct.unpack('>H', buf[16:18])[0]
        if len(buf) < l: break
        m, buf = buf[:l], buf[l:]
        n += 1
        with open(os.path.join(outdir, '%s_%02d_%s' % (prefix, n, names.get(m[18], 'x'))), 'wb') as f:
            f.write(m)
        if m[18] == 1 and not sent:
            c.sendall(open_msg + msg(4, b'')); sent = True; end = time.time() + secs
        elif m[18] == 4:
            c.sendall(msg(4, b''))
    if end and time.time() > end: break
c.sendall(msg(3, bytes([6, 2])))
time.sleep(0.3)
c.close()
