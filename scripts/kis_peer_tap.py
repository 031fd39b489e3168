#!/usr/bin/env python3
"""A WebSocket tap for the KIS samples peer run (scripts/kis-samples-peer.sh).

Listens on 127.0.0.1, forwards every connection to the simulator's WebSocket port and parses the RFC 6455 frames in
both directions without changing a byte. At exit (SIGTERM/SIGINT) it writes a JSON report of what the client received:
per TR frames, records, repeated records, times that went back per (TR, key), records with the wrong field count (field
counts and time fields from this repository's catalog, docs/kis-catalog.json, through kis_peer_catalog.py);
per session who closed it and how; PINGPONGs and how they were answered; replies by msg_cd. Notices are decrypted with
the key/iv of the session's SUBSCRIBE SUCCESS reply (Cryptodome, as Debian names pycryptodome).

Our own code (not KIS's). Usage: kis_peer_tap.py --upstream-port N --report FILE  (prints "listening <port>").
"""
import argparse, asyncio, base64, json, signal, struct, sys, time
from collections import defaultdict

try:
    from Cryptodome.Cipher import AES
    from Cryptodome.Util.Padding import unpad
except ImportError:  # pip's pycryptodome
    from Crypto.Cipher import AES
    from Crypto.Util.Padding import unpad

sys.dont_write_bytecode = True  # importing the shared module must leave no __pycache__ in scripts/
import kis_peer_catalog  # noqa: E402

CATALOG = kis_peer_catalog.load()

stats = defaultdict(lambda: {"frames": 0, "records": 0, "repeated": 0, "time_back": 0, "bad_fields": 0, "undecryptable": 0,
                             "keys": set(), "first_time": None, "last_time": None})
seen = defaultdict(set)          # TR -> record texts (across sessions: a reconnect must not replay)
last_time = {}                   # (TR, key) -> last HHMMSS
sessions = []
replies = defaultdict(int)


class Parser:
    """Incremental RFC 6455 frame parser (reassembles fragmented messages)."""
    def __init__(self):
        self.buf = bytearray()
        self.msg = bytearray()
        self.msg_op = None

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            if len(self.buf) < 2:
                return out
            b0, b1 = self.buf[0], self.buf[1]
            op, fin, masked, ln = b0 & 0x0F, b0 & 0x80, b1 & 0x80, b1 & 0x7F
            pos = 2
            if ln == 126:
                if len(self.buf) < 4: return out
                ln = struct.unpack(">H", self.buf[2:4])[0]; pos = 4
            elif ln == 127:
                if len(self.buf) < 10: return out
                ln = struct.unpack(">Q", self.buf[2:10])[0]; pos = 10
            mask = None
            if masked:
                if len(self.buf) < pos + 4: return out
                mask = self.buf[pos:pos + 4]; pos += 4
            if len(self.buf) < pos + ln:
                return out
            payload = bytes(self.buf[pos:pos + ln])
            del self.buf[:pos + ln]
            if mask:
                payload = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
            if op >= 0x8:
                out.append((op, payload))
            else:
                if op != 0: self.msg_op, self.msg = op, bytearray()
                self.msg += payload
                if fin:
                    out.append((self.msg_op, bytes(self.msg)))


class Session:
    def __init__(self, n, path):
        self.info = {"id": n, "path": path, "opened": time.strftime("%H:%M:%S"), "closed_by": None, "close_code": None,
                     "close_reason": None, "pingpongs": 0, "pong_frames": 0, "text_echoes": 0, "client_pings": 0,
                     "max_answer_seconds": 0.0}
        self.ping_at = None
        self.keys = {}  # TR -> (key, iv)
        sessions.append(self.info)

    def server_message(self, op, p):
        if op == 0x8:
            code = struct.unpack(">H", p[:2])[0] if len(p) >= 2 else None
            if self.info["closed_by"] is None:
                self.info.update(closed_by="server", close_code=code, close_reason=p[2:].decode("utf-8", "replace"),
                                 unanswered_ping_seconds=self.unanswered_for())
            return
        if op not in (0x1, 0x2) or not p:
            return
        if p[:1] == b"{":
            try:
                j = json.loads(p)
            except ValueError:
                return
            h, b = j.get("header") or {}, j.get("body") or {}
            if h.get("tr_id") == "PINGPONG":
                self.info["pingpongs"] += 1
                self.ping_at = time.monotonic()
                return
            replies[b.get("msg_cd", "?")] += 1
            out = b.get("output") or {}
            if b.get("rt_cd") == "0" and out.get("key") and h.get("tr_id"):
                self.keys[h["tr_id"]] = (out["key"], out["iv"])
            return
        parts = p.split(b"|", 3)
        if len(parts) < 4:
            return
        tr, count, data = parts[1].decode("ascii", "replace"), int(parts[2] or b"0"), parts[3]
        s = stats[tr]
        s["frames"] += 1
        if parts[0] == b"1":
            try:
                k, iv = self.keys[tr]
                data = unpad(AES.new(k.encode(), AES.MODE_CBC, iv.encode()).decrypt(base64.b64decode(data)), 16)
            except Exception:
                s["undecryptable"] += 1
                return
        text = data.decode("utf-8", "replace")
        fields = text.split("^")
        known = CATALOG.get(tr)
        expected, tidx = (len(known.fields), known.time_index) if known else (None, None)
        if count == 0 or len(fields) % count or (expected and len(fields) // count != expected):
            s["bad_fields"] += 1
            return
        width = len(fields) // count
        for i in range(count):
            rec = fields[i * width:(i + 1) * width]
            s["records"] += 1
            joined = "^".join(rec)
            if joined in seen[tr]: s["repeated"] += 1
            seen[tr].add(joined)
            key = rec[0]
            s["keys"].add(key)
            if tidx is not None:
                t = rec[tidx]
                if (tr, key) in last_time and t < last_time[(tr, key)]: s["time_back"] += 1
                last_time[(tr, key)] = t
                s["first_time"] = s["first_time"] or t
                s["last_time"] = t

    def client_message(self, op, p):
        if op == 0x8 and self.info["closed_by"] is None:
            self.info.update(closed_by="client", close_code=struct.unpack(">H", p[:2])[0] if len(p) >= 2 else None)
        elif op == 0xA:
            self.info["pong_frames"] += 1
            self.answered()
        elif op == 0x9:
            self.info["client_pings"] += 1
        elif op == 0x1 and b'"PINGPONG"' in p:
            self.info["text_echoes"] += 1
            self.answered()

    def unanswered_for(self):
        """Seconds since the PINGPONG the client has not answered yet (None: all answered): a close for a missed ping
        with this past the ping interval is the client falling behind, not the server closing early."""
        return None if self.ping_at is None else round(time.monotonic() - self.ping_at, 3)

    def answered(self):
        """How long the client took to answer the last PINGPONG, as seen between the two processes."""
        if self.ping_at is not None:
            self.info["max_answer_seconds"] = round(max(self.info["max_answer_seconds"], time.monotonic() - self.ping_at), 3)
            self.ping_at = None


async def pump(reader, writer, parser, handle, on_eof):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            for op, p in parser.feed(data):
                handle(op, p)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        on_eof()
        try:
            writer.close()
        except Exception:
            pass


async def handle_client(creader, cwriter, upstream_port):
    sreader, swriter = await asyncio.open_connection("127.0.0.1", upstream_port)
    # The first line of the client's request names the path; peek it from the forwarded bytes.
    session = Session(len(sessions) + 1, "?")
    first = await creader.read(65536)
    if first:
        try:
            session.info["path"] = first.split(b"\r\n", 1)[0].decode("ascii", "replace").split(" ")[1]
        except IndexError:
            pass
        swriter.write(first)
        await swriter.drain()
    # The server's 101 response precedes its frames: skip the HTTP head before parsing.
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = await sreader.read(4096)
        if not chunk:
            return
        head += chunk
    cwriter.write(head)
    await cwriter.drain()
    sparser, cparser = Parser(), Parser()
    rest = head.split(b"\r\n\r\n", 1)[1]
    for op, p in sparser.feed(rest):
        session.server_message(op, p)

    def server_eof():
        if session.info["closed_by"] is None:
            session.info.update(closed_by="server (connection dropped)", unanswered_ping_seconds=session.unanswered_for())

    def client_eof():
        if session.info["closed_by"] is None:
            session.info["closed_by"] = "client (connection dropped)"

    await asyncio.gather(pump(sreader, cwriter, sparser, session.server_message, server_eof),
                         pump(creader, swriter, cparser, session.client_message, client_eof))
    session.info["ended"] = time.strftime("%H:%M:%S")


def report(path):
    def described(tr, s):
        known = CATALOG.get(tr)
        return {**{k: v for k, v in s.items() if k != "keys"}, "keys": sorted(s["keys"]), "in_catalog": known is not None,
                "time_field": known.fields[known.time_index] if known and known.time_index is not None else None,
                "running_total": bool(known and known.running_total)}
    out = {"trs": {tr: described(tr, s) for tr, s in stats.items()},
           "sessions": sessions, "replies": dict(replies)}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream-port", type=int, required=True)
    ap.add_argument("--report", required=True)
    a = ap.parse_args()
    server = await asyncio.start_server(lambda r, w: handle_client(r, w, a.upstream_port), "127.0.0.1", 0)
    print("listening", server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    report(a.report)


if __name__ == "__main__":
    asyncio.run(main())
