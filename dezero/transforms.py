"""Preprocessing steps for datasets: small callables chained with `Compose`.

Array transforms (`Normalize`, `Flatten`, `AsType`, `ToFloat`, `ToInt`) work on NumPy arrays.
Image transforms (`Convert`, `Resize`, `CenterCrop`, `ToArray`, `ToPIL`,
`RandomHorizontalFlip`) work on Pillow images; Pillow is optional and is imported only when one
of them is used.
"""
import numbers

import numpy as np

from dezero.utils import pair


def _pil_image():
    """Import PIL.Image on first use, with an error that says how to get it."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError('dezero.transforms: image transforms need Pillow; '
                          'install it with `pip install pillow`') from e
    return Image


def _is_pil_image(img):
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


class Compose:
    """Apply a list of transforms one after another."""

    def __init__(self, transforms=()):
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise TypeError(f'Compose: every transform must be callable, got {t!r}')

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        inner = ', '.join(repr(t) for t in self.transforms)
        return f'Compose([{inner}])'


# =============================================================================================
# Array transforms
# =============================================================================================
class Normalize:
    """(x - mean) / std; a sequence mean/std applies per channel along the first axis (CHW)."""

    def __init__(self, mean=0, std=1):
        self.mean = mean
        self.std = std

    def _per_channel(self, value, array, what):
        if isinstance(value, numbers.Number):
            return value
        value = np.asarray(value)
        if value.ndim == 0 or value.size == 1:
            return value.reshape(()).item()
        if array.ndim == 0 or value.ndim != 1 or len(value) != array.shape[0]:
            raise ValueError(f'Normalize: {what} has {value.size} values but the input of shape '
                             f'{array.shape} has {array.shape[0] if array.ndim else 0} channels '
                             f'on its first axis (expected CHW input)')
        # keep float inputs in their own precision; integer images become float32
        dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.float32
        return value.astype(dtype).reshape((-1,) + (1,) * (array.ndim - 1))

    def __call__(self, array):
        mean = self._per_channel(self.mean, array, 'mean')
        std = self._per_channel(self.std, array, 'std')
        return (array - mean) / std

    def __repr__(self):
        return f'Normalize(mean={self.mean!r}, std={self.std!r})'


class Flatten:
    """Flatten an array to 1-D."""

    def __call__(self, array):
        return array.flatten()

    def __repr__(self):
        return 'Flatten()'


class AsType:
    """Cast an array to `dtype`."""

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def __call__(self, array):
        return array.astype(self.dtype)

    def __repr__(self):
        return f'{type(self).__name__}(dtype={np.dtype(self.dtype).name})'


class ToFloat(AsType):
    """Cast an array to a float type (float32 by default)."""

    def __init__(self, dtype=np.float32):
        super().__init__(dtype)


class ToInt(AsType):
    """Cast an array to an integer type (int by default)."""

    def __init__(self, dtype=int):
        super().__init__(dtype)


# =============================================================================================
# Image transforms (Pillow)
# =============================================================================================
class Convert:
    """Convert a PIL image to `mode` ('RGB', 'L', ...; 'BGR' swaps the red and blue bands)."""

    def __init__(self, mode='RGB'):
        self.mode = mode

    def __call__(self, img):
        Image = _pil_image()
        if self.mode == 'BGR':
            r, g, b = img.convert('RGB').split()
            return Image.merge('RGB', (b, g, r))
        return img.convert(self.mode)


class Resize:
    """Resize a PIL image to `size` (an int for a square, or (width, height))."""

    def __init__(self, size, mode=None):
        self.size = pair(size)
        self.mode = mode

    def __call__(self, img):
        Image = _pil_image()
        mode = getattr(Image, 'Resampling', Image).BILINEAR if self.mode is None else self.mode
        return img.resize(self.size, mode)


class CenterCrop:
    """Crop the centre of a PIL image to `size` (an int for a square, or (width, height))."""

    def __init__(self, size):
        self.size = pair(size)

    def __call__(self, img):
        W, H = img.size
        OW, OH = self.size
        if OW > W or OH > H:
            raise ValueError(f'CenterCrop: crop size {self.size} is larger than the image '
                             f'size {(W, H)} (width, height)')
        # an odd margin trims its extra pixel from the right/bottom, as the book does
        left, top = (W - OW) // 2, (H - OH) // 2
        return img.crop((left, top, left + OW, top + OH))


class ToArray:
    """Turn a PIL image into a CHW array of `dtype`; arrays pass through unchanged."""

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def __call__(self, img):
        if isinstance(img, np.ndarray):
            return img
        if not _is_pil_image(img):
            raise TypeError(f'ToArray: expected a PIL image or an ndarray, '
                            f'got {type(img).__name__}')
        array = np.asarray(img)
        if array.ndim == 2:  # grayscale: one channel
            array = array[:, :, None]
        return array.transpose(2, 0, 1).astype(self.dtype)


class ToPIL:
    """Turn a CHW array into a PIL image."""

    def __call__(self, array):
        Image = _pil_image()
        if not isinstance(array, np.ndarray) or array.ndim != 3:
            raise TypeError(f'ToPIL: expected a CHW ndarray, got '
                            f'{getattr(array, "shape", type(array).__name__)}')
        data = array.transpose(1, 2, 0)
        if data.shape[2] == 1:
            data = data[:, :, 0]
        return Image.fromarray(data)


class RandomHorizontalFlip:
    """Mirror a PIL image (or a CHW array) left-right with probability `p`."""

    def __init__(self, p=0.5):
        if not 0 <= p <= 1:
            raise ValueError(f'RandomHorizontalFlip: p must be in [0, 1], got {p}')
        self.p = p

    def __call__(self, img):
        # the global generator, like the rest of the data pipeline, so np.random.seed reproduces
        if np.random.rand() >= self.p:
            return img
        if isinstance(img, np.ndarray):
            return img[..., ::-1].copy()
        Image = _pil_image()
        return img.transpose(getattr(Image, 'Transpose', Image).FLIP_LEFT_RIGHT)
