"""Tiny randomly initialised Llama and GPT-2 models with a word-level tokenizer: no downloads."""

from __future__ import annotations

import torch

WORDS = ["i", "am", "so", "happy", "today", "this", "is", "great", "sad", "angry", "afraid", "what", "a", "surprise", "gross", "news", "the", "you", "me", "my", "dog", "cat", "work", "home", "tell", "about", "week", "hello", "good", "bad"]
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }} "
                 "<|im_end|> {% endfor %}{% if add_generation_prompt %}<|im_start|> assistant "
                 "{% endif %}")


def tiny_tokenizer(chat: bool = True):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<unk>", "<|im_start|>", "<|im_end|>"]
    roles = ["system", "user", "assistant"]
    vocab = {w: i for i, w in enumerate(specials + roles + list(WORDS))}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", unk_token="<unk>",
                                  eos_token="<|im_end|>", bos_token="<|im_start|>")
    if chat:
        tok.chat_template = CHAT_TEMPLATE
    return tok


def tiny_model(family: str = "llama", n_layers: int = 3, seed: int = 0):
    """A LanguageModel around a random tiny network of the given family."""
    from affectlab.lm.model.language_model import LanguageModel

    tok = tiny_tokenizer()
    with torch.random.fork_rng(devices=[]):  # other tests' random state stays untouched
        torch.manual_seed(seed)
        net = _network(family, tok, n_layers)
    net.eval()
    return LanguageModel(net, tok, name=f"tiny-{family}")


def _network(family: str, tok, n_layers: int):
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    if family == "llama":
        config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=48,
                             num_hidden_layers=n_layers, num_attention_heads=4,
                             num_key_value_heads=2, max_position_embeddings=128,
                             pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                             bos_token_id=tok.bos_token_id, tie_word_embeddings=True)
        return LlamaForCausalLM(config)
    if family == "gpt2":
        config = GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=n_layers, n_head=4,
                            n_positions=128, pad_token_id=tok.pad_token_id,
                            eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id,
                            resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
        return GPT2LMHeadModel(config)
    raise ValueError(family)
