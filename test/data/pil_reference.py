"""Generates pil_reference.json: Pillow's bilinear and nearest resizes of a small test image,
the independent reference for src/data/transforms.ts (the PLCA reference resizes with PIL).
Run: /usr/bin/python3 test/data/pil_reference.py  (Pillow 9.4, Debian python3-pil)."""
import json, PIL
from PIL import Image

W, H = 13, 9
def px(x, y, c):  # the same formula as the test
    return (x * 23 + y * 41 + c * 67 + (x * y) % 7 * 9) % 256

img = Image.new('RGB', (W, H))
img.putdata([tuple(px(x, y, c) for c in range(3)) for y in range(H) for x in range(W)])
lab = Image.new('L', (W, H))
lab.putdata([(x * 3 + y * 5) % 19 for y in range(H) for x in range(W)])
out = {'pillow': PIL.__version__, 'width': W, 'height': H, 'cases': []}
for (w, h) in [(7, 5), (20, 14), (13, 4), (5, 9), (26, 18)]:
    r = img.resize((w, h), Image.BILINEAR)
    n = lab.resize((w, h), Image.NEAREST)
    out['cases'].append({'width': w, 'height': h,
                         'rgb': [v for p in r.getdata() for v in p],
                         'nearest': list(n.getdata())})
json.dump(out, open(__file__.replace('.py', '.json'), 'w'))
