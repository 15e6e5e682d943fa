#!/usr/bin/python3
"""Golden activations of the imported ImageNet MobileNetV2, computed without any of the project's code.

Reads the TensorFlow Lite flatbuffer itself (struct, by the schema's field indices), dequantizes every constant
(scale * (q - zero_point), per tensor or per channel) and runs the file's operators one after the other in numpy,
in float64 (NHWC, TF 'SAME' padding with the extra pixel at the bottom/right). scripts/make-golden-imagenet runs it;
ImageNetGoldenTest compares the DJL block with what it writes.

  golden.py MODEL.tflite LABELS.txt OUT.json IMAGE.png...     goldens of committed test photos
  golden.py --photos DIR OUTDIR                               the committed test photos from the source BMPs

What is stored, per input (a few hundred floats per depth, so the file stays small):
  - two depths, the output of block 5 (expanded_conv_5/add, 28x28x32) and block 16 (expanded_conv_16/project,
    7x7x320): the mean of every channel over the map, and the values at five places (the four corners, where TF's
    padding differs from a symmetric one, and the centre) for 64 channels spread evenly (all when fewer);
  - the file's 1001 softmax probabilities (index 0 is "background").
Inputs: each photo composited on white and padded to a centred white 224x224 square (the committed photos already
have their longest side at 224), pixel p scaled as the file's input quantization says: (p - 128) / 128.
"""
import hashlib
import json
import re
import struct
import sys

import numpy as np
from PIL import Image

MODEL_SHA256 = '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776'
LABELS_SHA256 = 'b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1'
# the source photos (google-coral/test_data at commit 104342d2d3480b3e66203073dac24f4e2dbb4c41) and their SHA-256
PHOTOS = {
    'bird': '3fd22d6ed352b8e721d9982e38ed655f8429e168bb53ad205c6f3cdfa848e994',
    'cat': '34f235786382686111728287fd26d4c24dd8c25de8233469d6eeb301888ce0a9',
    'grace_hopper': 'c43444bf3b1b1e3080551ca194bd231da4b67f20fc91454502915a6b806b614f',
    'missvickie_potato_chips': '4b7dd9bce3b42df118482074fc33047ed8ee7f8facad711bb03fe4437b9e0a55',
}
SIZE = 224
DEPTHS = {'MobilenetV2/expanded_conv_5/add': 5, 'MobilenetV2/expanded_conv_16/project/add_fold': 16}
SAMPLED_CHANNELS = 64

TYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}
OPS = {0: 'ADD', 1: 'AVERAGE_POOL_2D', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 6: 'DEQUANTIZE', 22: 'RESHAPE',
       25: 'SOFTMAX', 40: 'MEAN', 114: 'QUANTIZE'}


class Table:
    """A flatbuffer table: field i is at vtable slot 4 + 2 i (0 when absent)."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        self.vtable = pos - struct.unpack_from('<i', buf, pos)[0]
        self.vtable_size = struct.unpack_from('<H', buf, self.vtable)[0]

    def _field(self, i):
        slot = 4 + 2 * i
        return struct.unpack_from('<H', self.buf, self.vtable + slot)[0] if slot < self.vtable_size else 0

    def scalar(self, i, fmt, default=0):
        o = self._field(i)
        return struct.unpack_from('<' + fmt, self.buf, self.pos + o)[0] if o else default

    def _target(self, i):
        o = self._field(i)
        if not o:
            return None
        at = self.pos + o
        return at + struct.unpack_from('<I', self.buf, at)[0]

    def table(self, i):
        at = self._target(i)
        return None if at is None else Table(self.buf, at)

    def _vector(self, i):
        at = self._target(i)
        return (None, 0) if at is None else (at + 4, struct.unpack_from('<I', self.buf, at)[0])

    def tables(self, i):
        start, n = self._vector(i)
        return [Table(self.buf, start + 4 * k + struct.unpack_from('<I', self.buf, start + 4 * k)[0])
                for k in range(n)]

    def array(self, i, dtype):
        start, n = self._vector(i)
        return None if start is None else np.frombuffer(self.buf, np.dtype(dtype).newbyteorder('<'), n, start)

    def string(self, i):
        start, n = self._vector(i)
        return None if start is None else bytes(self.buf[start:start + n]).decode('utf-8')


def read_model(path):
    """Tensors (name, shape, constant value dequantized to float64 or None, quantization) and operators."""
    buf = open(path, 'rb').read()
    assert buf[4:8] == b'TFL3', 'not a TFLite flatbuffer'
    model = Table(buf, struct.unpack_from('<I', buf, 0)[0])
    codes = [max(c.scalar(0, 'b'), c.scalar(3, 'i')) for c in model.tables(1)]
    buffers = [b.array(0, np.uint8) for b in model.tables(4)]
    graph = model.tables(2)[0]
    tensors = []
    for t in graph.tables(0):
        shape = [int(s) for s in t.array(0, np.int32)]
        kind = TYPES[t.scalar(1, 'b')]
        data = buffers[t.scalar(2, 'I')]
        q = t.table(4)
        scale = None if q is None else q.array(2, np.float32)
        zero = None if q is None else q.array(3, np.int64)
        axis = 0 if q is None else q.scalar(6, 'i')
        value = None
        if data is not None and len(data):
            raw = np.frombuffer(data.tobytes(), np.dtype(kind).newbyteorder('<')).reshape(shape).astype(np.float64)
            if scale is not None and len(scale):
                value = dequantize(raw, scale, zero, axis)
            else:
                value = raw
        tensors.append(dict(name=t.string(3).split(';')[0], shape=shape, value=value,
                            quant=None if scale is None or not len(scale) else (scale, zero)))
    ops = []
    for o in graph.tables(3):
        options = o.table(4)
        ops.append(dict(op=OPS.get(codes[o.scalar(0, 'I')], 'unsupported %d' % codes[o.scalar(0, 'I')]),
                        inputs=list(o.array(1, np.int32)), outputs=list(o.array(2, np.int32)), options=options))
    return tensors, ops, list(graph.array(1, np.int32)), list(graph.array(2, np.int32))


def dequantize(raw, scale, zero, axis):
    scale = scale.astype(np.float64)
    zero = np.zeros(len(scale)) if zero is None or not len(zero) else zero.astype(np.float64)
    if len(scale) == 1:
        return ((raw - zero[0]) * scale[0]).astype(np.float32).astype(np.float64)
    shape = [1] * raw.ndim
    shape[axis] = -1
    z = zero.reshape(shape) if len(zero) == len(scale) else zero[0]
    return ((raw - z) * scale.reshape(shape)).astype(np.float32).astype(np.float64)


def same_pad(x, kernel, stride):
    """Zero-pads H and W of an HWC map as TF's SAME does: the odd pixel goes to the bottom/right."""
    pads = []
    for size in x.shape[:2]:
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, pads + [(0, 0)])


def activation(x, code):
    return {0: x, 1: np.maximum(x, 0), 3: np.clip(x, 0, 6)}[code]


def conv(x, w, b, opt):
    # Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3
    stride, act = opt.scalar(2, 'i'), opt.scalar(3, 'b')
    o, kh, kw, _ = w.shape
    xp = same_pad(x, kh, stride) if opt.scalar(0, 'b') == 0 else x
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(0, 1))[::stride, ::stride]
    y = np.einsum('hwcij,oijc->hwo', windows, w, optimize=True) + b
    return activation(y, act)


def depthwise(x, w, b, opt):
    # DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, fused_activation_function 4
    stride, act = opt.scalar(2, 'i'), opt.scalar(4, 'b')
    _, kh, kw, c = w.shape
    xp = same_pad(x, kh, stride) if opt.scalar(0, 'b') == 0 else x
    h_out, w_out = (xp.shape[0] - kh) // stride + 1, (xp.shape[1] - kw) // stride + 1
    y = np.zeros((h_out, w_out, c))
    for i in range(kh):
        for j in range(kw):
            y += xp[i:i + stride * h_out:stride, j:j + stride * w_out:stride] * w[0, i, j]
    return activation(y + b, act)


def run(tensors, ops, inputs, outputs, image):
    """Runs the graph on one HWC uint8 image; returns every tensor's value (batch dimension dropped)."""
    scale, zero = tensors[inputs[0]]['quant']
    values = {inputs[0]: (image.astype(np.float64) - float(zero[0])) * float(scale[0])}
    get = lambda i: values[i] if i in values else tensors[i]['value']
    for op in ops:
        name, ins, opt = op['op'], op['inputs'], op['options']
        if name == 'CONV_2D':
            y = conv(get(ins[0]), get(ins[1]), get(ins[2]), opt)
        elif name == 'DEPTHWISE_CONV_2D':
            y = depthwise(get(ins[0]), get(ins[1]), get(ins[2]), opt)
        elif name == 'ADD':
            y = activation(get(ins[0]) + get(ins[1]), opt.scalar(0, 'b'))
        elif name in ('AVERAGE_POOL_2D', 'MEAN'):
            y = get(ins[0]).mean(axis=(0, 1), keepdims=True)  # global in these graphs
        elif name == 'RESHAPE':
            y = get(ins[0]).reshape(-1)
        elif name == 'SOFTMAX':
            z = get(ins[0]) - get(ins[0]).max()
            y = np.exp(z) / np.exp(z).sum()
        elif name in ('QUANTIZE', 'DEQUANTIZE'):
            y = get(ins[0])
        else:
            raise SystemExit('operator %s is not one this script runs' % name)
        values[op['outputs'][0]] = y
    return values, values[outputs[0]]


def g9(v):
    """A float with 9 significant digits (float32 precision), so the file stays small."""
    return float('%.9g' % v)


def summary(x):
    """Channel means and the values at the four corners and the centre for up to 64 channels spread evenly."""
    h, w, c = x.shape
    channels = list(range(c)) if c <= SAMPLED_CHANNELS else [k * c // SAMPLED_CHANNELS for k in range(SAMPLED_CHANNELS)]
    places = [(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1), (h // 2, w // 2)]
    return dict(shape=[h, w, c], means=[g9(v) for v in x.mean(axis=(0, 1))], channels=channels,
                places=[list(p) for p in places], values=[[g9(x[p[0], p[1], ch]) for ch in channels] for p in places])


def square_on_white(path):
    im = Image.open(path)
    im = Image.alpha_composite(Image.new('RGBA', im.size, (255, 255, 255, 255)), im.convert('RGBA')).convert('RGB')
    assert max(im.size) == SIZE, '%s: the committed photos have their longest side at %d' % (path, SIZE)
    out = Image.new('RGB', (SIZE, SIZE), (255, 255, 255))
    out.paste(im, ((SIZE - im.width) // 2, (SIZE - im.height) // 2))
    return np.asarray(out)


def sha256(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def photos(source_dir, out_dir):
    """The committed test photos: each source BMP resized so its longest side is 224 (PIL bilinear), as PNG."""
    for name, digest in PHOTOS.items():
        src = '%s/%s.bmp' % (source_dir, name)
        assert sha256(src) == digest, '%s: SHA-256 %s, expected %s' % (src, sha256(src), digest)
        im = Image.open(src).convert('RGB')
        scale = SIZE / max(im.size)
        im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.BILINEAR)
        im.save('%s/%s.png' % (out_dir, name), optimize=True)
        print('wrote %s/%s.png (%dx%d)' % (out_dir, name, im.width, im.height))


def main(argv):
    if argv[0] == '--photos':
        return photos(argv[1], argv[2])
    model, labels_file, out, images = argv[0], argv[1], argv[2], argv[3:]
    assert sha256(model) == MODEL_SHA256, 'not mobilenet_v2_1.0_224_quant.tflite: SHA-256 ' + sha256(model)
    assert sha256(labels_file) == LABELS_SHA256, 'not its imagenet_labels.txt: SHA-256 ' + sha256(labels_file)
    labels = open(labels_file).read().splitlines()
    tensors, ops, inputs, outputs = read_model(model)
    by_name = {t['name']: i for i, t in enumerate(tensors)}
    entries = []
    for path in images:
        values, probabilities = run(tensors, ops, inputs, outputs, square_on_white(path))
        depths = [dict(tensor=name, block=block, **summary(values[by_name[name]])) for name, block in DEPTHS.items()]
        top = int(np.argmax(probabilities))
        print('%s: %s %.4f (background %.2g)' % (path, labels[top], probabilities[top], probabilities[0]))
        entries.append(dict(image=path.split('/')[-1], depths=depths, top1=labels[top],
                            probabilities=[g9(p) for p in probabilities]))
    text = json.dumps(dict(about=__doc__.strip().splitlines()[0], model='mobilenet_v2_1.0_224_quant.tflite',
                           modelSha256=MODEL_SHA256, numpy=np.__version__, precision='float64',
                           input='photo composited on white, padded to a centred white 224x224 square, (p - 128) / 128',
                           inputs=entries), indent=1)
    # one line per list of numbers
    text = re.sub(r'\[\s+([-+0-9.eE,\s]+?)\s+\]', lambda m: '[' + ' '.join(m.group(1).split()) + ']', text)
    with open(out, 'w') as f:
        f.write(text + '\n')


if __name__ == '__main__':
    main(sys.argv[1:])
