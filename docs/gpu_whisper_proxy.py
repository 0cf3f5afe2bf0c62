"""GPU throughput of a Whisper-base-sized model, for the capacity plan (docs/benchmarks.md): an ESTIMATE.

Not the project's recognizer: PyTorch + transformers (what a GPU machine had; faster-whisper's CTranslate2
could not be installed there), random weights, every turn decoded for exactly 25 tokens (a 2-3 s Polish
caller turn) with beam 5 emulated as 5x the decoder batch, the full 30 s encoder window (the project cuts it
to 8 s). It measures what the model's arithmetic costs a GPU, batch by batch; CTranslate2 is usually faster
than eager PyTorch. Run: ``python3 docs/gpu_whisper_proxy.py`` on a machine with CUDA, torch, transformers.
"""

import time

import torch
from transformers import WhisperConfig, WhisperForConditionalGeneration

BASE = WhisperConfig(
    vocab_size=51865,
    num_mel_bins=80,
    encoder_layers=6,
    decoder_layers=6,
    encoder_attention_heads=8,
    decoder_attention_heads=8,
    d_model=512,
    encoder_ffn_dim=2048,
    decoder_ffn_dim=2048,
)
model = WhisperForConditionalGeneration(BASE).half().cuda().eval()


def turns(batch: int, beam: int = 5, tokens: int = 25) -> None:
    features = torch.randn(batch, 80, 3000, device="cuda", dtype=torch.half)
    hidden = model.model.encoder(features).last_hidden_state.repeat_interleave(beam, 0)
    ids = torch.full((batch * beam, 1), 50258, device="cuda")
    cache = None
    for _ in range(tokens):
        out = model.model.decoder(input_ids=ids, encoder_hidden_states=hidden, past_key_values=cache, use_cache=True)
        cache = out.past_key_values
        ids = model.proj_out(out.last_hidden_state[:, -1:]).argmax(-1)


def bench(batch: int, beam: int, runs: int = 3) -> None:
    turns(batch, beam)
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(runs):
        turns(batch, beam)
    torch.cuda.synchronize()
    seconds = (time.perf_counter() - started) / runs
    print(f"beam {beam} batch {batch}: {seconds * 1000:.1f} ms per batch, {batch / seconds:.1f} turns/s", flush=True)


with torch.inference_mode():
    for size in (1, 4, 16, 32, 64, 128, 256):
        bench(size, 5)
    for size in (1, 256):
        bench(size, 1)
