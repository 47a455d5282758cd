namespace LatentSharp.Text;

/// <summary>
/// A token matched verbatim in the text before normal tokenization, with the flags transformers stores
/// for it in tokenizer_config.json ("added_tokens_decoder"). CLIP's tokens have lstrip, rstrip and
/// single_word all false, which is the only behaviour implemented; the flags are kept so a saved
/// folder says the same as the one loaded.
/// </summary>
public sealed record AddedToken(
    string Content,
    bool Special = true,
    bool Normalized = true,
    bool Lstrip = false,
    bool Rstrip = false,
    bool SingleWord = false);
