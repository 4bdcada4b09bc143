#!/usr/bin/python3
"""PyTorch twin of the model-step benchmark (scripts/bench_model.ts), for the ratio in one run.

    /usr/bin/python3 scripts/bench_model_torch.py --crop 321 [--batch 1] [--objective source|plca]
        [--threads 2] [--steps 3] [--warmup 1] [--json]

The same network as plca's `deeplabv2_resnet101` (src/models): ResNet-101 with the stride in the
first 1x1 conv of a bottleneck, 3x3 padding = dilation, layer3/4 dilated 2/4 from their first
block, stem 7x7/2 + BN + ReLU + max-pool 3/2 pad 1 ceil mode; DeepLab-V2 ASPP of four bias-free
3x3 convs (dilations 6, 12, 18, 24) summed; 19 classes. One step is what plca's trainer does:
forward in training mode, the objective, gradients of all parameters, SGD (lr 2.5e-4, momentum
0.9, weight decay 5e-4).
  source: CE (ignore 255) on logits upsampled bilinearly (align_corners=False) to the crop.
  plca:   target batch forwarded first, then source; Eq. (14) as the reference composes it:
          CE + 0.75 Lovasz-softmax (present classes) on the upsampled source logits,
          0.1 * (feature association, cosine on layer4 + prediction association, -KL on the
          softmax of the logits), target side spatially aggregated (alpha 0.5), contrast
          normalisation with detached mean/std, positive cycles only; 0.01 * (LSR source + target),
          lambda 10. Dense matrices, as the reference.
The step's GFLOP is counted from the convolutions (forward hooks): forward + filter gradients +
input gradients, none for the stem's input - the same count as src/models/conv_work.ts.
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 19
IGNORE = 255


class Bottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride, dilation, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class DeepLabV2R101(nn.Module):
    def __init__(self, num_classes=NUM_CLASSES, blocks=(3, 4, 23, 3)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        layers, inplanes, dilation = [], 64, 1
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), blocks)):
            stride = 1 if i == 0 else 2
            if i >= 2:  # layer3/4: stride replaced by dilation
                dilation *= stride
                stride = 1
            mods = []
            for b in range(n):
                s = stride if b == 0 else 1
                ds = None
                if b == 0 and (s != 1 or inplanes != planes * 4):
                    ds = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, s, bias=False), nn.BatchNorm2d(planes * 4))
                mods.append(Bottleneck(inplanes, planes, s, dilation, ds))
                inplanes = planes * 4
            layers.append(nn.Sequential(*mods))
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.aspp = nn.ModuleList([nn.Conv2d(2048, num_classes, 3, 1, r, dilation=r, bias=False) for r in (6, 12, 18, 24)])

    def forward(self, x):
        h = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        feat = self.layer4(self.layer3(self.layer2(self.layer1(h))))
        logits = sum(c(feat) for c in self.aspp)
        return feat, logits


def count_conv_gflop(net, crop, batch):
    """Forward and step GFLOP of the convolutions, from one no-grad forward pass with hooks."""
    flops = []

    def hook(mod, inp, out):
        k = mod.kernel_size[0] * mod.kernel_size[1]
        f = 2 * out.numel() * k * mod.in_channels // mod.groups
        flops.append((f, mod is net.conv1))
    hs = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.Conv2d)]
    net.eval()
    with torch.no_grad():
        net(torch.zeros(1, 3, crop, crop))
    net.train()
    for h in hs:
        h.remove()
    forward = sum(f for f, _ in flops) * batch / 1e9
    step = sum((2 if stem else 3) * f for f, stem in flops) * batch / 1e9
    return forward, step


# --- the PLCA objective (reference solver/loss.py, solver/utils.py), dense, NCHW ---

def lovasz_grad(gt_sorted):
    gts = gt_sorted.sum()
    inter = gts - gt_sorted.float().cumsum(0)
    union = gts + (1 - gt_sorted).float().cumsum(0)
    jac = 1. - inter / union
    if len(gt_sorted) > 1:
        jac[1:] = jac[1:] - jac[:-1]
    return jac


def lovasz_softmax(probs, labels):
    c = probs.shape[1]
    p = probs.permute(0, 2, 3, 1).reshape(-1, c)
    lab = labels.reshape(-1)
    valid = lab != IGNORE
    p, lab = p[valid], lab[valid]
    losses = []
    for k in range(c):
        fg = (lab == k).float()
        if fg.sum() == 0:
            continue
        errors = (fg - p[:, k]).abs()
        errors_sorted, perm = torch.sort(errors, 0, descending=True)
        losses.append(torch.dot(errors_sorted, lovasz_grad(fg[perm])))
    return torch.stack(losses).mean() if losses else p.sum() * 0.


def contrast(s):
    """Row-wise (x - mean) / (std + 1e-10) with mean and std detached (reference `scoring`)."""
    m = s.mean(-1, keepdim=True).detach()
    sd = s.std(-1, keepdim=True).detach()
    return (s - m) / (sd + 1e-10)


def cos_sim(a, b):
    return torch.bmm(F.normalize(a, dim=-1), F.normalize(b, dim=-1).transpose(1, 2))


def neg_kl(p, q, eps=1e-10):
    return torch.bmm(p, torch.log(q + eps).transpose(1, 2)) - (p * torch.log(p + eps)).sum(-1, keepdim=True)


def spatial_agg(x, metric, alpha=0.5):
    w = F.softmax(contrast(cos_sim(x, x)), -1) if metric == 'cos' else F.softmax(neg_kl(x, x), -1)
    return (1 - alpha) * x + alpha * torch.bmm(w, x)


def association(xs, xt, labels, metric):
    """xs, xt [N, C, h, w]; labels [N, h, w] at the grid."""
    s = xs.flatten(2).transpose(1, 2)
    t = spatial_agg(xt.flatten(2).transpose(1, 2), metric)
    s12 = cos_sim(s, t) if metric == 'cos' else neg_kl(s, t)
    s21 = s12.transpose(1, 2) if metric == 'cos' else neg_kl(t, s)
    a12 = F.log_softmax(contrast(s12), -1)
    a21 = F.log_softmax(contrast(s21), -1)
    v1, j = a12.max(-1)  # [N, L1]
    rows = torch.gather(a21, 1, j.unsqueeze(-1).expand(-1, -1, a21.shape[2]))  # a21[n, j*(i), :]
    v2, i_end = rows.max(-1)
    lab = labels.flatten(1)
    pos = ((lab != IGNORE) & (lab == torch.gather(lab, 1, i_end))).float().detach()
    return -((v1 + v2).clamp(min=-100) * pos).sum() / pos.sum().clamp(min=1)


def lsr(logits, lam=10.):
    v = -F.log_softmax(logits, 1).mean(1)
    return ((v / lam - 1).detach() * v).mean()


def nearest(labels, size):
    h, w = labels.shape[1:]
    rows = torch.tensor([min(h - 1, i * h // size[0]) for i in range(size[0])])
    cols = torch.tensor([min(w - 1, j * w // size[1]) for j in range(size[1])])
    return labels[:, rows][:, :, cols]


def plca_loss(net, xs, ys, xt):
    feat_t, logit_t = net(xt)  # target first, as the reference
    feat_s, logit_s = net(xs)
    up = F.interpolate(logit_s, size=ys.shape[1:], mode='bilinear', align_corners=False)
    ce = F.cross_entropy(up, ys, ignore_index=IGNORE)
    lov = lovasz_softmax(F.softmax(up, 1), ys)
    small = nearest(ys, feat_s.shape[2:])
    fass = association(feat_s, feat_t, small, 'cos')
    cass = association(F.softmax(logit_s, 1), F.softmax(logit_t, 1), small, 'kl')
    return ce + 0.75 * lov + 0.1 * (fass + cass) + 0.01 * (lsr(logit_s) + lsr(logit_t))


def source_loss(net, xs, ys):
    _, logits = net(xs)
    up = F.interpolate(logits, size=ys.shape[1:], mode='bilinear', align_corners=False)
    return F.cross_entropy(up, ys, ignore_index=IGNORE)


def synthetic_labels(g, batch, crop):
    coarse = torch.randint(0, NUM_CLASSES, (batch, 1, 6, 6), generator=g).float()
    return F.interpolate(coarse, size=(crop, crop), mode='nearest').long()[:, 0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--crop', type=int, default=321)
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--objective', choices=['source', 'plca'], default='source')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--json', action='store_true')
    a = p.parse_args()
    torch.set_num_threads(a.threads)  # Debian's build defaults to 1 here
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    net = DeepLabV2R101()
    forward, step_gflop = count_conv_gflop(net, a.crop, a.batch * (2 if a.objective == 'plca' else 1))
    opt = torch.optim.SGD(net.parameters(), lr=2.5e-4, momentum=0.9, weight_decay=5e-4)
    xs = torch.randn(a.batch, 3, a.crop, a.crop, generator=g)
    xt = torch.randn(a.batch, 3, a.crop, a.crop, generator=g) + 0.3
    ys = synthetic_labels(g, a.batch, a.crop)
    losses = []

    cpu_ms = []

    def step():
        t0 = time.perf_counter()
        c0 = time.process_time()  # CPU time of all the process's threads: steadier than wall time on a loaded machine
        opt.zero_grad(set_to_none=True)
        loss = plca_loss(net, xs, ys, xt) if a.objective == 'plca' else source_loss(net, xs, ys)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        cpu_ms.append((time.process_time() - c0) * 1e3)
        return (time.perf_counter() - t0) * 1e3

    for _ in range(a.warmup):
        w = step()
        if not a.json:
            print(f'warm-up step: {w:.0f} ms')
    ms = []
    for i in range(a.steps):
        ms.append(step())
        if not a.json:
            print(f'step {i + 1}/{a.steps}: {ms[-1]:.0f} ms')
    s = sorted(ms)
    step_ms = {'min': round(s[0], 2), 'median': round(s[len(s) // 2], 2)}
    c = sorted(cpu_ms[a.warmup:])
    step_cpu_ms = {'min': round(c[0], 2), 'median': round(c[len(c) // 2], 2)}
    with torch.no_grad():
        grid = list(net(torch.zeros(1, 3, a.crop, a.crop))[0].shape[2:])
    result = {
        'model': 'deeplabv2_resnet101', 'crop': a.crop, 'batch': a.batch, 'objective': a.objective,
        'backend': 'pytorch ' + torch.__version__, 'threads': torch.get_num_threads(), 'grid': grid,
        'steps': a.steps, 'warmup': a.warmup, 'stepMs': step_ms, 'stepCpuMs': step_cpu_ms,
        'peakRssMB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        'gflop': round(step_gflop, 1), 'forwardGflop': round(forward, 1),
        'gflopPerS': round(step_gflop / (step_ms['min'] / 1e3), 1),
        'params': sum(t.numel() for t in net.parameters()),
        'loss': {'first': losses[0], 'last': losses[-1], 'all': [round(v, 4) for v in losses]},
    }
    print(json.dumps(result) if a.json else json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
