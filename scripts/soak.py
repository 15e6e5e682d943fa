#!/usr/bin/env python3
"""Soak client of scripts/soak: sends REQUESTS classify requests from CONNECTIONS threads, cycling through
good and hostile bodies, and checks every answer against the status that body must get.

Usage: soak.py PORT REQUESTS CONNECTIONS PHOTO_DIR PID TMPDIR
Prints progress every 20,000 requests, a summary, and the summary as JSON on the last line."""
import http.client, json, os, random, socket, struct, sys, threading, time, zlib

port, total, conns, photos, pid, tmpdir = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], \
    int(sys.argv[5]), sys.argv[6]

def png(w, h, pixels):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        (chunk(b"IDAT", zlib.compress(pixels)) if pixels is not None else b"") + chunk(b"IEND", b"")

def multipart(parts, boundary="soakboundary"):
    body = b""
    for headers, content in parts:
        body += b"--" + boundary.encode() + b"\r\n" + headers.encode() + b"\r\n\r\n" + content + b"\r\n"
    return body + b"--" + boundary.encode() + b"--\r\n"

jpegs = [open(os.path.join(photos, f), "rb").read() for f in sorted(os.listdir(photos)) if f.endswith(".jpg")][:32]
rnd = random.Random(14)
blank = png(256, 256, b"".join(b"\x00" + b"\x00" * 768 for _ in range(256)))
file_part = 'Content-Disposition: form-data; name="image"; filename="p.jpg"'
# (name, kind, path, content type, body, expected status); kind "http" goes over a kept-alive connection,
# "raw" is sent as exact bytes on a fresh socket
cases = [("good jpeg", "http", "/v1/classify?topK=3", "image/jpeg", j, 200) for j in jpegs[:8]] + [
    ("good multipart", "http", "/v1/classify", "multipart/form-data; boundary=soakboundary",
     multipart([(file_part, jpegs[9]), (file_part, jpegs[10])]), 200),
    ("blank png", "http", "/v1/classify", "image/png", blank, 200),
    ("random bytes", "http", "/v1/classify", "image/jpeg", bytes(rnd.randrange(256) for _ in range(3000)), 415),
    ("truncated jpeg", "http", "/v1/classify", "image/jpeg", jpegs[11][:len(jpegs[11]) // 2], 422),
    ("png bomb header", "http", "/v1/classify", "image/png", png(60000, 60000, None), 422),
    ("empty body", "http", "/v1/classify", "image/png", b"", 400),
    ("empty boundary", "http", "/v1/classify", "multipart/form-data; boundary=", b"--\r\n\r\n", 400),
    ("part without disposition", "http", "/v1/classify", "multipart/form-data; boundary=soakboundary",
     multipart([("Content-Type: image/jpeg", jpegs[12])]), 400),
    ("64 KiB form field", "http", "/v1/classify", "multipart/form-data; boundary=soakboundary",
     multipart([('Content-Disposition: form-data; name="topK"', b"7" * 65536), (file_part, jpegs[13])]), 400),
    ("50 file parts", "http", "/v1/classify", "multipart/form-data; boundary=soakboundary",
     multipart([(file_part, jpegs[14])] * 50), 413),
    ("bad percent-encoding", "http", "/v1/classify?topK=%zz", "image/jpeg", jpegs[15], 400),
    ("text/plain", "http", "/v1/classify", "text/plain", b"hello", 415),
    ("no Host", "raw", b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", None, None, 400),
    ("HTTP/1.2", "raw", b"GET /health HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n", None, None, 505),
]

lock = threading.Lock()
counter = [0]
stats = {}      # name -> [sent, ok]
failures = []   # first 20 descriptions

def raw(request):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return int(data.split(b" ")[1]) if data else 0

def worker(index):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = index
    while True:
        with lock:
            if counter[0] >= total:
                break
            counter[0] += 1
            n = counter[0]
        name, kind, path, ctype, body, want = cases[i % len(cases)]
        i += 1
        try:
            if kind == "raw":
                got = raw(path)
            else:
                conn.request("POST", path, body=body, headers={"Content-Type": ctype})
                r = conn.getresponse()
                payload = r.read()
                got = r.status
                if got >= 400 and r.getheader("Content-Type") != "application/problem+json":
                    got = -got  # a 4xx without a problem body is a failure too
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        except Exception as e:  # a refused, reset or timed-out connection
            got = repr(e)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with lock:
            s = stats.setdefault(name, [0, 0])
            s[0] += 1
            if got == want:
                s[1] += 1
            elif len(failures) < 20:
                failures.append(f"{name}: wanted {want}, got {got}")
            if n % 20000 == 0:
                print(f"{n} requests, {sum(v[0] - v[1] for v in stats.values())} failed, RSS {rss()} MB",
                      flush=True)

def rss():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return round(int(line.split()[1]) / 1024)

def fds():
    return len(os.listdir(f"/proc/{pid}/fd"))

def temp_files():
    return sum(len(files) + len(dirs) for _, dirs, files in os.walk(tmpdir))

before = {"rss_mb": rss(), "fds": fds(), "temp_files": temp_files()}
start = time.time()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
for t in threads:
    t.start()
warm = None
while any(t.is_alive() for t in threads):
    time.sleep(1)
    if warm is None and counter[0] >= total // 10:
        warm = {"requests": counter[0], "rss_mb": rss(), "fds": fds()}
for t in threads:
    t.join()
elapsed = time.time() - start
time.sleep(2)  # let closing connections finish before counting descriptors
after = {"rss_mb": rss(), "fds": fds(), "temp_files": temp_files()}
failed = sum(v[0] - v[1] for v in stats.values())
summary = {"requests": sum(v[0] for v in stats.values()), "failed": failed, "seconds": round(elapsed),
           "per_second": round(total / elapsed), "before": before, "warm": warm, "after": after,
           "rss_growth_since_warm_pct": round(100 * (after["rss_mb"] - warm["rss_mb"]) / warm["rss_mb"], 1)
           if warm else None, "by_body": stats, "first_failures": failures}
print(f"requests {summary['requests']} in {summary['seconds']} s ({summary['per_second']}/s), failed {failed}")
print(f"RSS before {before['rss_mb']} MB, warm {warm['rss_mb'] if warm else '?'} MB, end {after['rss_mb']} MB "
      f"(growth since warm {summary['rss_growth_since_warm_pct']}%)")
print(f"open fds before {before['fds']}, warm {warm['fds'] if warm else '?'}, end {after['fds']}; "
      f"temp files before {before['temp_files']}, end {after['temp_files']}")
for f in failures:
    print("  failed:", f)
print(json.dumps(summary))
