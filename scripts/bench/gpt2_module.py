"""A GPT-2 in plain PyTorch (transformers is not installed here), shared by
make_gpt2_124m.py (which exports it to ONNX) and tests/bench/torch_bench.py
(which times it).

Parameter names follow tiny-gpt2 (../shared/models/tiny-gpt2/README.md):
`transformer.wte`, `transformer.h.N.attn.c_attn` as a Linear [out, in], ...,
`transformer.ln_f`, the classifier tied to `wte`. wisp's ONNX importer
recognises them as GPT-2 (src/import/onnx_architectures.cc). The ops are
written out the way the importer reads the config back from the graph:
scores divided by sqrt(head size), GELU through Tanh.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    def __init__(self, vocab=50257, n_ctx=1024, n_embd=768, n_layer=12,
                 n_head=12):
        self.vocab, self.n_ctx, self.n_embd = vocab, n_ctx, n_embd
        self.n_layer, self.n_head = n_layer, n_head


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(
        math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.head_dim = c.n_head, c.n_embd // c.n_head
        self.c_attn = nn.Linear(c.n_embd, 3 * c.n_embd)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd)

    def forward(self, x, past_k=None, past_v=None):
        """x [B, T, C]; past_k/v [B, H, P, hd] or None. Returns the output
        and the keys/values including x's ([B, H, P + T, hd])."""
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        heads = lambda z: z.view(b, t, self.n_head, self.head_dim).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
        # Query i (at position P + i) sees keys 0 .. P + i.
        n_keys = k.shape[2]
        mask = torch.ones(t, n_keys, dtype=torch.bool, device=x.device)
        mask = torch.tril(mask, diagonal=n_keys - t)
        scores = scores.masked_fill(~mask, float('-inf'))
        y = F.softmax(scores, dim=-1) @ v
        y = y.transpose(1, 2).contiguous().view(b, t, c)
        return self.c_proj(y), k, v


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c.n_embd, 4 * c.n_embd)
        self.c_proj = nn.Linear(4 * c.n_embd, c.n_embd)

    def forward(self, x):
        return self.c_proj(gelu_tanh(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.n_embd, eps=1e-5)
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c.n_embd, eps=1e-5)
        self.mlp = Mlp(c)

    def forward(self, x, past_k=None, past_v=None):
        a, k, v = self.attn(self.ln_1(x), past_k, past_v)
        x = x + a
        return x + self.mlp(self.ln_2(x)), k, v


class Gpt2(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c.vocab, c.n_embd),
            wpe=nn.Embedding(c.n_ctx, c.n_embd),
            h=nn.ModuleList([Block(c) for _ in range(c.n_layer)]),
            ln_f=nn.LayerNorm(c.n_embd, eps=1e-5)))

    def init_weights(self, seed):
        """tiny-gpt2's recipe: nanoGPT's init (N(0, 0.02); residual
        projections N(0, 0.02 / sqrt(2 n_layer))), then every bias N(0, 0.02)
        and every LayerNorm weight 1 + N(0, 0.1), so that every parameter
        matters in a comparison."""
        torch.manual_seed(seed)
        proj_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith('c_proj.weight'):
                    p.normal_(0.0, proj_std)
                elif 'ln_' in name and name.endswith('.weight'):
                    p.normal_(0.0, 0.1).add_(1.0)
                else:  # other weights and every bias
                    p.normal_(0.0, 0.02)

    def forward(self, input_ids, past=None, last_only=False):
        """input_ids [B, T]. past: None, or a list of (k, v) per layer
        ([B, H, P, hd]). Returns logits [B, T, vocab] (only the last
        position's, [B, 1, vocab], with last_only) and the new (k, v) per
        layer."""
        t = input_ids.shape[1]
        start = 0 if past is None else past[0][0].shape[2]
        positions = torch.arange(start, start + t, device=input_ids.device)
        x = self.transformer.wte(input_ids) + self.transformer.wpe(positions)
        present = []
        for i, block in enumerate(self.transformer.h):
            pk, pv = (None, None) if past is None else past[i]
            x, k, v = block(x, pk, pv)
            present.append((k, v))
        if last_only:
            x = x[:, -1:, :]
        x = self.transformer.ln_f(x)
        return x @ self.transformer.wte.weight.t(), present


class PlainGraph(nn.Module):
    """input_ids -> logits, for the prefill ONNX graph."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return self.model(input_ids)[0]


class LastLogitsGraph(nn.Module):
    """input_ids -> the last position's logits: a prefill that, like wisp's
    and like generation needs, runs the classifier for one row only."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return self.model(input_ids, last_only=True)[0]


class KvCacheGraph(nn.Module):
    """(input_ids, past_key_0, past_value_0, ...) -> (logits, present_key_0,
    present_value_0, ...), for ONNX Runtime's decode."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1])
                for i in range(len(past_flat) // 2)]
        logits, present = self.model(input_ids, past)
        flat = [t for kv in present for t in kv]
        return (logits, *flat)


def synthetic_ids(n, vocab, salt=0):
    """The prompt every runner uses (src/cli/bench.cc SyntheticIds)."""
    return [(i * 7919 + 1 + salt) % vocab for i in range(n)]
