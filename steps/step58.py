"""Step 58: a large CNN, VGG16, and a forward pass on an image.

What it teaches: `dezero.models.VGG16` stacks 13 3x3 convolutions (with ReLU) in five blocks,
each followed by 2x2 max pooling, then three fully connected layers (4096, 4096, 1000): 138
million parameters, built from the same Conv2d and Linear layers as the small nets. A forward
pass maps a (N, 3, 224, 224) image batch to (N, 1000) class scores. Inference runs inside
`dezero.test_mode()` (dropout off) and `dezero.no_grad()` (no graph kept, so the activations
are freed as soon as the next layer has used them).

Where it simplifies: the book loads pretrained weights (about 500 MB) and a photo of a zebra,
both downloaded. This step needs no download: it builds VGG16() with random weights, feeds a
generated image (colour gradients and a disc) preprocessed as the pretrained weights expect
(BGR, ImageNet means subtracted), and prints the output shape and the top class indices, which
are meaningless without the trained weights. `VGG16(pretrained=True)` would fetch the weights
through `dezero.utils.get_file`.
"""
import time

import numpy as np

import dezero
from dezero.models import VGG16


def generated_image(size=224):
    """An RGB uint8 picture: smooth colour gradients with a bright disc in the middle."""
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    img = np.stack([xx, yy, 1 - xx], axis=-1) * 200
    img[(xx - 0.5) ** 2 + (yy - 0.5) ** 2 < 0.05] = (250, 230, 40)
    return img.astype(np.uint8)


def preprocess(rgb):
    """(H, W, 3) RGB uint8 -> (3, H, W) float32 BGR with the ImageNet channel means subtracted."""
    bgr = rgb[:, :, ::-1].astype(np.float32) - np.array([103.939, 116.779, 123.68], np.float32)
    return np.ascontiguousarray(bgr.transpose(2, 0, 1))


def main():
    np.random.seed(0)
    x = preprocess(generated_image())[np.newaxis]
    print('input', x.shape, x.dtype)

    model = VGG16()  # pretrained=True would download the book's trained weights
    print('VGG16 built with random weights (no pretrained weights: nothing is downloaded)')

    with dezero.test_mode(), dezero.no_grad():
        start = time.perf_counter()
        y = model(x)  # the first call also draws the weights, whose shapes wait for the input
        first = time.perf_counter() - start
        start = time.perf_counter()
        y = model(x)
        second = time.perf_counter() - start
    n_params = sum(p.data.size for p in model.params())
    print(f'output {y.shape}; {n_params:,} parameters')
    print(f'first call (creates the weights, then runs forward) {first:.2f} s, '
          f'forward pass alone {second:.2f} s')
    top = np.argsort(y.data[0])[::-1][:5]
    print('top-5 class indices (random weights, so no meaning):', top.tolist())


if __name__ == '__main__':
    main()
