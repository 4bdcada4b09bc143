#!/usr/bin/python3
"""Writes the small PyTorch files that src/models/torch_pth.test.ts reads, into test/data/torch/.

Run with Debian's PyTorch (`/usr/bin/python3 scripts/make_torch_fixtures.py`). The outputs are
committed, so the tests pass where Python or torch is absent. Every file is written by torch.save
itself (both serialisations), except the hostile ones, which are built from torch's own output.

What each file covers:
  basic_zip.pth / basic_legacy.pth   float32/float64/float16/bfloat16/int64/int32/uint8/bool tensors,
                                     a transposed (non-contiguous) tensor, views sharing one storage
                                     at offsets, a Parameter, a 0-d num_batches_tracked
  basic.json                         every value of those tensors as PyTorch reads them (elementwise check)
  nested_weights_zip.pth             {'weights': state_dict, 'epoch', 'exp_name', 'lr'} as the authors' release
  nested_state_dict_legacy.pth       {'state_dict': ..., 'optimizer': {...}} in the legacy format
  resnet_tiny_caffe_legacy.pth       a Caffe-style ImageNet file for plca's resnet_tiny_aspp backbone:
                                     `Scale.`-prefixed keys, a `Scale.layer5` classifier to be skipped
  resnet_tiny_caffe.json             per-tensor shape, sum, sum of squares and sampled values
  compressed_zip.pth                 basic_zip.pth with data.pkl deflated (must be rejected)
  evil_legacy.pth / evil_zip.pth     a pickle that names os.system (must be rejected, never run)
"""
import io
import json
import os
import pickle
import sys
import zipfile
from collections import OrderedDict

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'data', 'torch')


def basic_state_dict():
    g = torch.Generator().manual_seed(0)
    base = torch.arange(12, dtype=torch.float32) * 0.5 - 2.0
    sd = OrderedDict()
    sd['conv.weight'] = torch.randn(2, 3, 2, 2, generator=g)
    sd['bn.weight'] = torch.nn.Parameter(torch.tensor([1.5, -0.25]))
    sd['bn.running_mean'] = torch.tensor([0.1, 0.2])
    sd['bn.num_batches_tracked'] = torch.tensor(7, dtype=torch.int64)
    sd['f64'] = torch.tensor([[1.0 / 3, -2.5e-300], [1e10, 0.0]], dtype=torch.float64)
    sd['f16'] = torch.tensor([0.1, -65504.0, 6.1e-5, 3e-7, float('inf'), -0.0], dtype=torch.float16)
    sd['bf16'] = torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16)
    sd['i64'] = torch.tensor([-(2 ** 40), 3, 2 ** 52], dtype=torch.int64)
    sd['i32'] = torch.tensor([-5, 0, 2 ** 31 - 1], dtype=torch.int32)
    sd['u8'] = torch.tensor([0, 128, 255], dtype=torch.uint8)
    sd['flag'] = torch.tensor([True, False, True])
    # A transposed view: stride (1, 4), not contiguous.
    sd['transposed'] = torch.randn(3, 4, generator=g).t()
    # Views of one storage: a slice at an offset and a strided column block.
    sd['shared.whole'] = base
    sd['shared.slice'] = base[3:9]
    sd['shared.cols'] = base.view(3, 4)[:, 1:3]
    sd['scalar'] = torch.tensor(2.75)
    return sd


def json_number(x):
    # JSON has no inf/nan: those are written as the strings 'inf', '-inf', 'nan'.
    if isinstance(x, float) and (x != x or x in (float('inf'), float('-inf'))):
        return str(x)
    return x


def dump_values(sd):
    return {k: {'shape': list(v.shape), 'dtype': str(v.dtype).replace('torch.', ''),
                'data': [json_number(float(x) if v.is_floating_point() else int(x)) for x in v.detach().flatten().tolist()]}
            for k, v in sd.items()}


def resnet_tiny_caffe(num_classes=3):
    """plca's resnet_tiny_aspp backbone (stem 16, planes 8/16/32/64, one bottleneck per layer) with the
    Caffe-converted DeepLab init file's key names, plus its layer5 classifier (conv2d_list, with bias)."""
    g = torch.Generator().manual_seed(1)
    sd = OrderedDict()

    def conv(name, cout, cin, k):
        sd[name + '.weight'] = (torch.randn(cout, cin, k, k, generator=g) * 0.1).half()

    def bn(name, c):
        sd[name + '.weight'] = (1 + 0.1 * torch.randn(c, generator=g)).half()
        sd[name + '.bias'] = (0.1 * torch.randn(c, generator=g)).half()
        sd[name + '.running_mean'] = (0.1 * torch.randn(c, generator=g)).half()
        sd[name + '.running_var'] = (0.5 + torch.rand(c, generator=g)).half()

    conv('Scale.conv1', 16, 3, 7)
    bn('Scale.bn1', 16)
    inplanes = 16
    for layer, planes in enumerate([8, 16, 32, 64], start=1):
        p = f'Scale.layer{layer}.0'
        conv(p + '.conv1', planes, inplanes, 1)
        bn(p + '.bn1', planes)
        conv(p + '.conv2', planes, planes, 3)
        bn(p + '.bn2', planes)
        conv(p + '.conv3', planes * 4, planes, 1)
        bn(p + '.bn3', planes * 4)
        conv(p + '.downsample.0', planes * 4, inplanes, 1)
        bn(p + '.downsample.1', planes * 4)
        inplanes = planes * 4
    for i in range(4):
        conv(f'Scale.layer5.conv2d_list.{i}', num_classes, inplanes, 3)
        sd[f'Scale.layer5.conv2d_list.{i}.bias'] = torch.zeros(num_classes).half()
    return sd


def summary(sd):
    out = {}
    for k, v in sd.items():
        flat = v.double().flatten()
        idx = sorted({0, flat.numel() - 1, flat.numel() // 2, flat.numel() // 3, (7 * flat.numel()) // 9})
        out[k] = {'shape': list(v.shape), 'sum': float(flat.sum()), 'sumSq': float((flat * flat).sum()),
                  'samples': [[int(i), float(flat[i])] for i in idx]}
    return out


def rewrite_zip(src, dst, change):
    """Copies a torch zip, letting `change(name, data)` return (data, compress_type) per entry."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w') as zout:
        for info in zin.infolist():
            data, method = change(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data, compress_type=method)


class Evil:
    """Pickles as a call of os.system; building the pickle runs nothing."""
    def __reduce__(self):
        return (os.system, ('echo this must never run',))


def main():
    os.makedirs(OUT, exist_ok=True)
    path = lambda name: os.path.join(OUT, name)
    sd = basic_state_dict()
    torch.save(sd, path('basic_zip.pth'))
    torch.save(sd, path('basic_legacy.pth'), _use_new_zipfile_serialization=False)
    with open(path('basic.json'), 'w') as f:
        json.dump(dump_values(sd), f, indent=1, allow_nan=False)

    small = OrderedDict((k, sd[k]) for k in ['conv.weight', 'bn.weight', 'bn.running_mean', 'bn.num_batches_tracked'])
    torch.save({'weights': small, 'epoch': 3, 'exp_name': 'gta5_to_cityscapes', 'lr': 2.5e-4}, path('nested_weights_zip.pth'))
    torch.save({'state_dict': small, 'optimizer': {'state': {}, 'param_groups': [{'lr': 0.1, 'params': [0, 1]}]}},
               path('nested_state_dict_legacy.pth'), _use_new_zipfile_serialization=False)

    caffe = resnet_tiny_caffe()
    torch.save(caffe, path('resnet_tiny_caffe_legacy.pth'), _use_new_zipfile_serialization=False)
    with open(path('resnet_tiny_caffe.json'), 'w') as f:
        json.dump(summary(caffe), f, indent=1)

    rewrite_zip(path('basic_zip.pth'), path('compressed_zip.pth'),
                lambda n, d: (d, zipfile.ZIP_DEFLATED if n.endswith('data.pkl') else zipfile.ZIP_STORED))
    evil = pickle.dumps({'weights': Evil()}, protocol=2)
    rewrite_zip(path('basic_zip.pth'), path('evil_zip.pth'),
                lambda n, d: (evil if n.endswith('data.pkl') else d, zipfile.ZIP_STORED))
    legacy = io.BytesIO()
    for obj in (0x1950a86a20f9469cfc6c, 1001, {'protocol_version': 1001, 'little_endian': True,
                                                 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}):
        pickle.dump(obj, legacy, protocol=2)
    legacy.write(evil)
    with open(path('evil_legacy.pth'), 'wb') as f:
        f.write(legacy.getvalue())
    print('torch', torch.__version__, 'python', sys.version.split()[0], '->', os.path.normpath(OUT))
    for name in sorted(os.listdir(OUT)):
        print(f'  {name:32s} {os.path.getsize(path(name)):8d} bytes')


if __name__ == '__main__':
    main()
