"""Models: Layers that stand for a whole network (`Sequential`, `MLP`, `VGG16`, `ResNet`).

`VGG16` and `ResNet50/101/152` follow the architectures of the book (and of Chainer, whose
converted weights `pretrained=True` downloads); the attribute names are the keys of those weight
files, so they must not change.
"""
import numpy as np

from dezero import utils
from dezero.layers import Layer
import dezero.functions as F
import dezero.layers as L


class Model(Layer):
    """A Layer that is a whole network; adds `plot` to draw its computational graph."""

    def plot(self, *inputs, to_file='model.png'):
        """Run forward on `inputs` and render the graph of the output to `to_file`."""
        y = self.forward(*inputs)
        return utils.plot_dot_graph(y, verbose=True, to_file=to_file)


class Sequential(Model):
    """Apply `layers` one after another; Layers among them are registered as l0, l1, ..."""

    def __init__(self, *layers):
        super().__init__()
        self.layers = []
        for i, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(f'Sequential: argument {i} must be a Layer or a callable, got '
                                f'{type(layer).__name__}')
            setattr(self, f'l{i}', layer)
            self.layers.append(layer)

    def _repr_lines(self):
        # every step in order, plain functions (F.relu) included
        lines = [f'{type(self).__name__}(']
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Layer):
                sub = layer._repr_lines()
            else:
                sub = [getattr(layer, '__name__', None) or repr(layer)]
            lines.append(f'  (l{i}): {sub[0]}')
            lines.extend('  ' + line for line in sub[1:])
        lines.append(')')
        return lines

    def forward(self, x):
        """Feed x through every layer in order."""
        for layer in self.layers:
            x = layer(x)
        return x


class MLP(Model):
    """Fully connected network: Linear layers l0, l1, ... with `activation` between them."""

    def __init__(self, fc_output_sizes, activation=F.sigmoid):
        super().__init__()
        try:
            if isinstance(fc_output_sizes, (str, bytes)):
                raise TypeError  # iterable, but of characters
            sizes = list(fc_output_sizes)
        except TypeError:
            raise TypeError(f'MLP: fc_output_sizes must be a sequence of layer sizes such as '
                            f'(10, 1), got {type(fc_output_sizes).__name__} '
                            f'{fc_output_sizes!r}') from None
        if not sizes:
            raise ValueError('MLP: fc_output_sizes must name at least one layer size, got '
                             f'{fc_output_sizes!r}')
        for i, size in enumerate(sizes):
            is_int = isinstance(size, (int, np.integer)) and not isinstance(size, bool)
            if not is_int or size < 1:
                raise (ValueError if is_int else TypeError)(
                    f'MLP: fc_output_sizes must hold positive ints (the size of each layer), '
                    f'got {type(size).__name__} {size!r} at position {i} of '
                    f'{fc_output_sizes!r}')
        if not callable(activation):
            raise TypeError(f'MLP: activation must be a function such as F.sigmoid, got '
                            f'{type(activation).__name__} {activation!r}')
        self.activation = activation
        self.layers = []
        for i, out_size in enumerate(sizes):
            layer = L.Linear(out_size)
            setattr(self, f'l{i}', layer)
            self.layers.append(layer)

    def forward(self, x):
        """Linear, activation, ..., Linear (no activation after the last layer)."""
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)


# ---------------------------------------------------------------------------------------------
# Image models
# ---------------------------------------------------------------------------------------------
_BGR_MEAN = (103.939, 116.779, 123.68)


def _preprocess(image, size=(224, 224), dtype=np.float32):
    """PIL image -> (3, H, W) BGR array with the ImageNet channel means subtracted."""
    image = image.convert('RGB')
    if size:
        image = image.resize(size)
    arr = np.asarray(image, dtype=dtype)[:, :, ::-1]  # RGB -> BGR, as the weights expect
    arr = arr - np.array(_BGR_MEAN, dtype=dtype)
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


class VGG16(Model):
    """VGG-16: five 3x3 conv blocks with max pooling, then fc6 (4096), fc7 (4096), fc8 (1000)."""
    WEIGHTS_PATH = 'https://github.com/koki0702/dezero-models/releases/download/v0.1/vgg16.npz'
    # (block number, conv layers in the block, channels)
    _BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))

    def __init__(self, pretrained=False, dtype=np.float32):
        super().__init__()
        self._convs = []
        for block, n, channels in self._BLOCKS:
            convs = []
            for j in range(1, n + 1):
                name = f'conv{block}_{j}'
                setattr(self, name, L.Conv2d(channels, kernel_size=3, stride=1, pad=1,
                                             dtype=dtype))
                convs.append(name)
            self._convs.append(convs)
        self.fc6 = L.Linear(4096, dtype=dtype)
        self.fc7 = L.Linear(4096, dtype=dtype)
        self.fc8 = L.Linear(1000, dtype=dtype)
        if pretrained:
            self.load_weights(utils.get_file(VGG16.WEIGHTS_PATH))

    def forward(self, x):
        """(N, 3, 224, 224) images -> (N, 1000) class scores."""
        for convs in self._convs:
            for name in convs:
                x = F.relu(getattr(self, name)(x))
            x = F.pooling(x, 2, 2)
        x = F.reshape(x, (x.shape[0], -1))
        x = F.dropout(F.relu(self.fc6(x)))
        x = F.dropout(F.relu(self.fc7(x)))
        return self.fc8(x)

    preprocess = staticmethod(_preprocess)


class BottleneckA(Layer):
    """Bottleneck that changes the channel count (and stride) with a projection shortcut."""

    def __init__(self, in_channels, mid_channels, out_channels, stride=2, downsample_fb=False,
                 dtype=np.float32):
        super().__init__()
        # MSRA ResNet strides in the first 1x1 conv, Facebook's in the 3x3 conv
        s1, s3 = (1, stride) if downsample_fb else (stride, 1)
        self.conv1 = L.Conv2d(mid_channels, 1, s1, 0, nobias=True, dtype=dtype)
        self.bn1 = L.BatchNorm()
        self.conv2 = L.Conv2d(mid_channels, 3, s3, 1, nobias=True, dtype=dtype)
        self.bn2 = L.BatchNorm()
        self.conv3 = L.Conv2d(out_channels, 1, 1, 0, nobias=True, dtype=dtype)
        self.bn3 = L.BatchNorm()
        self.conv4 = L.Conv2d(out_channels, 1, stride, 0, nobias=True, dtype=dtype)
        self.bn4 = L.BatchNorm()

    def forward(self, x):
        """relu(residual branch + projected shortcut)."""
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return F.relu(h + self.bn4(self.conv4(x)))


class BottleneckB(Layer):
    """Bottleneck with an identity shortcut (channels and size unchanged)."""

    def __init__(self, in_channels, mid_channels, dtype=np.float32):
        super().__init__()
        self.conv1 = L.Conv2d(mid_channels, 1, 1, 0, nobias=True, dtype=dtype)
        self.bn1 = L.BatchNorm()
        self.conv2 = L.Conv2d(mid_channels, 3, 1, 1, nobias=True, dtype=dtype)
        self.bn2 = L.BatchNorm()
        self.conv3 = L.Conv2d(in_channels, 1, 1, 0, nobias=True, dtype=dtype)
        self.bn3 = L.BatchNorm()

    def forward(self, x):
        """relu(residual branch + x)."""
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        return F.relu(self.bn3(self.conv3(h)) + x)


class BuildingBlock(Layer):
    """One ResNet stage: a BottleneckA `a` followed by n_layers - 1 BottleneckB `b1`, `b2`, ..."""

    def __init__(self, n_layers=None, in_channels=None, mid_channels=None, out_channels=None,
                 stride=None, downsample_fb=None, dtype=np.float32):
        super().__init__()
        if not isinstance(n_layers, int) or n_layers < 1:
            raise ValueError(f'BuildingBlock: n_layers must be a positive int, got {n_layers!r}')
        self.a = BottleneckA(in_channels, mid_channels, out_channels, stride,
                             bool(downsample_fb), dtype=dtype)
        self._names = ['a']
        for i in range(1, n_layers):
            name = f'b{i}'
            setattr(self, name, BottleneckB(out_channels, mid_channels, dtype=dtype))
            self._names.append(name)

    def forward(self, x):
        """Run the bottlenecks in order."""
        for name in self._names:
            x = getattr(self, name)(x)
        return x


def _global_average_pooling_2d(x):
    N, C, H, W = x.shape
    return F.reshape(F.average_pooling(x, (H, W), stride=1), (N, C))


class ResNet(Model):
    """ResNet-50/101/152 with bottleneck blocks: (N, 3, 224, 224) images -> (N, 1000) scores."""
    WEIGHTS_PATH = 'https://github.com/koki0702/dezero-models/releases/download/v0.1/resnet{}.npz'
    _DEPTHS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}

    def __init__(self, n_layers=152, pretrained=False, dtype=np.float32):
        super().__init__()
        if n_layers not in self._DEPTHS:
            raise ValueError(f'ResNet: n_layers must be one of {sorted(self._DEPTHS)}, got '
                             f'{n_layers!r}')
        blocks = self._DEPTHS[n_layers]
        self.n_layers = n_layers
        self.conv1 = L.Conv2d(64, 7, 2, 3, dtype=dtype)
        self.bn1 = L.BatchNorm()
        self.res2 = BuildingBlock(blocks[0], 64, 64, 256, 1, dtype=dtype)
        self.res3 = BuildingBlock(blocks[1], 256, 128, 512, 2, dtype=dtype)
        self.res4 = BuildingBlock(blocks[2], 512, 256, 1024, 2, dtype=dtype)
        self.res5 = BuildingBlock(blocks[3], 1024, 512, 2048, 2, dtype=dtype)
        self.fc6 = L.Linear(1000, dtype=dtype)
        if pretrained:
            self.load_weights(utils.get_file(ResNet.WEIGHTS_PATH.format(n_layers)))

    def forward(self, x):
        """Stem, four residual stages, global average pooling, fc6."""
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.pooling(x, kernel_size=3, stride=2)
        x = self.res2(x)
        x = self.res3(x)
        x = self.res4(x)
        x = self.res5(x)
        x = _global_average_pooling_2d(x)
        return self.fc6(x)

    preprocess = staticmethod(_preprocess)


class ResNet50(ResNet):
    """ResNet with 50 layers."""

    def __init__(self, pretrained=False, dtype=np.float32):
        super().__init__(50, pretrained, dtype)


class ResNet101(ResNet):
    """ResNet with 101 layers."""

    def __init__(self, pretrained=False, dtype=np.float32):
        super().__init__(101, pretrained, dtype)


class ResNet152(ResNet):
    """ResNet with 152 layers."""

    def __init__(self, pretrained=False, dtype=np.float32):
        super().__init__(152, pretrained, dtype)
