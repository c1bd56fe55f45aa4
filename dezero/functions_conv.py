"""Convolution and pooling for NCHW images: im2col/col2im, conv2d, deconv2d, max/average pooling.

Weights are (out_channels, in_channels, kh, kw) for `conv2d` and (in_channels, out_channels,
kh, kw) for `deconv2d`, as in the book. `kernel_size`, `stride` and `pad` are an int or a pair.

How the arrays are computed: `im2col` is a strided view of the padded image (no copy until the
columns are needed contiguous) with the book's layout (N, C, KH, KW, OH, OW); `col2im` adds the
KH*KW kernel-offset slices into the padded image, so the only Python loops run over kernel
offsets, never over output pixels. A convolution is one matrix product per image,
W (OC, C*KH*KW) @ col (C*KH*KW, OH*OW), whose result is already in NCHW order.

Every Function has a `backward` written with Variables (any order of derivative) and a
`backward_data` on plain arrays that computes the same values through the same helpers.
"""
import numpy as np

from dezero import cuda
from dezero.core import Function, Variable, as_variable
from dezero.ops import reshape, transpose, matmul, sum, broadcast_to, max as _max
from dezero.utils import pair, get_conv_outsize, get_deconv_outsize  # noqa: F401  (re-export)

# above this many elements, the per-image products of conv's weight gradient are accumulated
# one image at a time instead of being stacked and summed (memory, not speed)
_STACK_LIMIT = 1 << 22


# =============================================================================================
# Geometry and argument checks
# =============================================================================================
def _pair_arg(fname, what, value, minimum):
    try:
        p = pair(value)
    except (ValueError, TypeError):
        raise ValueError(f'{fname}: {what} must be an int or a pair of ints, got '
                         f'{value!r}') from None
    if p[0] < minimum or p[1] < minimum:
        raise ValueError(f'{fname}: {what} must be at least {minimum}, got {value!r}')
    return p


def _check_4d(fname, what, shape, layout='(N, C, H, W)'):
    if len(shape) != 4:
        raise ValueError(f'{fname}: {what} must be 4-D {layout}, got shape {tuple(shape)}')


def _geometry(fname, x_shape, kernel_size, stride, pad):
    """Check a window geometry on an (N, C, H, W) shape; return (kh, kw, sh, sw, ph, pw, oh, ow)."""
    _check_4d(fname, 'x', x_shape)
    kh, kw = _pair_arg(fname, 'kernel_size', kernel_size, 1)
    sh, sw = _pair_arg(fname, 'stride', stride, 1)
    ph, pw = _pair_arg(fname, 'pad', pad, 0)
    H, W = x_shape[2], x_shape[3]
    if kh > H + 2 * ph or kw > W + 2 * pw:
        raise ValueError(f'{fname}: kernel ({kh}, {kw}) is larger than the padded input '
                         f'({H + 2 * ph}, {W + 2 * pw}) (input shape {tuple(x_shape)}, pad '
                         f'({ph}, {pw})); use a smaller kernel or more padding')
    return (kh, kw, sh, sw, ph, pw,
            get_conv_outsize(H, kh, sh, ph), get_conv_outsize(W, kw, sw, pw))


def _check_bias(fname, b, n):
    if b is not None and (b.ndim != 1 or b.shape[0] != n):
        raise ValueError(f'{fname}: b must have shape ({n},) (one bias per output channel), '
                         f'got {b.shape}')


def _add_bias(y, b):
    """y (N, C, ...) + b (C,), in place when the dtypes agree (no float64 promotion)."""
    b = b.reshape((-1,) + (1,) * (y.ndim - 2))
    if b.dtype == y.dtype:
        y += b
        return y
    return y + b


# =============================================================================================
# Array-level im2col / col2im
# =============================================================================================
def _lowest(dtype):
    """The padding value that never wins a max: -inf for floats, the minimum for integers."""
    dtype = np.dtype(dtype)
    if dtype.kind == 'f':
        return -np.inf
    if dtype.kind in 'iu':
        return np.iinfo(dtype).min
    return 0


def _pad(x, ph, pw, value=0):
    if ph == 0 and pw == 0:
        return x
    xp = cuda.get_array_module(x)
    N, C, H, W = x.shape
    shape = (N, C, H + 2 * ph, W + 2 * pw)
    buf = xp.zeros(shape, x.dtype) if value == 0 else xp.full(shape, value, x.dtype)
    buf[:, :, ph:ph + H, pw:pw + W] = x
    return buf


def _windows(x, g, pad_value=0):
    """Read-only strided view (N, C, KH, KW, OH, OW) of the padded x: no data is copied."""
    kh, kw, sh, sw, ph, pw, oh, ow = g
    x = _pad(x, ph, pw, pad_value)
    xp = cuda.get_array_module(x)
    sN, sC, sH, sW = x.strides
    N, C = x.shape[:2]
    shape, strides = (N, C, kh, kw, oh, ow), (sN, sC, sH, sW, sH * sh, sW * sw)
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)  # CuPy: no `writeable` flag


def _col_matrix(x, g):
    """Columns (N, C*KH*KW, OH*OW), C-contiguous; may share memory with x (read-only use)."""
    N, C = x.shape[:2]
    kh, kw, oh, ow = g[0], g[1], g[6], g[7]
    xp = cuda.get_array_module(x)
    return xp.ascontiguousarray(_windows(x, g)).reshape(N, C * kh * kw, oh * ow)


def _image_buffer(shape, g, dtype, xp):
    """Padded output image for col2im, and whether windows overlap (then pieces are added).

    Without overlap every position gets at most one piece, so pieces are assigned; when the
    windows tile the padded image exactly the buffer need not even be zeroed.
    """
    kh, kw, sh, sw, ph, pw, oh, ow = g
    N, C, H, W = shape
    Hp, Wp = H + 2 * ph, W + 2 * pw
    overlap = sh < kh or sw < kw
    tiles = sh == kh and sw == kw and sh * oh == Hp and sw * ow == Wp
    img = (xp.empty if tiles else xp.zeros)((N, C, Hp, Wp), dtype)
    return img, overlap


def _offsets(g):
    """(i, j, rows, cols) for each kernel offset: where its (OH, OW) piece lies in the image."""
    kh, kw, sh, sw, ph, pw, oh, ow = g
    for i in range(kh):
        rows = slice(i, i + sh * oh, sh)
        for j in range(kw):
            yield i, j, rows, slice(j, j + sw * ow, sw)


def _crop(img, shape, g):
    ph, pw = g[4], g[5]
    if ph == 0 and pw == 0:
        return img
    return img[:, :, ph:ph + shape[2], pw:pw + shape[3]]


def _col2im(piece, shape, g, dtype, xp):
    """Sum piece(i, j) (an (N, C, OH, OW) array) into the image at every kernel offset (i, j)."""
    img, overlap = _image_buffer(shape, g, dtype, xp)
    for i, j, rows, cols in _offsets(g):
        if overlap:
            img[:, :, rows, cols] += piece(i, j)
        else:
            img[:, :, rows, cols] = piece(i, j)
    return _crop(img, shape, g)


def _col_from_matrix(col, N, C, g):
    kh, kw, oh, ow = g[0], g[1], g[6], g[7]
    return col.reshape(N, oh, ow, C, kh, kw).transpose(0, 3, 4, 5, 1, 2)


def im2col_array(img, kernel_size, stride, pad, to_matrix=True):
    """Image (N, C, H, W) to columns (N, C, KH, KW, OH, OW), or (N*OH*OW, C*KH*KW) if to_matrix."""
    g = _geometry('im2col_array', img.shape, kernel_size, stride, pad)
    return _im2col(img, g, to_matrix)


def _im2col(img, g, to_matrix):
    view = _windows(img, g)
    if to_matrix:  # the reshape of a transposed view always copies
        N, C, kh, kw, oh, ow = view.shape
        return view.transpose(0, 4, 5, 1, 2, 3).reshape(N * oh * ow, C * kh * kw)
    return view.copy()


def col2im_array(col, img_shape, kernel_size, stride, pad, to_matrix=True):
    """Columns back to an image of `img_shape`, summing where windows overlap (im2col's adjoint)."""
    img_shape = tuple(int(s) for s in img_shape)
    g = _geometry('col2im_array', img_shape, kernel_size, stride, pad)
    return _col2im_checked('col2im_array', col, img_shape, g, to_matrix)


def _col2im_checked(fname, col, img_shape, g, to_matrix):
    N, C = img_shape[:2]
    kh, kw, oh, ow = g[0], g[1], g[6], g[7]
    want = (N * oh * ow, C * kh * kw) if to_matrix else (N, C, kh, kw, oh, ow)
    if col.shape != want:
        raise ValueError(f'{fname}: columns of shape {col.shape} do not match image shape '
                         f'{img_shape} with kernel ({kh}, {kw}); expected {want}')
    if to_matrix:
        col = _col_from_matrix(col, N, C, g)
    xp = cuda.get_array_module(col)
    return _col2im(lambda i, j: col[:, :, i, j], img_shape, g, col.dtype, xp)


# =============================================================================================
# im2col / col2im as Functions
# =============================================================================================
class Im2col(Function):
    """col = im2col(x);  its gradient is col2im(gcol) (the two are adjoint linear maps)."""

    def __init__(self, kernel_size, stride, pad, to_matrix):
        self.args = (kernel_size, stride, pad)
        self.to_matrix = to_matrix

    def forward(self, x):
        self.g = _geometry('im2col', x.shape, *self.args)
        self.x_shape = x.shape
        return _im2col(x, self.g, self.to_matrix)

    def backward(self, gy):
        return col2im(gy, self.x_shape, *self.args, to_matrix=self.to_matrix)

    def backward_data(self, gy):
        return _col2im_checked('im2col', gy, self.x_shape, self.g, self.to_matrix)


def im2col(x, kernel_size, stride=1, pad=0, to_matrix=True):
    """Extract the sliding windows of x (N, C, H, W) as columns (see `im2col_array`)."""
    return Im2col(kernel_size, stride, pad, to_matrix)(x)


class Col2im(Function):
    """img = col2im(col);  its gradient is im2col(gimg)."""

    def __init__(self, input_shape, kernel_size, stride, pad, to_matrix):
        self.input_shape = tuple(int(s) for s in input_shape)
        self.args = (kernel_size, stride, pad)
        self.to_matrix = to_matrix

    def forward(self, col):
        self.g = _geometry('col2im', self.input_shape, *self.args)
        return _col2im_checked('col2im', col, self.input_shape, self.g, self.to_matrix)

    def backward(self, gy):
        return im2col(gy, *self.args, to_matrix=self.to_matrix)

    def backward_data(self, gy):
        return _im2col(gy, self.g, self.to_matrix)


def col2im(x, input_shape, kernel_size, stride=1, pad=0, to_matrix=True):
    """Fold columns back into an image of `input_shape` (N, C, H, W), summing overlaps."""
    return Col2im(input_shape, kernel_size, stride, pad, to_matrix)(x)


# =============================================================================================
# Convolution and transposed convolution
# =============================================================================================
def _conv(x, W, g):
    """y[n] = W (OC, C*KH*KW) @ col[n]: the product comes out in NCHW order."""
    N = x.shape[0]
    OC = W.shape[0]
    y = W.reshape(OC, -1) @ _col_matrix(x, g)
    return y.reshape(N, OC, g[6], g[7])


def _deconv(x, W, g, out_shape):
    """Transposed convolution: gcol[n] = W.T @ x[n], folded into the output by col2im."""
    N, C_in, H, Wd = x.shape
    C_out, kh, kw = W.shape[1:]
    gcol = W.reshape(C_in, -1).T @ x.reshape(N, C_in, H * Wd)
    gcol = gcol.reshape(N, C_out, kh, kw, H, Wd)
    xp = cuda.get_array_module(x)
    return _col2im(lambda i, j: gcol[:, :, i, j], out_shape, g, gcol.dtype, xp)


def _conv_grad_w(x, gy, g):
    """gW[o, c, i, j] = sum over n, oh, ow of gy[n, o, oh, ow] * col[n, c, i, j, oh, ow]."""
    N, C = x.shape[:2]
    OC = gy.shape[1]
    col = _col_matrix(x, g)                          # N, C*KH*KW, OH*OW
    gy = gy.reshape(N, OC, -1)
    colT = col.transpose(0, 2, 1)
    if N * OC * col.shape[1] <= _STACK_LIMIT:
        gW = (gy @ colT).sum(axis=0)
    else:
        gW = gy[0] @ colT[0]
        for n in range(1, N):
            gW += gy[n] @ colT[n]
    return gW.reshape(OC, C, g[0], g[1])


def _conv_geometry(fname, x, W, stride, pad):
    _check_4d(fname, 'x', x.shape)
    _check_4d(fname, 'W', W.shape, '(out_channels, in_channels, kh, kw)')
    if x.shape[1] != W.shape[1]:
        raise ValueError(f'{fname}: x of shape {x.shape} has {x.shape[1]} channels but W of '
                         f'shape {W.shape} expects {W.shape[1]} (W is (out_channels, '
                         f'in_channels, kh, kw))')
    return _geometry(fname, x.shape, W.shape[2:], stride, pad)


class Conv2d(Function):
    """y = conv(x, W) + b;  gx = deconv2d(gy, W), gW = Conv2DGradW(x, gy), gb = gy summed to (OC,).

    When x was passed as a plain array (no caller's Variable can see its gradient) gx is skipped.
    """

    def __init__(self, stride=1, pad=0, skip_gx=False):
        self.stride = stride
        self.pad = pad
        self.skip_gx = skip_gx

    def forward(self, x, W, b=None):
        self.g = _conv_geometry('conv2d', x, W, self.stride, self.pad)
        _check_bias('conv2d', b, W.shape[0])
        y = _conv(x, W, self.g)
        return y if b is None else _add_bias(y, b)

    def backward(self, gy):
        ins = self.inputs
        x, W = ins[0], ins[1]
        gx = None
        if not self.skip_gx:
            gx = deconv2d(gy, W, None, self.stride, self.pad, outsize=x.shape[2:])
        gW = Conv2DGradW(W.shape[2:], self.stride, self.pad)(x, gy)
        if len(ins) == 2:
            return gx, gW
        return gx, gW, sum(gy, axis=(0, 2, 3))

    def backward_data(self, gy):
        ins = self.inputs
        x, W = ins[0].data, ins[1].data
        gx = None if self.skip_gx else _deconv(gy, W, self.g, x.shape)
        gW = _conv_grad_w(x, gy, self.g)
        if len(ins) == 2:
            return gx, gW
        return gx, gW, gy.sum(axis=(0, 2, 3))


def conv2d(x, W, b=None, stride=1, pad=0):
    """2-D convolution of x (N, C, H, W) with W (OC, C, KH, KW), plus b (OC,) if given."""
    args = (x, W) if b is None or (isinstance(b, Variable) and b.data is None) else (x, W, b)
    return Conv2d(stride, pad, skip_gx=not isinstance(x, Variable))(*args)


class Deconv2d(Function):
    """y = deconv(x, W) + b, W (C_in, C_out, KH, KW);  gx = conv2d(gy, W), gW = GradW(gy, x)."""

    def __init__(self, stride=1, pad=0, outsize=None):
        self.stride = stride
        self.pad = pad
        self.outsize = outsize

    def forward(self, x, W, b=None):
        fname = 'deconv2d'
        _check_4d(fname, 'x', x.shape)
        _check_4d(fname, 'W', W.shape, '(in_channels, out_channels, kh, kw)')
        if x.shape[1] != W.shape[0]:
            raise ValueError(f'{fname}: x of shape {x.shape} has {x.shape[1]} channels but W of '
                             f'shape {W.shape} expects {W.shape[0]} (W is (in_channels, '
                             f'out_channels, kh, kw))')
        _check_bias(fname, b, W.shape[1])
        N, _, H, Wd = x.shape
        kh, kw = W.shape[2:]
        sh, sw = _pair_arg(fname, 'stride', self.stride, 1)
        ph, pw = _pair_arg(fname, 'pad', self.pad, 0)
        if self.outsize is None:
            oh, ow = get_deconv_outsize(H, kh, sh, ph), get_deconv_outsize(Wd, kw, sw, pw)
        else:
            oh, ow = _pair_arg(fname, 'outsize', self.outsize, 1)
        if oh < 1 or ow < 1 or (get_conv_outsize(oh, kh, sh, ph),
                                get_conv_outsize(ow, kw, sw, pw)) != (H, Wd):
            raise ValueError(f'{fname}: output size ({oh}, {ow}) does not fit input shape '
                             f'{x.shape} with kernel ({kh}, {kw}), stride ({sh}, {sw}) and pad '
                             f'({ph}, {pw}): convolving it back must give ({H}, {Wd})')
        self.out_shape = (N, W.shape[1], oh, ow)
        self.g = _geometry(fname, self.out_shape, (kh, kw), (sh, sw), (ph, pw))
        y = _deconv(x, W, self.g, self.out_shape)
        return y if b is None else _add_bias(y, b)

    def backward(self, gy):
        ins = self.inputs
        x, W = ins[0], ins[1]
        gx = conv2d(gy, W, None, self.stride, self.pad)
        gW = Conv2DGradW(W.shape[2:], self.stride, self.pad)(gy, x)
        if len(ins) == 2:
            return gx, gW
        return gx, gW, sum(gy, axis=(0, 2, 3))

    def backward_data(self, gy):
        ins = self.inputs
        x, W = ins[0].data, ins[1].data
        gx = _conv(gy, W, self.g)
        gW = _conv_grad_w(gy, x, self.g)
        if len(ins) == 2:
            return gx, gW
        return gx, gW, gy.sum(axis=(0, 2, 3))


def deconv2d(x, W, b=None, stride=1, pad=0, outsize=None):
    """Transposed convolution of x (N, C_in, H, W) with W (C_in, C_out, KH, KW), plus b (C_out,)."""
    args = (x, W) if b is None or (isinstance(b, Variable) and b.data is None) else (x, W, b)
    return Deconv2d(stride, pad, outsize)(*args)


class Conv2DGradW(Function):
    """gW = Conv2DGradW(x, gy), conv2d's weight gradient, bilinear in (x, gy).

    Since <ggW, gW> = <conv2d(x, ggW), gy>: d/dx = deconv2d(gy, ggW), d/dgy = conv2d(x, ggW).
    """

    def __init__(self, kernel_size, stride, pad):
        self.kernel_size = tuple(kernel_size)
        self.stride = stride
        self.pad = pad

    def forward(self, x, gy):
        self.g = _geometry('conv2d_grad_w', x.shape, self.kernel_size, self.stride, self.pad)
        return _conv_grad_w(x, gy, self.g)

    def backward(self, ggW):
        x, gy = self.inputs
        gx = deconv2d(gy, ggW, None, self.stride, self.pad, outsize=x.shape[2:])
        ggy = conv2d(x, ggW, None, self.stride, self.pad)
        return gx, ggy

    def backward_data(self, ggW):
        x, gy = self.inputs
        x, gy = x.data, gy.data
        return _deconv(gy, ggW, self.g, x.shape), _conv(x, ggW, self.g)


def conv2d_simple(x, W, b=None, stride=1, pad=0):
    """Teaching version of `conv2d`: im2col, a matrix product with the flattened W, reshape.

    Same values as `conv2d`; the columns and an (N*OH*OW, OC) product stay in the graph.
    """
    x, W = as_variable(x), as_variable(W)
    kh, kw, sh, sw, ph, pw, oh, ow = _conv_geometry('conv2d_simple', x, W, stride, pad)
    OC = W.shape[0]
    col = im2col(x, (kh, kw), (sh, sw), (ph, pw), to_matrix=True)
    t = matmul(col, reshape(W, (OC, -1)).T)
    if b is not None:
        t = t + b
    return transpose(reshape(t, (x.shape[0], oh, ow, OC)), (0, 3, 1, 2))


# =============================================================================================
# Pooling
# =============================================================================================
def _index_dtype(kk):
    return np.int8 if kk < 128 else np.int32


def _max_pool(x, g):
    """Running maximum over the kernel offsets; idx holds the first offset that reached it."""
    kh, kw = g[0], g[1]
    xp = cuda.get_array_module(x)
    view = _windows(x, g, _lowest(x.dtype))
    y = view[:, :, 0, 0].copy()
    idx = xp.zeros(y.shape, _index_dtype(kh * kw))
    hit = xp.empty(y.shape, bool)
    for k in range(1, kh * kw):
        cand = view[:, :, k // kw, k % kw]
        xp.greater(cand, y, out=hit)
        # offsets only grow, so "idx = k where hit" is a maximum, not a branchy select
        xp.maximum(idx, hit.astype(idx.dtype) * idx.dtype.type(k), out=idx)
        xp.maximum(y, cand, out=y)
    return y, idx


def _unpool(gy, idx, x_shape, g):
    """Send each gy element to the input position its window's maximum came from."""
    kw = g[1]
    xp = cuda.get_array_module(gy)
    img, overlap = _image_buffer(x_shape, g, gy.dtype, xp)
    for i, j, rows, cols in _offsets(g):
        hit = idx == i * kw + j
        if overlap:
            img[:, :, rows, cols] += gy * hit
        else:  # straight into the image: no temporary, no read of the zeros
            xp.multiply(gy, hit, out=img[:, :, rows, cols])
    return _crop(img, x_shape, g)


def _gather_pool(x, idx, g):
    """y[n, c, oh, ow] = the window's element at offset idx[n, c, oh, ow]."""
    xp = cuda.get_array_module(x)
    N, C = x.shape[:2]
    col = xp.ascontiguousarray(_windows(x, g)).reshape(N, C, g[0] * g[1], g[6], g[7])
    return xp.take_along_axis(col, idx[:, :, None].astype(np.intp), axis=2)[:, :, 0]


class Pooling(Function):
    """y = max over each window (padding never wins);  the gradient goes to the argmax only."""

    def __init__(self, kernel_size, stride=1, pad=0):
        self.args = (kernel_size, stride, pad)

    def forward(self, x):
        self.g = _geometry('pooling', x.shape, *self.args)
        self.x_shape = x.shape
        y, self.indexes = _max_pool(x, self.g)
        return y

    def backward(self, gy):
        return PoolingGrad(self)(gy)

    def backward_data(self, gy):
        return _unpool(gy, self.indexes, self.x_shape, self.g)


class _WithIndexes(Function):
    """Base of the two linear maps a max pooling's argmax defines; each is the other's gradient."""

    def __init__(self, pool):
        self.g = pool.g
        self.x_shape = pool.x_shape
        self.indexes = pool.indexes

    def _scatter(self, gy):
        return _unpool(gy, self.indexes, self.x_shape, self.g)

    def _gather(self, x):
        return _gather_pool(x, self.indexes, self.g)


class PoolingGrad(_WithIndexes):
    """gx = scatter of gy to the saved argmax positions;  its gradient is the gather."""

    def forward(self, gy):
        return self._scatter(gy)

    def backward(self, ggx):
        return PoolingWithIndexes(self)(ggx)

    def backward_data(self, ggx):
        return self._gather(ggx)


class PoolingWithIndexes(_WithIndexes):
    """y = x gathered at the saved argmax positions;  its gradient is the scatter."""

    def forward(self, x):
        return self._gather(x)

    def backward(self, gy):
        return PoolingGrad(self)(gy)

    def backward_data(self, gy):
        return self._scatter(gy)


def pooling(x, kernel_size, stride=1, pad=0):
    """Max pooling of x (N, C, H, W); padded positions never win (as in PyTorch and Chainer)."""
    return Pooling(kernel_size, stride, pad)(x)


def pooling_simple(x, kernel_size, stride=1, pad=0):
    """Teaching version of max pooling: im2col, then max over each window's row.

    Differs from `pooling` only where pad > 0 and a window's values are all negative: im2col
    pads with zeros, and here a padded zero can be the maximum.
    """
    x = as_variable(x)
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry('pooling_simple', x.shape, kernel_size, stride,
                                               pad)
    N, C = x.shape[:2]
    col = im2col(x, (kh, kw), (sh, sw), (ph, pw), to_matrix=True)
    y = _max(reshape(col, (-1, kh * kw)), axis=1)
    return transpose(reshape(y, (N, oh, ow, C)), (0, 3, 1, 2))


class AveragePooling(Function):
    """y = mean over each window (zero padding counted);  gx = col2im of gy / (KH*KW)."""

    def __init__(self, kernel_size, stride=1, pad=0):
        self.args = (kernel_size, stride, pad)

    def forward(self, x):
        self.g = g = _geometry('average_pooling', x.shape, *self.args)
        self.x_shape = x.shape
        view = _windows(x, g)
        y = view[:, :, 0, 0].copy()
        for k in range(1, g[0] * g[1]):
            y += view[:, :, k // g[1], k % g[1]]
        return y / (g[0] * g[1])

    def backward(self, gy):
        kh, kw = self.g[:2]
        N, C, oh, ow = gy.shape
        gy = broadcast_to(reshape(gy / (kh * kw), (N, C, 1, 1, oh, ow)), (N, C, kh, kw, oh, ow))
        return col2im(gy, self.x_shape, *self.args, to_matrix=False)

    def backward_data(self, gy):
        gy = gy / (self.g[0] * self.g[1])
        xp = cuda.get_array_module(gy)
        return _col2im(lambda i, j: gy, self.x_shape, self.g, gy.dtype, xp)


def average_pooling(x, kernel_size, stride=1, pad=0):
    """Average pooling of x (N, C, H, W); padded zeros count in the mean (PyTorch's default)."""
    return AveragePooling(kernel_size, stride, pad)(x)
