#!/usr/bin/env python3
"""Check that a CNN-preset .safetensors file means the same network under PyTorch's conventions.

Runs the forward pass written out in numpy the way PyTorch defines it (Conv2d: cross-correlation over
NCHW with weight [out, in, kh, kw]; MaxPool2d(2) floors; Flatten is C-order over C, H, W; Linear is
x @ W.T + b) and prints the accuracy on the first N t10k images, to compare with
`garden eval --weights FILE --limit N`. Needs `pip install numpy safetensors` (no torch).

    python3 scripts/check_pytorch_layout.py www/models/cnn.safetensors 2000
"""
import gzip
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

path = sys.argv[1] if len(sys.argv) > 1 else "www/models/cnn.safetensors"
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
data = Path(__file__).resolve().parent.parent / "www" / "data"
w = load_file(path)
images = np.frombuffer(gzip.open(data / "t10k-images-idx3-ubyte.gz").read()[16:], np.uint8)
images = images.reshape(-1, 1, 28, 28)[:limit] / 255.0
labels = np.frombuffer(gzip.open(data / "t10k-labels-idx1-ubyte.gz").read()[8:], np.uint8)[:limit]


def conv2d(x, weight, bias):
    k = weight.shape[2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
    return np.einsum("nchwij,ocij->nohw", windows, weight) + bias[None, :, None, None]


def max_pool2d(x):
    n, c, h, wd = x.shape
    return x[:, :, : h // 2 * 2, : wd // 2 * 2].reshape(n, c, h // 2, 2, wd // 2, 2).max(axis=(3, 5))


def relu(x):
    return np.maximum(x, 0)


x = max_pool2d(relu(conv2d(images, w["0.weight"], w["0.bias"])))
x = max_pool2d(relu(conv2d(x, w["3.weight"], w["3.bias"])))
x = x.reshape(len(x), -1)
x = relu(x @ w["7.weight"].T + w["7.bias"])
x = x @ w["9.weight"].T + w["9.bias"]
print(f'{{"pytorch_semantics_accuracy": {(x.argmax(1) == labels).mean():.4f}, "n": {limit}}}')
