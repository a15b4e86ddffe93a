"""llama2.c's LLaMA (RMSNorm, rotary positions on consecutive pairs, SwiGLU,
grouped-query attention, tied classifier) in plain PyTorch, loaded from a
llama2.c checkpoint such as ../shared/models/stories260K/stories260K.bin, for
tests/bench/torch_bench.py. Same interface as gpt2_module.Gpt2:
forward(input_ids, past=None, last_only=False) -> (logits, present).
"""
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    def __init__(self, dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab,
                 seq_len):
        self.dim, self.hidden_dim, self.n_layers = dim, hidden_dim, n_layers
        self.n_heads, self.n_kv_heads = n_heads, n_kv_heads
        self.vocab, self.seq_len = vocab, seq_len
        self.head_dim = dim // n_heads


class RmsNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * \
            self.weight


def rotate(x, cos, sin):
    """x [B, H, T, hd]: pairs (2i, 2i+1) rotated by the position's angle."""
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos],
                       dim=-1).flatten(-2)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        kv_dim = c.n_kv_heads * c.head_dim
        self.c = c
        self.attention_norm = RmsNorm(c.dim)
        self.wq = nn.Linear(c.dim, c.dim, bias=False)
        self.wk = nn.Linear(c.dim, kv_dim, bias=False)
        self.wv = nn.Linear(c.dim, kv_dim, bias=False)
        self.wo = nn.Linear(c.dim, c.dim, bias=False)
        self.ffn_norm = RmsNorm(c.dim)
        self.w1 = nn.Linear(c.dim, c.hidden_dim, bias=False)
        self.w2 = nn.Linear(c.hidden_dim, c.dim, bias=False)
        self.w3 = nn.Linear(c.dim, c.hidden_dim, bias=False)

    def forward(self, x, cos, sin, past_k, past_v):
        c = self.c
        b, t, _ = x.shape
        h = self.attention_norm(x)
        heads = lambda z, n: z.view(b, t, n, c.head_dim).transpose(1, 2)
        q = rotate(heads(self.wq(h), c.n_heads), cos, sin)
        k = rotate(heads(self.wk(h), c.n_kv_heads), cos, sin)
        v = heads(self.wv(h), c.n_kv_heads)
        if past_k is not None:
            k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        group = c.n_heads // c.n_kv_heads
        kk = k.repeat_interleave(group, dim=1)
        vv = v.repeat_interleave(group, dim=1)
        n_keys = k.shape[2]
        scores = q @ kk.transpose(-2, -1) / c.head_dim ** 0.5
        mask = torch.ones(t, n_keys, dtype=torch.bool).tril(n_keys - t)
        scores = scores.masked_fill(~mask, float('-inf'))
        y = (F.softmax(scores, -1) @ vv).transpose(1, 2).reshape(b, t, c.dim)
        x = x + self.wo(y)
        h = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h)), k, v


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.tok_embeddings = nn.Embedding(c.vocab, c.dim)
        self.layers = nn.ModuleList([Layer(c) for _ in range(c.n_layers)])
        self.norm = RmsNorm(c.dim)
        freqs = 1.0 / (10000.0 ** (torch.arange(0, c.head_dim, 2).double()
                                   / c.head_dim))
        angles = torch.outer(torch.arange(c.seq_len).double(), freqs)
        self.register_buffer('cos', angles.cos().float(), persistent=False)
        self.register_buffer('sin', angles.sin().float(), persistent=False)

    def forward(self, input_ids, past=None, last_only=False):
        t = input_ids.shape[1]
        start = 0 if past is None else past[0][0].shape[2]
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]
        x = self.tok_embeddings(input_ids)
        present = []
        for i, layer in enumerate(self.layers):
            pk, pv = (None, None) if past is None else past[i]
            x, k, v = layer(x, cos, sin, pk, pv)
            present.append((k, v))
        if last_only:
            x = x[:, -1:, :]
        return self.norm(x) @ self.tok_embeddings.weight.t(), present


def load_llama2c(path):
    """A llama2.c checkpoint (version 0: 7 int32 header, f32 weights; a
    positive vocab size means a tied classifier, the only case handled)."""
    with open(path, 'rb') as f:
        data = f.read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq = struct.unpack(
        '7i', data[:28])
    if vocab <= 0:
        raise ValueError(f'{path}: untied classifiers are not handled')
    c = Config(dim, hidden, n_layers, n_heads, n_kv, vocab, seq)
    model = Llama(c)
    floats = torch.frombuffer(bytearray(data[28:]), dtype=torch.float32)
    offset = 0

    def take(*shape):
        nonlocal offset
        n = 1
        for s in shape:
            n *= s
        t = floats[offset:offset + n].reshape(shape)
        offset += n
        return t

    kv_dim = n_kv * c.head_dim
    L = n_layers
    with torch.no_grad():
        model.tok_embeddings.weight.copy_(take(vocab, dim))
        for name, shape in [('attention_norm.weight', (dim,)),
                            ('wq.weight', (dim, dim)),
                            ('wk.weight', (kv_dim, dim)),
                            ('wv.weight', (kv_dim, dim)),
                            ('wo.weight', (dim, dim)),
                            ('ffn_norm.weight', (dim,)),
                            ('w1.weight', (hidden, dim)),
                            ('w2.weight', (dim, hidden)),
                            ('w3.weight', (hidden, dim))]:
            stacked = take(L, *shape)
            for i in range(L):
                model.layers[i].get_parameter(name).copy_(stacked[i])
        model.norm.weight.copy_(take(dim))
    return model
