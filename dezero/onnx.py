"""Export a dezero model to ONNX, so that a runtime such as onnxruntime can serve it.

    import dezero.onnx
    dezero.onnx.export(model, x, 'model.onnx')     # x: an example input (array or Variable)

`export` runs one forward pass of `model` on `x` in test mode (dropout off, batch norm on its
running statistics), walks the graph that pass recorded back from the output(s), and writes one
ONNX node (or a few) per dezero function, with the parameters as initializers named by their
attribute paths (`l0.W`). Shapes are those of the example: export with the batch size you will
serve. Recurrent layers appear unrolled over the steps the forward took. The example runs on
the CPU: export a model on a GPU after `model.to_cpu()`. A function with no ONNX
counterpart (a loss, im2col, a user-defined Function) is refused with an error naming it.

Needs the optional packages `onnx` (and `onnxruntime` to run the file):
`pip install onnx onnxruntime`, or `pip install "dezero[onnx]"`.
"""
import os
import numbers

import numpy as np

from dezero import cuda
from dezero._atomic import replacing
from dezero._trace import trace

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Split, Squeeze, ReduceSum and Softmax as used here need 13


def _require_onnx(who):
    try:
        import onnx
    except ImportError:
        raise ImportError(f'{who}: the optional package onnx is not installed; install it with '
                          f'`pip install onnx onnxruntime` (or `pip install "dezero[onnx]"`)'
                          ) from None
    return onnx


def export(model, x, path, opset=None):
    """Trace `model(x)` once in test mode and write it to the ONNX file `path`, atomically.

    x is an example input (a NumPy array or Variable; a tuple or list for several inputs),
    whose shapes and dtypes the file keeps; the inputs are named 'input' ('input0', 'input1'...
    for several) and the outputs 'output' ('output0', ...). opset is the ONNX operator set
    version (17 by default, at least 13). Returns the `onnx.ModelProto` that was written.
    Raises NotImplementedError naming the function when an operation cannot be exported.
    """
    onnx = _require_onnx('dezero.onnx.export')
    opset = DEFAULT_OPSET if opset is None else opset
    newest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, numbers.Integral) \
            or not MIN_OPSET <= opset <= newest:
        raise ValueError(f'dezero.onnx.export: opset must be an int from {MIN_OPSET} to {newest} '
                         f'(the installed onnx package), got {opset!r}')
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f'dezero.onnx.export: directory {directory!r} does not exist; '
                                f'create it first')
    tr = trace('dezero.onnx.export', model, x)
    proto = _Builder(onnx, int(opset), tr).build(type(model).__name__)
    onnx.checker.check_model(proto)
    with replacing(path) as tmp:
        onnx.save(proto, tmp)
    return proto


def _c_order(a):
    """a as a C-ordered array (np.ascontiguousarray would turn a 0-d array into 1-d)."""
    return np.array(a, order='C', copy=None)


def _int_tuple(value, n):
    """An int or a sequence of ints as a tuple of n ints."""
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value),) * n


class _Builder:
    """Turns a Trace into ONNX nodes, one `_op_<ClassName>` method per dezero function."""

    def __init__(self, onnx, opset, tr):
        self.onnx, self.helper, self.opset, self.tr = onnx, onnx.helper, opset, tr
        self.nodes, self.inits, self.names, self.held = [], [], {}, []
        self.casts = {}
        self.count = 0

    # --- names, constants, casts --------------------------------------------------------------
    def fresh(self, stem):
        self.count += 1
        return f'{stem}_{self.count}'

    def const(self, array, stem='const'):
        name = self.fresh(stem)
        self.inits.append(self.onnx.numpy_helper.from_array(_c_order(array), name))
        return name

    def ints(self, values):
        return self.const(np.asarray(list(values), dtype=np.int64), 'shape')

    def node(self, op, inputs, outputs=None, **attrs):
        outputs = [self.fresh(op.lower())] if outputs is None else outputs
        self.nodes.append(self.helper.make_node(op, list(inputs), list(outputs),
                                                name=self.fresh(op), **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def value(self, v):
        """The ONNX name of Variable v: an input, a node's output, a parameter or a constant."""
        key = v
        name = self.names.get(key)
        if name is None:
            if key in self.tr.params:
                pname, p = self.tr.params[key]
                name = pname
                self.inits.append(self.onnx.numpy_helper.from_array(
                    _c_order(cuda.as_numpy(p.data)), name))
            elif v.creator is None:
                name = self.const(cuda.as_numpy(v.data))
            else:  # cannot happen for a graph walked back from its outputs
                raise RuntimeError(f'dezero.onnx.export: variable of shape {v.shape} is used '
                                   f'before the function {type(v.creator).__name__} made it')
            self.names[key] = name
            self.held.append(v)
        return name

    def array(self, a, dtype=None):
        """An array attribute of a function (batch norm's statistics...) as an initializer."""
        name = self.tr.param_arrays.get(id(a))
        a = np.asarray(a) if dtype is None else np.asarray(a).astype(dtype)
        if name is not None and name not in {i.name for i in self.inits}:
            self.inits.append(self.onnx.numpy_helper.from_array(_c_order(a), name))
            return name
        return self.const(a)

    def cast_to(self, name, src, dst):
        if src == dst or src.kind != 'f' or dst.kind != 'f':
            return name
        key = (name, dst.str)
        if key not in self.casts:
            self.casts[key] = self.node('Cast', [name], to=self.tensor_type(dst))
        return self.casts[key]

    def tensor_type(self, dtype):
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    # --- the graph ------------------------------------------------------------------------
    def build(self, graph_name):
        helper, tr = self.helper, self.tr
        inputs = []
        for i, v in enumerate(tr.inputs):
            name = 'input' if len(tr.inputs) == 1 else f'input{i}'
            self.names[v] = name
            inputs.append(helper.make_tensor_value_info(name, self.tensor_type(v.dtype),
                                                        list(v.shape)))
        for f in tr.functions:
            self.emit(f)
        outputs = []
        for i, y in enumerate(tr.outputs):
            name = 'output' if len(tr.outputs) == 1 else f'output{i}'
            self.node('Identity', [self.value(y)], [name])
            outputs.append(helper.make_tensor_value_info(name, self.tensor_type(y.dtype),
                                                         list(y.shape)))
        graph = helper.make_graph(self.nodes, graph_name, inputs, outputs, self.inits)
        proto = helper.make_model(graph, producer_name='dezero',
                                  opset_imports=[helper.make_opsetid('', self.opset)])
        return proto

    def emit(self, f):
        op = type(f).__name__
        handler = getattr(self, '_op_' + op, None)
        if handler is None:
            raise NotImplementedError(
                f'dezero.onnx.export: cannot export the function {op} (no ONNX mapping); '
                f'exportable functions: {", ".join(sorted(_exportable()))}')
        outs = [ref() for ref in f.outputs]
        names = []
        for o in outs:
            name = self.fresh(op.lower())
            if o is not None:
                self.names[o] = name
                self.held.append(o)
            names.append(name)
        alive = [o for o in outs if o is not None]
        dtype = np.dtype(alive[0].dtype) if alive else None
        ins = list(f.inputs)
        in_names = [self.value(v) for v in ins]
        if dtype is not None:
            in_names = [self.cast_to(n, np.dtype(v.dtype), dtype) for n, v in zip(in_names, ins)]
        handler(f, in_names, names, dtype, ins, outs)

    # --- elementwise ----------------------------------------------------------------------
    def _unary(onnx_op):
        def handler(self, f, ins, outs, dtype, in_vars, out_vars):
            self.node(onnx_op, ins, outs)
        return handler

    _op_Sin = _unary('Sin')
    _op_Cos = _unary('Cos')
    _op_Tanh = _unary('Tanh')
    _op_Exp = _unary('Exp')
    _op_Log = _unary('Log')
    _op_Sigmoid = _unary('Sigmoid')
    _op_ReLU = _unary('Relu')
    _op_Neg = _unary('Neg')
    _op_Copy = _unary('Identity')

    def _binary(onnx_op, reflected=False):
        def handler(self, f, ins, outs, dtype, in_vars, out_vars):
            if len(ins) == 1:  # x op c, with the constant c kept on the function
                c = self.const(np.asarray(f.c, dtype=dtype))
                ins = [c, ins[0]] if reflected else [ins[0], c]
            self.node(onnx_op, ins, outs)
        return handler

    _op_Add = _op_AddConstant = _binary('Add')
    _op_Sub = _op_SubConstant = _binary('Sub')
    _op_RSubConstant = _binary('Sub', reflected=True)
    _op_Mul = _op_MulConstant = _binary('Mul')
    _op_Div = _op_DivConstant = _binary('Div')
    _op_RDivConstant = _binary('Div', reflected=True)
    _op_Pow = _binary('Pow')
    _op_RPowConstant = _binary('Pow', reflected=True)
    _op_MatMul = _binary('MatMul')

    def _op_LeakyReLU(self, f, ins, outs, dtype, in_vars, out_vars):
        self.node('LeakyRelu', ins, outs, alpha=float(f.slope))

    def _softmax(onnx_op):
        def handler(self, f, ins, outs, dtype, in_vars, out_vars):
            axis = f.axis
            if isinstance(axis, (tuple, list)) and len(axis) == 1:
                axis = axis[0]
            if not isinstance(axis, numbers.Integral):
                raise NotImplementedError(f'dezero.onnx.export: {type(f).__name__} over axes '
                                          f'{axis!r} cannot be exported; ONNX takes one axis')
            self.node(onnx_op, ins, outs, axis=int(axis))
        return handler

    _op_Softmax = _softmax('Softmax')
    _op_LogSoftmax = _softmax('LogSoftmax')

    def _op_Clip(self, f, ins, outs, dtype, in_vars, out_vars):
        lo = '' if f.x_min is None else self.const(np.asarray(f.x_min, dtype=dtype))
        hi = '' if f.x_max is None else self.const(np.asarray(f.x_max, dtype=dtype))
        self.node('Clip', [ins[0], lo, hi], outs)

    # --- linear maps ----------------------------------------------------------------------
    def _op_Linear(self, f, ins, outs, dtype, in_vars, out_vars):
        if len(ins) == 2:
            self.node('MatMul', ins, outs)
        else:
            self.node('Add', [self.node('MatMul', ins[:2]), ins[2]], outs)

    def _op_GateLinear(self, f, ins, outs, dtype, in_vars, out_vars):
        K, with_h = int(f.K), bool(f.with_h)
        x, Wx, b = ins[0], ins[1:1 + K], ins[1 + K:1 + 2 * K]
        blocks = []
        for k in range(K):
            y = self.node('Add', [self.node('MatMul', [x, Wx[k]]), b[k]])
            if with_h:
                h, Wh = ins[1 + 2 * K], ins[2 + 2 * K:]
                y = self.node('Add', [self.node('MatMul', [h, Wh[k]]), y])
            blocks.append(y)
        self.node('Concat', blocks, outs, axis=1)

    # --- shapes ---------------------------------------------------------------------------
    def _op_Reshape(self, f, ins, outs, dtype, in_vars, out_vars):
        self.node('Reshape', [ins[0], self.ints(out_vars[0].shape)], outs)

    def _op_Transpose(self, f, ins, outs, dtype, in_vars, out_vars):
        ndim = in_vars[0].ndim
        axes = f.axes
        perm = list(range(ndim))[::-1] if axes is None else [int(a) % ndim for a in axes]
        self.node('Transpose', ins, outs, perm=perm)

    def _axes(self, axis, ndim):
        if axis is None:
            return list(range(ndim))
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        return sorted(int(a) % ndim for a in axes)

    def _reduce(self, op, x, axes, keepdims, outs):
        if op == 'ReduceSum' or self.opset >= 18:
            return self.node(op, [x, self.ints(axes)], outs, keepdims=int(keepdims))
        return self.node(op, [x], outs, axes=axes, keepdims=int(keepdims))

    def _op_Sum(self, f, ins, outs, dtype, in_vars, out_vars):
        axes = self._axes(f.axis, in_vars[0].ndim)
        if not axes:
            self.node('Identity', ins, outs)
        else:
            self._reduce('ReduceSum', ins[0], axes, f.keepdims, outs)

    def _op_Max(self, f, ins, outs, dtype, in_vars, out_vars):
        self._reduce('ReduceMax', ins[0], self._axes(f.axis, in_vars[0].ndim), f.keepdims, outs)

    def _op_Min(self, f, ins, outs, dtype, in_vars, out_vars):
        self._reduce('ReduceMin', ins[0], self._axes(f.axis, in_vars[0].ndim), f.keepdims, outs)

    def _op_SumTo(self, f, ins, outs, dtype, in_vars, out_vars):
        src, dst = in_vars[0].shape, out_vars[0].shape
        lead = len(src) - len(dst)
        axes = list(range(lead)) + [lead + i for i, n in enumerate(dst)
                                    if n == 1 and src[lead + i] != 1]
        y = self._reduce('ReduceSum', ins[0], axes, True, None) if axes else ins[0]
        self.node('Reshape', [y, self.ints(dst)], outs)

    def _op_BroadcastTo(self, f, ins, outs, dtype, in_vars, out_vars):
        self.node('Expand', [ins[0], self.ints(out_vars[0].shape)], outs)

    def _op_Concat(self, f, ins, outs, dtype, in_vars, out_vars):
        self.node('Concat', ins, outs, axis=int(f.axis))

    def _op_GetItem(self, f, ins, outs, dtype, in_vars, out_vars):
        index = f.slices
        for v in self.tr.inputs:  # embed_id: the rows of W picked by the integer ids input
            if isinstance(index, np.ndarray) and index is v.data:
                self.node('Gather', [ins[0], self.names[v]], outs, axis=0)
                return
        shape = in_vars[0].shape
        if self._basic_index(ins[0], index, shape, outs):
            return
        # any other NumPy index: the positions it picks, gathered from the flattened array
        picks = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[index]
        flat = self.node('Reshape', [ins[0], self.ints([-1])])
        self.node('Gather', [flat, self.const(picks, 'index')], outs, axis=0)

    def _basic_index(self, x, index, shape, outs):
        """Ints and slices (no None, Ellipsis or arrays): Slice, then Squeeze the int axes."""
        items = index if isinstance(index, tuple) else (index,)
        if len(items) > len(shape) or not all(
                isinstance(i, slice) or (isinstance(i, numbers.Integral)
                                         and not isinstance(i, bool)) for i in items):
            return False
        starts, ends, axes, steps, squeeze = [], [], [], [], []
        for axis, item in enumerate(items):
            if isinstance(item, slice):
                start, stop, step = item.indices(shape[axis])
                if item == slice(None):
                    continue
                if step < 0 and stop < 0:
                    stop = -shape[axis] - 1  # down to and including element 0
            else:
                start = int(item) % shape[axis]
                stop, step = start + 1, 1
                squeeze.append(axis)
            starts.append(start)
            ends.append(stop)
            axes.append(axis)
            steps.append(step)
        y = x
        if axes:
            y = self.node('Slice', [x, self.ints(starts), self.ints(ends), self.ints(axes),
                                    self.ints(steps)], None if squeeze else outs)
        if squeeze:
            self.node('Squeeze', [y, self.ints(squeeze)], outs)
        elif not axes:
            self.node('Identity', [y], outs)
        return True

    # --- normalisation, convolution, pooling ------------------------------------------------
    def _op_BatchNorm(self, f, ins, outs, dtype, in_vars, out_vars):
        mean = self.array(f.avg_mean, dtype)
        var = self.array(f.avg_var, dtype)
        self.node('BatchNormalization', [ins[0], ins[1], ins[2], mean, var], outs,
                  epsilon=float(f.eps))

    def _op_Conv2d(self, f, ins, outs, dtype, in_vars, out_vars):
        W = in_vars[1]
        ph, pw = _int_tuple(f.pad, 2)
        self.node('Conv', ins, outs, kernel_shape=list(W.shape[2:]),
                  strides=list(_int_tuple(f.stride, 2)), pads=[ph, pw, ph, pw])

    def _op_Deconv2d(self, f, ins, outs, dtype, in_vars, out_vars):
        x, W, y = in_vars[0], in_vars[1], out_vars[0]
        sh, sw = _int_tuple(f.stride, 2)
        ph, pw = _int_tuple(f.pad, 2)
        kh, kw = W.shape[2:]
        out_hw = y.shape[2:] if y is not None else f.outsize
        extra = [int(o) - (s * (n - 1) + k - 2 * p) for o, s, n, k, p in
                 zip(out_hw, (sh, sw), x.shape[2:], (kh, kw), (ph, pw))]
        self.node('ConvTranspose', ins, outs, kernel_shape=[kh, kw], strides=[sh, sw],
                  pads=[ph, pw, ph, pw], output_padding=extra)

    def _pool(onnx_op, **extra):
        def handler(self, f, ins, outs, dtype, in_vars, out_vars):
            kernel, stride, pad = f.args
            ph, pw = _int_tuple(pad, 2)
            self.node(onnx_op, ins, outs, kernel_shape=list(_int_tuple(kernel, 2)),
                      strides=list(_int_tuple(stride, 2)), pads=[ph, pw, ph, pw], **extra)
        return handler

    _op_Pooling = _pool('MaxPool')
    _op_AveragePooling = _pool('AveragePool', count_include_pad=1)

    # --- fused recurrent steps ------------------------------------------------------------
    def split(self, x, sizes):
        return self.node('Split', [x, self.ints(sizes)], [self.fresh('part') for _ in sizes],
                         axis=1)

    def _op_LSTM(self, f, ins, outs, dtype, in_vars, out_vars):
        c_prev, gates = ins
        H = in_vars[0].shape[1]
        a, i, fg, o = self.split(gates, [H] * 4)
        a = self.node('Tanh', [a])
        i, fg, o = (self.node('Sigmoid', [g]) for g in (i, fg, o))
        c = self.node('Add', [self.node('Mul', [a, i]), self.node('Mul', [fg, c_prev])],
                      [outs[0]])
        self.node('Mul', [o, self.node('Tanh', [c])], [outs[1]])

    def _op_GRU(self, f, ins, outs, dtype, in_vars, out_vars):
        h, gx, gh = ins
        H = in_vars[0].shape[1]
        xz, xr, xn = self.split(gx, [H] * 3)
        hz, hr, hn = self.split(gh, [H] * 3)
        z = self.node('Sigmoid', [self.node('Add', [xz, hz])])
        r = self.node('Sigmoid', [self.node('Add', [xr, hr])])
        n = self.node('Tanh', [self.node('Add', [xn, self.node('Mul', [r, hn])])])
        self.node('Add', [n, self.node('Mul', [z, self.node('Sub', [h, n])])], outs)


def _exportable():
    return [name[4:] for name in dir(_Builder) if name.startswith('_op_')]
