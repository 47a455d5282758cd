namespace LatentSharp.Text;

/// <summary>
/// Learns a CLIP-format byte-pair vocabulary from captions, for the models this project trains.
/// Words come from the same pre-tokenization as <see cref="ClipTokenizer"/> (clean-up, lower-casing,
/// CLIP's word pattern, UTF-8 bytes as byte-level characters, "&lt;/w&gt;" on the last symbol). The
/// vocabulary is laid out like CLIP's: the 256 byte characters, the same with "&lt;/w&gt;", one token
/// per merge, then "&lt;|startoftext|&gt;" and "&lt;|endoftext|&gt;" — so every text encodes (unseen words
/// fall back to smaller pieces, at worst single bytes), and transformers' CLIPTokenizer loads the
/// saved folder as an ordinary CLIP tokenizer (pad = "&lt;|endoftext|&gt;", as SD 1.x).
/// </summary>
public static class BpeTrainer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Byte symbols, their end-of-word forms and the two special tokens.</summary>
    public const int BaseVocabSize = 2 * 256 + 2;

    /// <param name="vocabSize">Total size, including the 514 base entries. Training stops earlier when
    /// no pair occurs at least <paramref name="minPairFrequency"/> times.</param>
    /// <param name="minPairFrequency">A pair seen fewer times (summed over all captions) is not merged.</param>
    /// <param name="modelMaxLength">Sequence length of the text encoder the tokenizer is for.</param>
    public static ClipTokenizer Train(IEnumerable<string> captions, int vocabSize, int minPairFrequency = 2,
        int modelMaxLength = ClipTokenizerConfig.ClipMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, BaseVocabSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vocabSize, BaseVocabSize + ClipTokenizer.MaxMerges);
        ArgumentOutOfRangeException.ThrowIfLessThan(minPairFrequency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(modelMaxLength, 2);

        var words = CountWords(captions);
        var merges = LearnMerges(words, vocabSize - BaseVocabSize, minPairFrequency);
        var vocab = BuildVocab(merges);
        var config = new ClipTokenizerConfig
        {
            ModelMaxLength = modelMaxLength,
            AddedTokens = new Dictionary<int, AddedToken>
            {
                [vocab[StartOfText]] = new AddedToken(StartOfText),
                [vocab[EndOfText]] = new AddedToken(EndOfText),
            },
        };
        return new ClipTokenizer(vocab, merges, config);
    }

    /// <summary>Distinct words (as byte-level strings) with how often they occur.</summary>
    static Dictionary<string, int> CountWords(IEnumerable<string> captions)
    {
        var splitter = new ClipPreTokenizer([StartOfText, EndOfText]);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string caption in captions)
            foreach (var piece in splitter.Split(caption))
            {
                if (piece.IsAddedToken || piece.Text is StartOfText or EndOfText) continue;
                string word = ByteLevelAlphabet.Encode(piece.Text);
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        return counts;
    }

    /// <summary>
    /// Classic BPE: repeatedly merge the most frequent adjacent pair (ties: ordinal order of the left,
    /// then the right symbol, so the result never depends on hash order) until
    /// <paramref name="newTokens"/> new tokens exist. Pair counts are updated only for the words
    /// that contain the merged pair.
    /// </summary>
    static List<(string Left, string Right)> LearnMerges(Dictionary<string, int> wordCounts, int newTokens, int minPairFrequency)
    {
        var words = wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new TrainingWord(InitialSymbols(kv.Key), kv.Value)).ToArray();
        var pairCounts = new Dictionary<(string, string), long>();
        var wordsWithPair = new Dictionary<(string, string), HashSet<int>>();
        for (int w = 0; w < words.Length; w++) CountPairs(words, w, +1, pairCounts, wordsWithPair);

        var merges = new List<(string, string)>();
        var produced = new HashSet<string>(StringComparer.Ordinal);
        while (produced.Count < newTokens && merges.Count < ClipTokenizer.MaxMerges)
        {
            if (MostFrequentPair(pairCounts, minPairFrequency) is not var (left, right)) break;
            merges.Add((left, right));
            produced.Add(left + right);
            foreach (int w in wordsWithPair[(left, right)].Order().ToArray())
            {
                CountPairs(words, w, -1, pairCounts, wordsWithPair);
                words[w].Merge(left, right);
                CountPairs(words, w, +1, pairCounts, wordsWithPair);
            }
        }
        return merges;
    }

    static (string, string)? MostFrequentPair(Dictionary<(string, string), long> pairCounts, int minPairFrequency)
    {
        (string Left, string Right)? best = null;
        long bestCount = 0;
        foreach (var (pair, count) in pairCounts)
        {
            if (count < minPairFrequency) continue;
            if (best is null || count > bestCount || count == bestCount && ComparePairs(pair, best.Value) < 0)
            {
                best = pair;
                bestCount = count;
            }
        }
        return best;
    }

    static int ComparePairs((string Left, string Right) a, (string Left, string Right) b)
    {
        int c = string.CompareOrdinal(a.Left, b.Left);
        return c != 0 ? c : string.CompareOrdinal(a.Right, b.Right);
    }

    static void CountPairs(TrainingWord[] words, int w, int sign, Dictionary<(string, string), long> pairCounts,
        Dictionary<(string, string), HashSet<int>> wordsWithPair)
    {
        var symbols = words[w].Symbols;
        for (int i = 0; i < symbols.Count - 1; i++)
        {
            var pair = (symbols[i], symbols[i + 1]);
            long count = pairCounts.GetValueOrDefault(pair) + sign * (long)words[w].Count;
            if (count == 0) pairCounts.Remove(pair);
            else pairCounts[pair] = count;
            if (sign > 0)
            {
                if (!wordsWithPair.TryGetValue(pair, out var set)) wordsWithPair[pair] = set = [];
                set.Add(w);
            }
            else if (wordsWithPair.TryGetValue(pair, out var set)) set.Remove(w);
        }
    }

    static List<string> InitialSymbols(string word)
    {
        var symbols = word.Select(c => c.ToString()).ToList();
        symbols[^1] += BpeMerges.EndOfWord;
        return symbols;
    }

    /// <summary>CLIP's id layout: bytes, bytes + "&lt;/w&gt;", merged tokens in merge order, specials.</summary>
    static Dictionary<string, int> BuildVocab(List<(string Left, string Right)> merges)
    {
        var alphabet = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.CharOf((byte)b).ToString())
            .Order(StringComparer.Ordinal).ToArray();
        var tokens = alphabet.Concat(alphabet.Select(s => s + BpeMerges.EndOfWord))
            .Concat(merges.Select(m => m.Left + m.Right))
            .Append(StartOfText).Append(EndOfText);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string token in tokens) vocab.TryAdd(token, vocab.Count);
        return vocab;
    }

    sealed class TrainingWord(List<string> symbols, int count)
    {
        public List<string> Symbols { get; } = symbols;
        public int Count { get; } = count;

        /// <summary>Every non-overlapping occurrence, left to right, as the encoder merges.</summary>
        public void Merge(string left, string right)
        {
            for (int i = 0; i < Symbols.Count - 1; i++)
                if (Symbols[i] == left && Symbols[i + 1] == right)
                {
                    Symbols[i] = left + right;
                    Symbols.RemoveAt(i + 1);
                }
        }
    }
}
