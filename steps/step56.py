"""Step 56: im2col, the trick that turns convolution into one matrix product.

What it teaches: `im2col` copies every kernel-sized window of the input into one row of a
matrix. For an input of shape (N, C, H, W) and a KH x KW kernel the matrix has N * OH * OW rows
(one per output pixel of every image) and C * KH * KW columns (one per kernel weight).
Multiplying it by the kernels flattened to (C * KH * KW, OC) gives all OC output channels at
every position at once, so a convolution becomes a single call into a fast BLAS matrix product,
at the price of memory (each input pixel is copied up to KH * KW times).

Where it simplifies: the book has no runnable step 56 (the chapter is about the ideas); this
script shows im2col on a small example with its values and shapes, and checks the matrix-product
convolution against a direct loop over output pixels.
"""
import numpy as np

import dezero.functions as F
from dezero.utils import get_conv_outsize


def main():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    print('input (1, 1, 4, 4):')
    print(x[0, 0])
    col = F.im2col(x, kernel_size=3, stride=1, pad=0).data
    print('im2col with a 3x3 kernel: shape', col.shape, '= (N*OH*OW, C*KH*KW); each row is a '
          'window:')
    print(col)

    N, C, H, W = 2, 3, 7, 7
    OC, KH, KW, stride, pad = 4, 3, 3, 2, 1
    OH = get_conv_outsize(H, KH, stride, pad)
    OW = get_conv_outsize(W, KW, stride, pad)
    print(f'\nN={N}, C={C}, H=W={H}, kernel {KH}x{KW}, stride {stride}, pad {pad}: OH=OW={OH}')
    for n in (1, N):
        col = F.im2col(np.zeros((n, C, H, W)), (KH, KW), stride, pad).data
        print(f'  im2col of a batch of {n}: {col.shape} = ({n}*{OH}*{OW}, {C}*{KH}*{KW})')
    print('  im2col without to_matrix keeps the axes (N, C, KH, KW, OH, OW):',
          F.im2col(np.zeros((N, C, H, W)), (KH, KW), stride, pad, to_matrix=False).shape)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W))
    Wt = rng.standard_normal((OC, C, KH, KW))
    col = F.im2col(x, (KH, KW), stride, pad).data
    y = (col @ Wt.reshape(OC, -1).T).reshape(N, OH, OW, OC).transpose(0, 3, 1, 2)

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y_loop = np.zeros((N, OC, OH, OW))
    for i in range(OH):
        for j in range(OW):
            window = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            y_loop[:, :, i, j] = np.tensordot(window, Wt, axes=([1, 2, 3], [1, 2, 3]))
    print('matrix-product convolution', y.shape, 'equals the direct loop:',
          np.allclose(y, y_loop))


if __name__ == '__main__':
    main()
