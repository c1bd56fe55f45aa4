"""Convolution and pooling: values against direct loops written here (and PyTorch when installed),
derivatives of every input against central differences, float32 kept, clear errors."""
import numpy as np
import pytest

import dezero.functions_conv as C
from dezero import Variable, utils
from helpers import check_function, check_gradient_penalty, check_third_order

rng = np.random.default_rng(11)


def rand(*shape):
    return rng.uniform(-2.0, 2.0, size=shape)


def distinct(*shape):
    """Values at least 0.05 apart, so no max-pooling window has a near tie."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.05 - n * 0.025).reshape(shape)


# --- direct loops: the definitions, one output pixel at a time ------------------------------
def ref_pad(x, ph, pw, value=0.0):
    N, Cn, H, W = x.shape
    out = np.full((N, Cn, H + 2 * ph, W + 2 * pw), value, dtype=np.float64)
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out


def outsize(H, W, k, s, p):
    (kh, kw), (sh, sw), (ph, pw) = utils.pair(k), utils.pair(s), utils.pair(p)
    return (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1


def ref_im2col(x, k, s, p):
    (kh, kw), (sh, sw), (ph, pw) = utils.pair(k), utils.pair(s), utils.pair(p)
    N, Cn, H, W = x.shape
    OH, OW = outsize(H, W, k, s, p)
    xp = ref_pad(x, ph, pw)
    col = np.zeros((N, Cn, kh, kw, OH, OW))
    for i in range(kh):
        for j in range(kw):
            for oh in range(OH):
                for ow in range(OW):
                    col[:, :, i, j, oh, ow] = xp[:, :, oh * sh + i, ow * sw + j]
    return col


def ref_col2im(col, shape, k, s, p):
    (kh, kw), (sh, sw), (ph, pw) = utils.pair(k), utils.pair(s), utils.pair(p)
    N, Cn, H, W = shape
    OH, OW = col.shape[4:]
    img = np.zeros((N, Cn, H + 2 * ph, W + 2 * pw))
    for i in range(kh):
        for j in range(kw):
            for oh in range(OH):
                for ow in range(OW):
                    img[:, :, oh * sh + i, ow * sw + j] += col[:, :, i, j, oh, ow]
    return img[:, :, ph:ph + H, pw:pw + W]


def ref_conv(x, W, b, s, p):
    (sh, sw), (ph, pw) = utils.pair(s), utils.pair(p)
    OC, _, kh, kw = W.shape
    OH, OW = outsize(x.shape[2], x.shape[3], (kh, kw), s, p)
    xp = ref_pad(x, ph, pw)
    y = np.zeros((x.shape[0], OC, OH, OW))
    for oh in range(OH):
        for ow in range(OW):
            win = xp[:, :, oh * sh:oh * sh + kh, ow * sw:ow * sw + kw]
            y[:, :, oh, ow] = np.tensordot(win, W, ((1, 2, 3), (1, 2, 3)))
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def ref_deconv(x, W, b, s, p, out=None):
    (sh, sw), (ph, pw) = utils.pair(s), utils.pair(p)
    N, _, H, Wd = x.shape
    _, OC, kh, kw = W.shape
    OH, OW = out or (sh * (H - 1) + kh - 2 * ph, sw * (Wd - 1) + kw - 2 * pw)
    full = np.zeros((N, OC, max(sh * (H - 1) + kh, OH + 2 * ph),
                     max(sw * (Wd - 1) + kw, OW + 2 * pw)))
    for h in range(H):
        for w in range(Wd):
            full[:, :, h * sh:h * sh + kh, w * sw:w * sw + kw] += np.einsum(
                'nc,cokl->nokl', x[:, :, h, w], W)
    y = full[:, :, ph:ph + OH, pw:pw + OW]
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def ref_pool(x, k, s, p, reduce):
    (kh, kw), (sh, sw), (ph, pw) = utils.pair(k), utils.pair(s), utils.pair(p)
    OH, OW = outsize(x.shape[2], x.shape[3], k, s, p)
    xp = ref_pad(x, ph, pw, -np.inf if reduce is np.max else 0.0)
    y = np.zeros(x.shape[:2] + (OH, OW))
    for oh in range(OH):
        for ow in range(OW):
            y[:, :, oh, ow] = reduce(xp[:, :, oh * sh:oh * sh + kh, ow * sw:ow * sw + kw],
                                     axis=(2, 3))
    return y


# (H, W, kernel_size, stride, pad): square and non-square, strides that do not divide
GEOMS = [
    (5, 5, 3, 1, 0),
    (5, 6, 3, 1, 1),
    (7, 5, 3, 2, 1),
    (6, 7, (2, 3), (1, 2), (0, 1)),
    (4, 4, 1, 1, 0),
    (7, 9, (3, 2), (3, 2), (1, 1)),
    (4, 5, (4, 5), 1, 0),
]


def geom_id(g):
    return 'H{}W{}-k{}-s{}-p{}'.format(*g)


# --- values against the loops -----------------------------------------------------------------
@pytest.mark.parametrize('geom', GEOMS, ids=geom_id)
def test_im2col_and_col2im_arrays_match_loops(geom):
    H, W, k, s, p = geom
    x = rand(2, 3, H, W)
    col = C.im2col_array(x, k, s, p, to_matrix=False)
    want = ref_im2col(x, k, s, p)
    np.testing.assert_allclose(col, want)
    N, Cn, kh, kw, OH, OW = want.shape
    mat = C.im2col_array(x, k, s, p)
    np.testing.assert_allclose(mat, want.transpose(0, 4, 5, 1, 2, 3).reshape(N * OH * OW, -1))
    c = rand(*want.shape)
    back = ref_col2im(c, x.shape, k, s, p)
    np.testing.assert_allclose(C.col2im_array(c, x.shape, k, s, p, to_matrix=False), back)
    cm = c.transpose(0, 4, 5, 1, 2, 3).reshape(N * OH * OW, -1)
    np.testing.assert_allclose(C.col2im_array(cm, x.shape, k, s, p), back)
    # the Function versions compute the same arrays
    np.testing.assert_allclose(C.im2col(Variable(x), k, s, p).data, mat)
    np.testing.assert_allclose(C.col2im(Variable(cm), x.shape, k, s, p).data, back)


def test_im2col_array_returns_a_fresh_writable_array():
    x = rand(2, 3, 4, 4)
    col = C.im2col_array(x, 1, 1, 0, to_matrix=False)  # 1x1 kernel: the view is contiguous
    col[...] = 0
    assert np.abs(x).sum() > 0


@pytest.mark.parametrize('geom', GEOMS, ids=geom_id)
def test_conv2d_matches_loop(geom):
    H, W, k, s, p = geom
    kh, kw = utils.pair(k)
    x, Wt, b = rand(2, 3, H, W), rand(4, 3, kh, kw), rand(4)
    np.testing.assert_allclose(C.conv2d(x, Wt, b, s, p).data, ref_conv(x, Wt, b, s, p),
                               atol=1e-12)
    np.testing.assert_allclose(C.conv2d(x, Wt, None, s, p).data, ref_conv(x, Wt, None, s, p),
                               atol=1e-12)
    np.testing.assert_allclose(C.conv2d_simple(x, Wt, b, s, p).data, ref_conv(x, Wt, b, s, p),
                               atol=1e-12)


@pytest.mark.parametrize('geom', GEOMS, ids=geom_id)
def test_deconv2d_matches_loop(geom):
    H, W, k, s, p = geom
    kh, kw = utils.pair(k)
    x, Wt, b = rand(2, 3, H, W), rand(3, 2, kh, kw), rand(2)
    y = C.deconv2d(x, Wt, b, s, p)
    want = ref_deconv(x, Wt, b, s, p)
    np.testing.assert_allclose(y.data, want, atol=1e-12)
    assert y.shape[2:] == (utils.get_deconv_outsize(H, kh, utils.pair(s)[0], utils.pair(p)[0]),
                           utils.get_deconv_outsize(W, kw, utils.pair(s)[1], utils.pair(p)[1]))


def test_non_contiguous_inputs():
    base = rand(2, 3, 9, 8)
    x = base[:, :, ::2, :].transpose(0, 1, 3, 2)  # strided and transposed view, (2, 3, 8, 5)
    Wt, b = rand(4, 3, 3, 2), rand(4)
    np.testing.assert_allclose(C.conv2d(x, Wt, b, (2, 1), 1).data,
                               ref_conv(np.ascontiguousarray(x), Wt, b, (2, 1), 1), atol=1e-12)
    np.testing.assert_allclose(C.pooling(x, 2, 1, 1).data,
                               ref_pool(np.ascontiguousarray(x), 2, 1, 1, np.max))


def test_deconv2d_outsize_picks_among_the_sizes_that_convolve_back():
    x, Wt = rand(1, 2, 3, 4), rand(2, 3, 3, 3)
    y = C.deconv2d(x, Wt, None, stride=2, pad=1, outsize=(6, 8))  # default would be (5, 7)
    assert y.shape == (1, 3, 6, 8)
    np.testing.assert_allclose(y.data, ref_deconv(x, Wt, None, 2, 1, (6, 8)), atol=1e-12)


@pytest.mark.parametrize('geom', GEOMS, ids=geom_id)
def test_pooling_matches_loop(geom):
    H, W, k, s, p = geom
    x = rand(2, 3, H, W)
    np.testing.assert_allclose(C.pooling(x, k, s, p).data, ref_pool(x, k, s, p, np.max))
    np.testing.assert_allclose(C.average_pooling(x, k, s, p).data,
                               ref_pool(x, k, s, p, np.mean))
    if p == 0:
        np.testing.assert_allclose(C.pooling_simple(x, k, s, p).data,
                                   ref_pool(x, k, s, p, np.max))


def test_max_pooling_padding_never_wins_but_pooling_simple_pads_with_zeros():
    x = -1 - rng.uniform(0, 1, size=(1, 1, 2, 2))
    y = C.pooling(x, 2, 1, 1).data
    assert (y < -1).all()
    ys = C.pooling_simple(x, 2, 1, 1).data
    assert ys[0, 0, 1, 1] == y[0, 0, 1, 1] == x.max()  # the one window without padding
    ys[0, 0, 1, 1] = 0
    assert (ys == 0).all()


def test_max_pooling_gradient_goes_to_one_position_on_ties():
    x = Variable(np.zeros((1, 1, 2, 4)))
    y = C.pooling(x, 2, 2)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [[[[1, 0, 1, 0], [0, 0, 0, 0]]]])


# --- PyTorch as an oracle ---------------------------------------------------------------------
@pytest.mark.parametrize('geom', GEOMS, ids=geom_id)
def test_against_torch(geom):
    torch = pytest.importorskip('torch')
    tF = torch.nn.functional
    H, W, k, s, p = geom
    kh, kw = utils.pair(k)
    x = rand(2, 3, H, W)
    t = torch.tensor
    Wc, bc = rand(4, 3, kh, kw), rand(4)
    np.testing.assert_allclose(C.conv2d(x, Wc, bc, s, p).data,
                               tF.conv2d(t(x), t(Wc), t(bc), utils.pair(s),
                                         utils.pair(p)).numpy(), atol=1e-12)
    Wd, bd = rand(3, 2, kh, kw), rand(2)
    np.testing.assert_allclose(C.deconv2d(x, Wd, bd, s, p).data,
                               tF.conv_transpose2d(t(x), t(Wd), t(bd), utils.pair(s),
                                                   utils.pair(p)).numpy(), atol=1e-12)
    if all(2 * pp <= kk for pp, kk in zip(utils.pair(p), (kh, kw))):  # torch's pad limit
        np.testing.assert_allclose(C.pooling(x, k, s, p).data,
                                   tF.max_pool2d(t(x), k, s, p).numpy())
        np.testing.assert_allclose(C.average_pooling(x, k, s, p).data,
                                   tF.avg_pool2d(t(x), k, s, p).numpy(), atol=1e-12)


def test_gradients_against_torch_float32():
    torch = pytest.importorskip('torch')
    tF = torch.nn.functional
    x = rng.standard_normal((3, 2, 8, 7)).astype(np.float32)
    Wc = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    bc = rng.standard_normal(4).astype(np.float32)
    xv, Wv, bv = Variable(x), Variable(Wc), Variable(bc)
    y = C.pooling(C.conv2d(xv, Wv, bv, stride=1, pad=1), 2, 2)
    g = rng.standard_normal(y.shape).astype(np.float32)
    (y * g).sum().backward()
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, Wc, bc))
    yt = tF.max_pool2d(tF.conv2d(xt, Wt, bt, 1, 1), 2, 2)
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    for v, tv in ((xv, xt), (Wv, Wt), (bv, bt)):
        assert v.grad.dtype == np.float32
        np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-4, atol=1e-4)


# --- derivatives against central differences --------------------------------------------------
SMALL = [(4, 4, 3, 1, 1), (5, 4, (2, 3), (2, 1), (1, 0))]


@pytest.mark.parametrize('geom', SMALL, ids=geom_id)
@pytest.mark.parametrize('name, w_shape', [('conv2d', (3, 2)), ('deconv2d', (2, 3))])
def test_conv_and_deconv_derivatives(name, w_shape, geom):
    H, W, k, s, p = geom
    f = getattr(C, name)
    w_shape += utils.pair(k)
    check_function(lambda x, W, b: f(x, W, b, s, p), rand(2, 2, H, W), rand(*w_shape), rand(3))
    check_function(lambda x, W: f(x, W, None, s, p), rand(1, 2, H, W), rand(*w_shape))


def test_conv2d_with_a_shared_input():
    # x is both the image and the weights: the gradients from both roles must add up
    check_function(lambda x: C.conv2d(x, x, None, 1, 1), rand(2, 2, 3, 3))


def test_deconv2d_with_outsize_derivatives():
    check_function(lambda x, W: C.deconv2d(x, W, None, 2, 1, outsize=(6, 4)),
                   rand(1, 2, 3, 2), rand(2, 2, 3, 3))


def test_conv2d_grad_w_derivatives():
    f = C.Conv2DGradW((3, 2), 2, 1)
    check_function(lambda x, gy: C.Conv2DGradW((3, 2), 2, 1)(x, gy),
                   rand(2, 2, 5, 4), rand(2, 3, 3, 3))
    assert f.kernel_size == (3, 2)


def test_conv2d_simple_derivatives():
    check_function(lambda x, W, b: C.conv2d_simple(x, W, b, 2, 1),
                   rand(1, 2, 4, 5), rand(2, 2, 3, 3), rand(2))
    check_function(lambda x, W: C.conv2d_simple(x, W, None, 1, 0) ** 2,
                   rand(2, 1, 3, 4), rand(3, 1, 2, 2))


def test_pooling_third_derivatives_and_gradient_penalties():
    # the backward of PoolingGrad and PoolingWithIndexes only runs beyond second order
    x = distinct(1, 2, 4, 5)
    check_third_order(lambda x: C.pooling(x, 2, 1, 0) ** 3, x, rtol=1e-3, atol=1e-4)
    check_gradient_penalty(lambda x: C.pooling(x, 2, 1, 1) ** 3, x, rtol=1e-3, atol=1e-4)
    check_third_order(lambda x: C.average_pooling(x, 2, 1, 0) ** 3, x, rtol=1e-3, atol=1e-4)
    check_gradient_penalty(lambda x, W: C.conv2d(x, W, None, 1, 1) ** 2, rand(1, 2, 3, 3),
                           rand(2, 2, 2, 2), rtol=1e-3, atol=1e-4)


def test_functions_reexports_the_convolutions():
    import dezero.functions as F
    for name in ('conv2d', 'deconv2d', 'pooling', 'average_pooling', 'im2col', 'col2im',
                 'conv2d_simple', 'pooling_simple'):
        assert getattr(F, name) is getattr(C, name), name


@pytest.mark.parametrize('geom', SMALL + [(4, 6, 2, 2, 0)], ids=geom_id)
def test_pooling_derivatives(geom):
    H, W, k, s, p = geom
    x = distinct(2, 2, H, W)
    check_function(lambda x: C.pooling(x, k, s, p), x)
    # squaring makes the second derivative nonzero: it runs through PoolingGrad and
    # PoolingWithIndexes
    check_function(lambda x: C.pooling(x, k, s, p) ** 2, x)
    check_function(lambda x: C.pooling_simple(x, k, s, 0) ** 2, x)


@pytest.mark.parametrize('geom', SMALL + [(4, 6, 2, 2, 0)], ids=geom_id)
def test_average_pooling_derivatives(geom):
    H, W, k, s, p = geom
    check_function(lambda x: C.average_pooling(x, k, s, p) ** 2, rand(2, 2, H, W))


@pytest.mark.parametrize('to_matrix', [True, False])
def test_im2col_col2im_derivatives(to_matrix):
    x = rand(1, 2, 5, 4)
    check_function(lambda x: C.im2col(x, (3, 2), (2, 1), 1, to_matrix) ** 2, x)
    col = C.im2col_array(x, (3, 2), (2, 1), 1, to_matrix)
    check_function(lambda c: C.col2im(c, x.shape, (3, 2), (2, 1), 1, to_matrix) ** 2,
                   rand(*col.shape))


def test_im2col_and_col2im_are_adjoint():
    x = rand(2, 3, 6, 5)
    col = rand(*C.im2col_array(x, 3, 2, 1).shape)
    lhs = np.sum(C.im2col_array(x, 3, 2, 1) * col)
    rhs = np.sum(x * C.col2im_array(col, x.shape, 3, 2, 1))
    assert np.isclose(lhs, rhs)


CASES_BOTH_PATHS = [
    ('conv2d', lambda x, W, b: C.conv2d(x, W, b, 2, 1), ((2, 2, 5, 4), (3, 2, 3, 3), (3,))),
    ('deconv2d', lambda x, W, b: C.deconv2d(x, W, b, 2, 1), ((2, 2, 3, 4), (2, 3, 3, 3), (3,))),
    ('pooling', lambda x: C.pooling(x, 3, 2, 1), ((2, 2, 5, 4),)),
    ('average_pooling', lambda x: C.average_pooling(x, 3, 2, 1), ((2, 2, 5, 4),)),
]


@pytest.mark.parametrize('name, f, shapes', CASES_BOTH_PATHS, ids=[c[0] for c in CASES_BOTH_PATHS])
def test_array_fast_path_equals_variable_backward(name, f, shapes):
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = []
    for create_graph in (False, True):
        xs = [Variable(a) for a in arrays]
        y = f(*xs)
        y.grad = Variable(np.linspace(-1, 1, y.size, dtype=np.float32).reshape(y.shape))
        y.backward(create_graph=create_graph)
        grads.append([x.grad.data for x in xs])
    for g0, g1 in zip(*grads):
        assert g0.dtype == g1.dtype == np.float32
        np.testing.assert_array_equal(g0, g1)


# --- dtypes, plain-array inputs, names --------------------------------------------------------
def test_float32_is_kept_everywhere():
    f32 = np.float32
    x = Variable(rng.standard_normal((2, 3, 6, 6)).astype(f32))
    W = Variable(rng.standard_normal((4, 3, 3, 3)).astype(f32))
    b = Variable(np.zeros(4, f32))
    Wd = Variable(rng.standard_normal((4, 2, 2, 2)).astype(f32))
    h = C.conv2d(x, W, b, 1, 1)
    outs = [h, C.deconv2d(h, Wd, None, 2, 0), C.pooling(h, 2, 2), C.average_pooling(h, 3, 1, 1),
            C.im2col(x, 3), C.conv2d_simple(x, W, b, 1, 1), C.pooling_simple(x, 2, 2)]
    assert all(o.dtype == f32 for o in outs)
    assert C.col2im(C.im2col(x, 3, 2, 1), x.shape, 3, 2, 1).dtype == f32
    total = sum(o.sum() for o in outs)
    total.backward()
    for v in (x, W, b, Wd):
        assert v.grad.dtype == f32


def test_conv2d_of_a_plain_array_gives_weight_gradients():
    x = rand(2, 2, 4, 4)
    W, b = Variable(rand(3, 2, 3, 3)), Variable(rand(3))
    C.conv2d(x, W, b, 1, 1).sum().backward()
    xv = Variable(x)
    W2, b2 = Variable(W.data.copy()), Variable(b.data.copy())
    C.conv2d(xv, W2, b2, 1, 1).sum().backward()
    np.testing.assert_allclose(W.grad.data, W2.grad.data)
    np.testing.assert_allclose(b.grad.data, b2.grad.data)


def test_size_helpers_are_reexported():
    assert C.get_conv_outsize(28, 3, 1, 1) == 28
    assert C.get_deconv_outsize(14, 2, 2, 0) == 28
    assert C.pair(3) == (3, 3)


# --- errors ---------------------------------------------------------------------------------
ERRORS = [
    ('conv2d: x must be 4-D', lambda: C.conv2d(rand(3, 5, 5), rand(2, 3, 3, 3))),
    ('conv2d: W must be 4-D', lambda: C.conv2d(rand(1, 3, 5, 5), rand(2, 3, 3))),
    (r'conv2d: x of shape \(1, 3, 5, 5\) has 3 channels but W of shape \(2, 4, 3, 3\)',
     lambda: C.conv2d(rand(1, 3, 5, 5), rand(2, 4, 3, 3))),
    (r'conv2d: kernel \(5, 5\) is larger than the padded input \(4, 4\)',
     lambda: C.conv2d(rand(1, 1, 4, 4), rand(1, 1, 5, 5))),
    (r'conv2d: b must have shape \(2,\)', lambda: C.conv2d(rand(1, 1, 4, 4), rand(2, 1, 3, 3),
                                                           rand(3))),
    ('conv2d: stride must be at least 1', lambda: C.conv2d(rand(1, 1, 4, 4), rand(1, 1, 3, 3),
                                                           stride=0)),
    ('conv2d: pad must be an int or a pair', lambda: C.conv2d(rand(1, 1, 4, 4),
                                                              rand(1, 1, 3, 3), pad=(1, 2, 3))),
    ('conv2d_simple: x of shape', lambda: C.conv2d_simple(rand(1, 3, 5, 5), rand(2, 4, 3, 3))),
    ('deconv2d: x must be 4-D', lambda: C.deconv2d(rand(5, 5), rand(1, 1, 3, 3))),
    (r'deconv2d: x of shape \(1, 3, 4, 4\) has 3 channels but W of shape \(2, 1, 3, 3\)',
     lambda: C.deconv2d(rand(1, 3, 4, 4), rand(2, 1, 3, 3))),
    (r'deconv2d: output size \(9, 9\) does not fit',
     lambda: C.deconv2d(rand(1, 1, 3, 3), rand(1, 1, 3, 3), stride=2, outsize=9)),
    ('pooling: x must be 4-D', lambda: C.pooling(rand(2, 4, 4), 2)),
    (r'pooling: kernel \(3, 3\) is larger than the padded input \(2, 2\)',
     lambda: C.pooling(rand(1, 1, 2, 2), 3)),
    (r'average_pooling: kernel \(3, 3\) is larger than the padded input',
     lambda: C.average_pooling(rand(1, 1, 2, 2), 3)),
    ('pooling_simple: x must be 4-D', lambda: C.pooling_simple(rand(4, 4), 2)),
    ('im2col: x must be 4-D', lambda: C.im2col(rand(4, 4), 2)),
    ('im2col_array: kernel', lambda: C.im2col_array(rand(1, 1, 2, 2), 3, 1, 0)),
    (r'col2im: columns of shape \(4, 5\) do not match image shape \(1, 1, 3, 3\)',
     lambda: C.col2im(rand(4, 5), (1, 1, 3, 3), 2)),
    ('col2im_array: x must be 4-D', lambda: C.col2im_array(rand(4, 4), (3, 3), 2, 1, 0)),
]


@pytest.mark.parametrize('match, call', ERRORS, ids=[e[0].split(':')[0] + str(i)
                                                     for i, e in enumerate(ERRORS)])
def test_errors_name_the_function_and_the_shapes(match, call):
    with pytest.raises(ValueError, match=match):
        call()
