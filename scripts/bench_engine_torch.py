#!/usr/bin/python3
"""PyTorch twin of the engine benchmark (scripts/bench.ts), for the ratio in issue 2.

Run with Debian's system python3 and python3-torch (notes/engine.md):
    /usr/bin/python3 scripts/bench_engine_torch.py [--threads 2] [--steps 30] [--json]
Same reference step net (src/engine/step_net.ts): conv3x3 s2 3->32 +BN+ReLU, conv3x3 s2
32->64 +BN+ReLU, two dilated (d=2) conv3x3 64->64 +bias+ReLU, 1x1 conv -> 19 (+bias),
bilinear upsample (align_corners=False), cross-entropy (ignore 255), plain SGD; batch 4, 64x64.
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class StepNet(nn.Module):
    def __init__(self, classes=19, width=32):
        super().__init__()
        w2 = 2 * width
        self.conv1 = nn.Conv2d(3, width, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, w2, 3, 2, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(w2)
        self.conv3 = nn.Conv2d(w2, w2, 3, 1, 2, dilation=2)
        self.conv4 = nn.Conv2d(w2, w2, 3, 1, 2, dilation=2)
        self.cls = nn.Conv2d(w2, classes, 1)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = F.relu(self.conv3(h))
        h = F.relu(self.conv4(h))
        return F.interpolate(self.cls(h), size=x.shape[2:], mode='bilinear', align_corners=False)


def stats(ms):
    s = sorted(ms)
    return {'min': round(s[0], 2), 'median': round(s[len(s) // 2], 2)}


def time_it(fn, reps, warmup=3):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def bench_step(steps):
    torch.manual_seed(1)
    net = StepNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x = torch.randn(4, 3, 64, 64)
    labels = torch.randint(0, 19, (4, 64, 64))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), labels, ignore_index=255)
        loss.backward()
        opt.step()
        loss.item()
    return stats(time_it(step, steps))


def bench_conv(dilation, reps=10):
    x = torch.randn(4, 32, 64, 64)
    w = torch.randn(32, 32, 3, 3)
    dy = torch.randn(4, 32, 64, 64)
    flops = 2 * 4 * 64 * 64 * 32 * 32 * 9
    kw = dict(padding=dilation, dilation=dilation)
    with torch.no_grad():
        fwd = stats(time_it(lambda: F.conv2d(x, w, **kw), reps))['median']

        def bwd():  # input and weight gradients, as autograd's conv backward computes them
            torch.nn.grad.conv2d_input(x.shape, w, dy, **kw)
            torch.nn.grad.conv2d_weight(x, w.shape, dy, **kw)
        b = stats(time_it(bwd, reps))['median']
    return {'forward': round(flops / fwd / 1e6, 1), 'backward': round(2 * flops / b / 1e6, 1)}


def bench_similarity(reps=5):
    a = torch.randn(4, 4096, 64)
    b = torch.randn(4, 64, 4096)
    return stats(time_it(lambda: torch.bmm(a, b), reps, warmup=1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=30)
    p.add_argument('--json', action='store_true')
    a = p.parse_args()
    torch.set_num_threads(a.threads)  # Debian's build defaults to 1 here
    step = bench_step(a.steps)
    conv = {'d1': bench_conv(1), 'd2': bench_conv(2)}
    sim = bench_similarity()
    rss = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result = {'backend': 'pytorch ' + torch.__version__, 'threads': torch.get_num_threads(), 'stepMs': step,
              'convGflops': conv, 'similarityMs': sim['median'], 'similarityMsMin': sim['min'], 'peakRssMB': rss}
    print(json.dumps(result) if a.json else json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
