#!/usr/bin/env bash
# Renders an HTML report in headless Chromium (Debian package `chromium`) and checks that the
# screenshot is not blank: a PNG of the requested size whose pixels are not all one colour, with a
# share of non-white pixels. Usage: ops/scripts/report-check.sh DIR/index.html [screenshot.png]
set -euo pipefail
HTML="$(realpath "$1")"
PNG="${2:-$(dirname "$HTML")/screenshot.png}"
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$CHROMIUM" ]]; then echo "report-check: chromium is not installed (apt-get install chromium)" >&2; exit 1; fi
PROFILE="$(mktemp -d)"
trap 'rm -rf "$PROFILE"' EXIT
# --no-sandbox: CI runs as root. No network is needed: the page is self-contained.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$PROFILE" \
  --window-size=1280,2400 --screenshot="$PNG" "file://$HTML" >/dev/null 2>&1 || true
[[ -s "$PNG" ]] || { echo "report-check: chromium wrote no screenshot" >&2; exit 1; }
python3 - "$PNG" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, bit_depth, colour = 8, b"", 0, 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunk = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, bit_depth, colour = struct.unpack(">IIBB", chunk[:10])
    elif kind == b"IDAT":
        idat += chunk
    pos += 12 + length
channels = {2: 3, 6: 4, 0: 1, 4: 2}[colour]
raw = zlib.decompress(idat)
stride = width * channels
rows, prev = [], bytearray(stride)
i = 0
for _ in range(height):
    ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - channels] if x >= channels else 0
        b, c = prev[x], (prev[x - channels] if x >= channels else 0)
        if ftype == 1: line[x] = (line[x] + a) & 255
        elif ftype == 2: line[x] = (line[x] + b) & 255
        elif ftype == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif ftype == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
pixels = [row[x:x + 3] for row in rows[::8] for x in range(0, stride, channels * 8)]
distinct = len(set(pixels))
ink = sum(1 for p in pixels if p != b"\xff\xff\xff") / len(pixels)
print(f"report-check: {width}x{height} screenshot, {distinct} distinct colours in the sample, {ink:.1%} non-white")
assert width == 1280 and height == 2400, "unexpected size"
assert distinct > 20 and ink > 0.02, "the screenshot is blank"
PY
