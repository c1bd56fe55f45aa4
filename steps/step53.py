"""Step 53: saving and loading a model's weights.

What it teaches: `model.save_weights(path)` writes every parameter to one `.npz` file, keyed by
its attribute path (`l0/W`, `l0/b`, `l1/W`, ...), and `model.load_weights(path)` puts them
back into a model of the same shape. A trained network can thus be kept and reused, or training
resumed later. The file is written to a temporary name and renamed when complete, so a crash
while saving never destroys an earlier file; loading refuses pickled data, and a file that does
not match the model (missing, extra or wrongly shaped parameters) raises an error that names
them, before anything is changed.

Where it simplifies: it trains the spiral MLP of step 50 for 100 epochs instead of MNIST (no
download needed). The weights are saved to step53_mlp.npz in the current directory.
"""
import os

import numpy as np

import dezero
import dezero.functions as F
from dezero import DataLoader, optimizers
from dezero.models import MLP


def main():
    train_set = dezero.datasets.Spiral(train=True)
    train_loader = DataLoader(train_set, batch_size=30)
    model = MLP((10, 3))
    optimizer = optimizers.SGD(lr=1.0).setup(model)

    for epoch in range(100):
        for x, t in train_loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()

    x_all, t_all = train_set.data, train_set.label
    with dezero.no_grad():
        y_trained = model(x_all).data
    acc = F.accuracy(y_trained, t_all).data.item()
    print(f'trained 100 epochs: accuracy {acc:.3f}')

    path = os.path.abspath('step53_mlp.npz')
    model.save_weights(path)
    with np.load(path) as f:
        print('saved', path, 'with', {k: f[k].shape for k in f.files})

    # a fresh model has no weights yet (they are created lazily); loading gives it the saved ones
    restored = MLP((10, 3))
    restored.load_weights(path)
    with dezero.no_grad():
        y_restored = restored(x_all).data
    print('restored model gives the same outputs:', np.array_equal(y_trained, y_restored))

    # a model of another shape is refused, and nothing is loaded
    wrong = MLP((20, 3))
    wrong(x_all[:1])
    try:
        wrong.load_weights(path)
    except ValueError as e:
        print('loading into MLP((20, 3)) fails as it should:')
        print('   ', str(e).replace('\n', '\n    '))


if __name__ == '__main__':
    main()
