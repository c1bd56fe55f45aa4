"""dezero.transforms: array transforms, and the Pillow image transforms where Pillow is present."""
import numpy as np
import pytest

from dezero import transforms as T


def test_compose_applies_in_order():
    f = T.Compose([lambda x: x + 1, lambda x: x * 10])
    assert f(2) == 30
    assert T.Compose()(5) == 5
    assert 'Flatten' in repr(T.Compose([T.Flatten()]))
    with pytest.raises(TypeError, match='Compose'):
        T.Compose([3])


def test_normalize_scalar_keeps_float32():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = T.Normalize(mean=1.0, std=2.0)(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, (x - 1.0) / 2.0)
    np.testing.assert_array_equal(T.Normalize()(x), x)  # defaults are the identity


def test_normalize_per_channel_chw():
    x = np.random.RandomState(0).rand(3, 4, 5).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), [0.5, 1.0, 2.0]
    y = T.Normalize(mean, std)(x)
    assert y.dtype == np.float32
    for c in range(3):
        np.testing.assert_allclose(y[c], (x[c] - mean[c]) / std[c], rtol=1e-6)
    # a one-element sequence acts as a scalar
    np.testing.assert_allclose(T.Normalize([2.0], [4.0])(x), (x - 2.0) / 4.0, rtol=1e-6)
    # integer images become float32
    img = np.full((2, 2, 2), 200, dtype=np.uint8)
    y = T.Normalize((100, 0), (2, 1))(img)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y[0], 50.0)
    np.testing.assert_array_equal(y[1], 200.0)


def test_normalize_channel_mismatch_is_an_error():
    with pytest.raises(ValueError, match='Normalize.*3 values.*\\(2, 4, 4\\)'):
        T.Normalize((0.0, 0.0, 0.0))(np.zeros((2, 4, 4), dtype=np.float32))


def test_flatten_astype_tofloat_toint():
    x = np.arange(12, dtype=np.uint8).reshape(1, 3, 4)
    np.testing.assert_array_equal(T.Flatten()(x), np.arange(12))
    assert T.AsType()(x).dtype == np.float32
    assert T.AsType(np.float64)(x).dtype == np.float64
    assert T.ToFloat()(x).dtype == np.float32
    y = T.ToInt()(np.array([1.7, -2.2]))
    assert y.dtype == np.dtype(int)
    np.testing.assert_array_equal(y, [1, -2])
    assert 'float32' in repr(T.ToFloat())


def test_mnist_style_pipeline():
    img = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    y = T.Compose([T.Flatten(), T.ToFloat(), T.Normalize(0., 255.)])(img)
    assert y.dtype == np.float32 and y.shape == (4,)
    np.testing.assert_allclose(y, [0.0, 1.0, 0.2, 0.4], rtol=1e-6)


def test_random_horizontal_flip_array():
    x = np.arange(12).reshape(1, 3, 4)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x), x[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(x), x)
    np.random.seed(0)
    flips = [T.RandomHorizontalFlip()(x)[0, 0, 0] == 3 for _ in range(200)]
    assert 60 < sum(flips) < 140
    with pytest.raises(ValueError, match='RandomHorizontalFlip'):
        T.RandomHorizontalFlip(p=1.5)


# ---------------------------------------------------------------------------------------------
# Pillow transforms
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def Image():
    return pytest.importorskip('PIL.Image')


def _rgb(Image, w=6, h=4):
    data = np.random.RandomState(1).randint(0, 256, size=(h, w, 3)).astype(np.uint8)
    return Image.fromarray(data), data


def test_to_array_and_to_pil_round_trip(Image):
    img, data = _rgb(Image)
    a = T.ToArray()(img)
    assert a.shape == (3, 4, 6) and a.dtype == np.float32
    np.testing.assert_array_equal(a, data.transpose(2, 0, 1))
    assert T.ToArray(np.uint8)(img).dtype == np.uint8
    back = T.ToPIL()(a.astype(np.uint8))
    np.testing.assert_array_equal(np.asarray(back), data)
    arr = np.zeros((3, 2, 2))
    assert T.ToArray()(arr) is arr  # arrays pass through
    with pytest.raises(TypeError, match='ToArray'):
        T.ToArray()([1, 2, 3])
    with pytest.raises(TypeError, match='ToPIL'):
        T.ToPIL()(np.zeros((2, 2)))


def test_grayscale_to_array_has_one_channel(Image):
    img = Image.fromarray(np.arange(6, dtype=np.uint8).reshape(2, 3))
    a = T.ToArray()(img)
    assert a.shape == (1, 2, 3)
    np.testing.assert_array_equal(T.ToPIL()(a.astype(np.uint8)), np.arange(6).reshape(2, 3))


def test_convert(Image):
    img, data = _rgb(Image)
    assert T.Convert('L')(img).mode == 'L'
    bgr = np.asarray(T.Convert('BGR')(img))
    np.testing.assert_array_equal(bgr, data[:, :, ::-1])


def test_resize_and_center_crop(Image):
    img, data = _rgb(Image, w=7, h=5)
    assert T.Resize(3)(img).size == (3, 3)
    assert T.Resize((4, 2))(img).size == (4, 2)
    crop = T.CenterCrop((3, 2))(img)
    assert crop.size == (3, 2)
    # margins 4 and 3: 2 and 1 on the left/top, the rest on the right/bottom
    np.testing.assert_array_equal(np.asarray(crop), data[1:3, 2:5])
    with pytest.raises(ValueError, match='CenterCrop'):
        T.CenterCrop(10)(img)


def test_random_horizontal_flip_pil(Image):
    img, data = _rgb(Image)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(img)), data[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(0.0)(img)), data)


def test_image_pipeline(Image):
    img, data = _rgb(Image, w=8, h=8)
    f = T.Compose([T.Convert('RGB'), T.CenterCrop(4), T.ToArray(), T.Normalize(0., 255.)])
    y = f(img)
    assert y.shape == (3, 4, 4) and y.dtype == np.float32
    np.testing.assert_allclose(y, data[2:6, 2:6].transpose(2, 0, 1) / 255.0, rtol=1e-6)
